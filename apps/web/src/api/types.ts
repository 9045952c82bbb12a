import type { components, paths } from './schema'

/*
 * Names for the shapes of the generated OpenAPI types (schema.d.ts) that the pages use. Only the
 * per-user table options are written out: the server stores them as an open record.
 */

type Json<
  P extends keyof paths,
  M extends keyof paths[P],
  S extends number = 200,
> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } }
}
  ? T
  : never

export type Me = Json<'/api/v1/auth/me', 'get'>
export type User = Me['user']
export type Project = Json<'/api/v1/projects', 'get'>['projects'][number]
export type Member = Json<'/api/v1/projects/{projectId}/members', 'get'>['members'][number]
export type EvaluationSummary = Json<
  '/api/v1/projects/{projectId}/evaluations',
  'get'
>['evaluations'][number]
export type Evaluation = Json<'/api/v1/evaluations/{evaluationId}', 'get'>
export type Column = Evaluation['columns'][number]
export type ColumnConfig = Column['config']
type PostBody<P extends keyof paths> = paths[P] extends {
  post: { requestBody?: { content: { 'application/json': infer B } } }
}
  ? B
  : never
/** A column configuration as the API accepts it (defaults may be left out). */
export type ColumnConfigInput = PostBody<'/api/v1/evaluations/{evaluationId}/columns'>['config']
export type ProductionFilters = PostBody<'/api/v1/projects/{projectId}/production-data/preview'>
export type EvaluatorConfig = Extract<ColumnConfig, { kind: 'evaluator' }>['evaluator']
export type GeneratorConfig = Extract<ColumnConfig, { kind: 'generated' }>['generator']
export type Role = Project['role']
export type Run = Json<'/api/v1/runs/{runId}', 'get'>
export type RunStatus = Run['status']
export type SystemEvaluator = Json<'/api/v1/evaluators/system', 'get'>['evaluators'][number]
export type ProjectEvaluator = Json<
  '/api/v1/projects/{projectId}/evaluators',
  'get'
>['evaluators'][number]
export type Scale = SystemEvaluator['scale']
export type Connection = Json<
  '/api/v1/projects/{projectId}/connections',
  'get'
>['connections'][number]
export type ApiToken = Json<'/api/v1/tokens', 'get'>['tokens'][number]
export type CellDetail = NonNullable<Json<'/api/v1/rows/{rowId}/cells/{columnId}', 'get'>['result']>
export type TestOutcome = Json<'/api/v1/columns/{columnId}/test', 'post'>['outcomes'][number]
export type ImportPreview = Json<'/api/v1/evaluations/{evaluationId}/imports/preview', 'post'>
export type ApiTestResult = Json<'/api/v1/evaluations/{evaluationId}/api-test', 'post'>

type Schemas = components['schemas']

export type ResultsPage = Schemas['ResultsPage']
export type ResultsRow = Schemas['ResultsRow']
export type ManualCellView = Schemas['ManualCellView']
export type ResultCellView = Schemas['ResultCellView']
export type CellStatus = ResultCellView['status']
export type ResultsAggregate = Schemas['ResultsAggregate']
export type ColumnAggregate = Schemas['ColumnAggregate']
export type HistogramBin = Schemas['Histogram']['bins'][number]
export type Agreement = Schemas['ResultsAgreement']
export type RunPassRate = Schemas['RunPassRate']
export type RunComparison = Schemas['RunComparison']
export type BackoffState = Schemas['BackoffState']
export type RunProgress = NonNullable<Schemas['RunProgress']>
export type RunEstimate = Schemas['RunEstimate']
export type ColumnEstimate = Schemas['ColumnEstimate']

type ResultsQuery = PostBody<'/api/v1/evaluations/{evaluationId}/results/query'>
export type ResultsFilter = NonNullable<ResultsQuery['filters']>[number]
export type ResultsSort = NonNullable<ResultsQuery['sort']>

export type RowHeight = 'compact' | 'normal' | 'tall'

export type TableOptions = {
  filters: ResultsFilter[]
  sort: ResultsSort | null
  hidden: string[]
  rowHeight: RowHeight
  widths: Record<string, number>
}

/** A cell result as the run's SSE `cells` event carries it (raw answer left out). */
export type StreamedCell = ResultCellView & { rowId: string; columnId: string; columnName: string }
