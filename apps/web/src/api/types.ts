import type { paths } from './schema'

/*
 * Shapes the OpenAPI document leaves open (`Record<string, unknown>` answers): the results page,
 * aggregates, agreement, run comparison and live progress. They mirror @assay/core and
 * @assay/engine; the web app talks HTTP only, so they are written out here.
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

export type CellStatus = 'pending' | 'running' | 'done' | 'error' | 'stopped' | 'skipped'

export type ResultsFilter =
  | {
      type: 'text'
      columnId: string
      op: 'contains' | 'equals' | 'empty' | 'not_empty'
      value?: string
    }
  | {
      type: 'score'
      columnId: string
      op: '>' | '>=' | '<' | '<=' | '=' | 'between'
      value: number
      to?: number
    }
  | { type: 'verdict'; columnId: string; values: ('pass' | 'fail' | 'error' | 'pending')[] }
  | { type: 'thumbs'; columnId: string; values: ('up' | 'down' | 'none')[] }

export type ResultsSort = { columnId: string; direction: 'asc' | 'desc' }

export type RowHeight = 'compact' | 'normal' | 'tall'

export type TableOptions = {
  filters: ResultsFilter[]
  sort: ResultsSort | null
  hidden: string[]
  rowHeight: RowHeight
  widths: Record<string, number>
}

export type ManualCellView = { value: string | null; editedBy: string | null; editedAt: string }

export type ResultCellView = {
  runId: string
  status: CellStatus
  value: number | string | null
  pass: boolean | null
  explanation: string | null
  error: { code: string; message: string; retryable?: boolean } | null
  tokensIn: number
  tokensOut: number
  cost: number | null
  latencyMs: number | null
  attempts: number
  cached: boolean
  model: string | null
  finishedAt: string
}

export type ResultsRow = {
  id: string
  index: number
  data: Record<string, string>
  values: Record<string, ManualCellView>
  results: Record<string, ResultCellView>
}

export type ResultsPage = {
  rows: ResultsRow[]
  nextCursor: string | null
  total: number
  rowCount?: number
}

export type HistogramBin = { lo: number; hi: number; count: number }

export type ColumnAggregate = {
  columnId: string
  kind: 'evaluator' | 'human'
  scale: Scale
  threshold: { op: '>' | '<'; value: number } | null
  total: number
  pass: number
  fail: number
  noVerdict: number
  error: number
  pending: number
  stopped: number
  skipped: number
  scored: number
  outOfScale: number
  passRate: number | null
  failRate: number | null
  avg: number | null
  min: number | null
  max: number | null
  histogram: { kind: 'boolean' | 'integer' | 'equal-width'; bins: HistogramBin[] }
  unparseable: number
  tokensIn: number
  tokensOut: number
  cost: number | null
}

export type ResultsAggregate = { rows: number; rowCount: number; columns: ColumnAggregate[] }

export type Agreement = {
  n: number
  accuracy: number | null
  kappa: number | null
  weightedKappa: number | null
  spearman: number | null
  pearson: number | null
  evaluatorColumnId: string
  labelColumnId: string
  mode: 'verdict' | 'value'
  rows: number
}

export type RunPassRate = { pass: number; fail: number; error: number; passRate: number | null }

export type RunComparison = {
  runA: string
  runB: string
  rows: number
  columns: {
    columnId: string
    a: RunPassRate
    b: RunPassRate
    change: number | null
    fixed: number
    broken: number
  }[]
  changes: {
    index: number
    rowId: string
    cells: {
      columnId: string
      a: 'pass' | 'fail'
      b: 'pass' | 'fail'
      scoreA: number | null
      scoreB: number | null
    }[]
  }[]
  nextCursor: string | null
  changedRows: number
}

export type BackoffState = {
  connectionId: string
  connectionName: string
  inFlight: number
  queued: number
  pausedUntil: number | null
}

export type RunProgress = {
  runId: string
  status: RunStatus
  rows: { total: number; processed: number }
  cells: {
    total: number
    done: number
    error: number
    cached: number
    stopped: number
    pending: number
  }
  generations: number
  tokens: { input: number; output: number }
  cost: number | null
  elapsedMs: number
  cellsPerSecond: number
  backoff: BackoffState[]
}

/** A cell result as the run's SSE `cells` event carries it (raw answer left out). */
export type StreamedCell = ResultCellView & { rowId: string; columnId: string; columnName: string }
