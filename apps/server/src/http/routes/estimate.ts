import {
  AssayError,
  BudgetSchema,
  RESULTS_FILTERS_MAX,
  type Repositories,
  ResultsFilterSchema,
  type RunScope,
} from '@assay/core'
import { estimateRun, type RunEstimate } from '@assay/engine'
import { z } from '@hono/zod-openapi'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'
import { EvaluationParam } from './evaluations.js'

/* SPEC §4 "Estimate and budget": what a run would do, before it starts. */

const MAX_ROW_IDS = 100_000

/** The body of starting a run, and of estimating one. */
export const StartRunBody = z.object({
  mode: z.enum(['all', 'unfinished', 'column', 'failed', 'rows']).default('unfinished'),
  columnIds: z.array(z.string().min(1).max(64)).max(500).optional(),
  rowIds: z.array(z.string().min(1).max(64)).max(MAX_ROW_IDS).optional(),
  /** Mode `rows` for the table's filtered rows: the rows matching these filters now. */
  filters: z.array(ResultsFilterSchema).max(RESULTS_FILTERS_MAX).optional(),
  budget: BudgetSchema.optional(),
})

/** The ids of the rows matching the table's filters, in row order, at most MAX_ROW_IDS. */
async function matchingRowIds(
  repos: Repositories,
  evaluationId: string,
  filters: z.infer<typeof ResultsFilterSchema>[],
): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const page: { rows: { id: string }[]; nextCursor: string | null } =
      await repos.resultsQuery.page(evaluationId, { filters, limit: 500, cursor })
    for (const row of page.rows) ids.push(row.id)
    cursor = page.nextCursor
    if (ids.length > MAX_ROW_IDS) {
      throw new AssayError(
        'limit_exceeded',
        `more than ${MAX_ROW_IDS} rows match; narrow the filters`,
      )
    }
  } while (cursor)
  return ids
}

/**
 * The scope of a run started with `body`: checks the mode's required fields and turns filters
 * into the matching rows. Starting a run and estimating one both plan from it.
 */
export async function runScopeOf(
  repos: Repositories,
  evaluationId: string,
  body: z.infer<typeof StartRunBody>,
): Promise<RunScope> {
  if (body.mode === 'column' && !body.columnIds?.length) {
    throw new AssayError('invalid_input', 'mode "column" needs columnIds', {
      position: { field: 'columnIds' },
    })
  }
  let rowIds = body.rowIds
  if (body.mode === 'rows' && !rowIds?.length && body.filters?.length) {
    rowIds = await matchingRowIds(repos, evaluationId, body.filters)
    if (rowIds.length === 0) {
      throw new AssayError('invalid_input', 'no row matches the filters', {
        position: { field: 'filters' },
      })
    }
  }
  if (body.mode === 'rows' && !rowIds?.length) {
    throw new AssayError('invalid_input', 'mode "rows" needs rowIds', {
      position: { field: 'rowIds' },
    })
  }
  return { mode: body.mode, columnIds: body.columnIds ?? null, rowIds: rowIds ?? null }
}

const count = z.number().int().nonnegative()

const ColumnEstimateSchema = z
  .object({
    columnId: z.string(),
    columnName: z.string(),
    kind: z.enum(['prompt', 'api', 'judge', 'rag', 'metric']),
    connectionId: z.string().nullable(),
    connectionName: z.string().nullable(),
    model: z.string().nullable(),
    cells: count.openapi({ description: 'Cells of this column the run would execute' }),
    modelCalls: count.openapi({
      description:
        'Model calls expected: cells whose prompt renders, minus answers already in the model cache; a lower bound for `rag` columns',
    }),
    cachedCalls: count.openapi({
      description: 'Calls the model cache already answers (the identical request): no tokens',
    }),
    apiCalls: count.openapi({ description: 'API requests (API generators); no model tokens' }),
    inputTokens: count.openapi({
      description: 'Σ ceil(rendered prompt characters / 4) over the expected model calls',
    }),
    outputTokens: count.openapi({
      description: 'Σ max output tokens of the expected calls (column, else connection, else 256)',
    }),
    cost: z.number().nullable().openapi({
      description: 'From the connection’s prices; null when a price is unknown',
    }),
    lowerBound: z.boolean().openapi({
      description: 'The real number of calls can be higher (RAG metrics chain several steps)',
    }),
  })
  .openapi('ColumnEstimate')

const RunEstimateSchema = z
  .object({
    evaluationId: z.string(),
    scope: z.object({
      mode: z.enum(['unfinished', 'column', 'failed', 'rows', 'all']),
      columnIds: z.array(z.string()).nullable(),
      rowIds: z.array(z.string()).nullable(),
    }),
    rows: count.openapi({ description: 'Rows in the run’s scope' }),
    rowsWithCells: count.openapi({ description: 'Rows with at least one cell to run' }),
    cells: count,
    modelCalls: count,
    cachedCalls: count,
    apiCalls: count,
    inputTokens: count,
    outputTokens: count,
    cost: z.number().nullable().openapi({ description: 'Null when some price is unknown' }),
    lowerBound: z.boolean(),
    cacheEnabled: z.boolean(),
    cacheCheckedRows: count.openapi({
      description:
        'Rows whose requests were looked up in the model cache; the hit rate found there is assumed for the other rows',
    }),
    columns: z.array(ColumnEstimateSchema),
    assumptions: z.array(z.string()).openapi({ description: 'How the figures were obtained' }),
    budget: z
      .object({
        maxTokens: z.number().nullable(),
        maxCost: z.number().nullable(),
        /**
         * True when the estimate passes the budget (tokens, or a cost that is known); the run
         * would then stop by itself before the end.
         */
        exceeded: z.boolean(),
      })
      .nullable()
      .openapi({ description: 'The budget sent, if any, against the estimate' }),
    tookMs: count.openapi({ description: 'How long the estimate took' }),
  })
  .openapi('RunEstimate')

/** The rowIds of a `rows` scope can be 100,000 long: the answer gives their number only. */
function answer(estimate: RunEstimate, budget: z.infer<typeof StartRunBody>['budget']) {
  const scope = { ...estimate.scope, rowIds: estimate.scope.rowIds ? [] : null }
  const maxTokens = budget?.maxTokens ?? null
  const maxCost = budget?.maxCost ?? null
  const exceeded =
    (maxTokens !== null && estimate.inputTokens + estimate.outputTokens > maxTokens) ||
    (maxCost !== null && estimate.cost !== null && estimate.cost > maxCost)
  return {
    ...estimate,
    scope,
    budget: budget ? { maxTokens, maxCost, exceeded } : null,
  }
}

export function registerEstimateRoutes(app: App, deps: RouteDeps): void {
  const { repos, engineDeps } = deps.services

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/runs/estimate',
        tags: ['runs'],
        summary:
          'Before starting a run: the cells it would execute, model calls, input/output tokens and cost, per column and in total (same body as starting it; nothing is sent or stored). `scope.rowIds` is answered empty: its rows are counted in `rows`.',
        request: { params: EvaluationParam, ...jsonBody(StartRunBody) },
        responses: json(RunEstimateSchema, 'the estimate'),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const body = c.req.valid('json')
      const scope = await runScopeOf(repos, evaluationId, body)
      const estimate = await estimateRun(engineDeps, { evaluationId, scope })
      return c.json(answer(estimate, body.budget), 200)
    },
  )
}
