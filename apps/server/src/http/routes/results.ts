import {
  AssayError,
  CellResultSchema,
  type ColumnScales,
  ResultsAggregateQuerySchema,
  ResultsAggregateSchema,
  ResultsAgreementSchema,
  ResultsPageSchema,
  ResultsQuerySchema,
  RunComparisonQuerySchema,
  RunComparisonSchema,
} from '@assay/core'
import { z } from '@hono/zod-openapi'
import { scaleOfColumn } from '../../dataset/column-scale.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'
import { EvaluationParam } from './evaluations.js'

/* The table's read side. POST because a query (filters, sort, cursor) is a JSON body; all are reads. */

export function registerResultRoutes(app: App, deps: RouteDeps): void {
  const { repos } = deps.services

  async function scales(evaluationId: string): Promise<ColumnScales> {
    const out: Record<string, NonNullable<Awaited<ReturnType<typeof scaleOfColumn>>>> = {}
    for (const column of await repos.columns.list(evaluationId)) {
      if (column.config.kind !== 'evaluator') continue
      const scale = await scaleOfColumn(repos, column)
      if (scale) out[column.id] = scale
    }
    return out
  }

  /** The answer as JSON carries it (no undefined fields), typed as its response schema. */
  const plain = <S extends z.ZodType>(_schema: S, value: unknown) =>
    JSON.parse(JSON.stringify(value)) as z.output<S>

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/results/query',
        tags: ['results'],
        summary:
          'A page of the table: filters (text, score, verdict, thumbs; ANDed), sort, and a keyset cursor (next page) or an offset (random access; not both); latest results or one run’s',
        request: { params: EvaluationParam, ...jsonBody(ResultsQuerySchema) },
        responses: json(ResultsPageSchema, 'rows, the next cursor and the number of matching rows'),
      },
    ),
    async (c) => {
      const page = await repos.resultsQuery.page(
        c.req.valid('param').evaluationId,
        c.req.valid('json'),
      )
      return c.json(plain(ResultsPageSchema, page), 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/results/aggregate',
        tags: ['results'],
        summary:
          'Footers and Insights over the filtered rows: per evaluator and thumbs column pass/fail/error/pending, pass rate, avg/min/max, histogram, health',
        request: { params: EvaluationParam, ...jsonBody(ResultsAggregateQuerySchema) },
        responses: json(ResultsAggregateSchema, 'per column aggregates'),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const result = await repos.resultsQuery.aggregate(evaluationId, c.req.valid('json'), {
        scales: await scales(evaluationId),
      })
      return c.json(plain(ResultsAggregateSchema, result), 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/agreement',
        tags: ['results'],
        summary:
          'Agreement between an evaluator column and a label or thumbs column over the filtered rows: accuracy, Cohen’s kappa, Spearman',
        request: {
          params: EvaluationParam,
          ...jsonBody(
            ResultsAggregateQuerySchema.extend({
              evaluatorColumnId: z.string().min(1).max(64),
              labelColumnId: z.string().min(1).max(64),
            }),
          ),
        },
        responses: json(ResultsAgreementSchema, 'agreement statistics'),
      },
    ),
    async (c) => {
      const { evaluatorColumnId, labelColumnId, ...query } = c.req.valid('json')
      const result = await repos.resultsQuery.agreement(
        c.req.valid('param').evaluationId,
        evaluatorColumnId,
        labelColumnId,
        query,
      )
      return c.json(plain(ResultsAgreementSchema, result), 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'run' },
      {
        method: 'post',
        path: '/api/v1/runs/{runId}/compare',
        tags: ['results'],
        summary:
          'Compare this run with another of the same evaluation: pass rate per evaluator in each and the change, and the rows whose verdict flipped',
        request: {
          params: z.object({ runId: z.string().min(1).max(64) }),
          ...jsonBody(RunComparisonQuerySchema.extend({ otherRunId: z.string().min(1).max(64) })),
        },
        responses: json(RunComparisonSchema, 'the comparison'),
      },
    ),
    async (c) => {
      const { otherRunId, ...query } = c.req.valid('json')
      const result = await repos.resultsQuery.compareRuns(
        c.req.valid('param').runId,
        otherRunId,
        query,
      )
      return c.json(plain(RunComparisonSchema, result), 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'row' },
      {
        method: 'get',
        path: '/api/v1/rows/{rowId}/cells/{columnId}',
        tags: ['results'],
        summary:
          'One generator or evaluator cell in full (raw answer, tokens, latency, attempts): the latest finished result, or that of `runId`',
        request: {
          params: z.object({
            rowId: z.string().min(1).max(64),
            columnId: z.string().min(1).max(64),
          }),
          query: z.object({ runId: z.string().min(1).max(64).optional() }),
        },
        responses: json(z.object({ result: CellResultSchema.nullable() }), 'the cell'),
      },
    ),
    async (c) => {
      const { rowId, columnId } = c.req.valid('param')
      const { runId } = c.req.valid('query')
      const row = await repos.rows.get(rowId)
      const column = await repos.columns.get(columnId)
      if (!row || !column || column.evaluationId !== row.evaluationId) {
        throw new AssayError('not_found', `column ${columnId} is not in the row's evaluation`)
      }
      const result = runId
        ? await repos.cellResults.get(runId, rowId, columnId)
        : (await repos.cellResults.latestForRows([columnId], [rowId]))[0]
      return c.json({ result: result ?? null }, 200)
    },
  )
}
