import {
  AssayError,
  BudgetSchema,
  liveElapsedMs,
  RESULTS_FILTERS_MAX,
  ResultsFilterSchema,
  type Run,
  RunSchema,
} from '@assay/core'
import type { RunProgress } from '@assay/engine'
import { z } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import { principalOf } from '../auth/access.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'
import type { SseMessage } from '../run-event-hub.js'
import { assertNoActiveRun } from '../run-guards.js'
import { EvaluationParam } from './evaluations.js'

const RunParam = z.object({ runId: z.string().min(1).max(64) })
const MAX_ROW_IDS = 100_000
const HEARTBEAT_MS = 15_000

const RunView = RunSchema.extend({
  /** Elapsed time now, the running segment included. */
  liveElapsedMs: z.number(),
  startedByName: z.string().nullable(),
  /** Live progress while the run executes in this server; null otherwise. */
  progress: z.record(z.string(), z.unknown()).nullable(),
})

const StartRunBody = z.object({
  mode: z.enum(['all', 'unfinished', 'column', 'failed', 'rows']).default('unfinished'),
  columnIds: z.array(z.string().min(1).max(64)).max(500).optional(),
  rowIds: z.array(z.string().min(1).max(64)).max(MAX_ROW_IDS).optional(),
  /** Mode `rows` for the table's filtered rows: the rows matching these filters now. */
  filters: z.array(ResultsFilterSchema).max(RESULTS_FILTERS_MAX).optional(),
  budget: BudgetSchema.optional(),
})

export function registerRunRoutes(app: App, deps: RouteDeps): void {
  const { repos, engine, clock } = deps.services
  const names = new Map<string, string | null>()

  async function view(run: Run) {
    let startedByName: string | null = null
    if (run.startedBy) {
      if (!names.has(run.startedBy))
        names.set(run.startedBy, (await repos.users.get(run.startedBy))?.name ?? null)
      startedByName = names.get(run.startedBy) ?? null
    }
    const progress = engine.progress(run.id) as RunProgress | undefined
    return {
      ...run,
      liveElapsedMs: liveElapsedMs(run, clock.now()),
      startedByName,
      progress: progress ? (JSON.parse(JSON.stringify(progress)) as Record<string, unknown>) : null,
    }
  }

  /** The ids of the rows matching the table's filters, in row order, at most MAX_ROW_IDS. */
  async function matchingRowIds(
    evaluationId: string,
    filters: z.infer<typeof ResultsFilterSchema>[],
  ): Promise<string[]> {
    const ids: string[] = []
    let cursor: string | null = null
    do {
      const page = await repos.resultsQuery.page(evaluationId, { filters, limit: 500, cursor })
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

  async function mustRun(runId: string): Promise<Run> {
    const run = await repos.runs.get(runId)
    if (!run) throw new AssayError('not_found', `run ${runId} does not exist`)
    return run
  }

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/runs',
        tags: ['runs'],
        summary:
          'Start a run: everything unfinished, all cells again, one or more columns, failed cells, or given rows',
        request: { params: EvaluationParam, ...jsonBody(StartRunBody) },
        responses: json(RunView, 'queued; it starts at once in the embedded worker', 201),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const body = c.req.valid('json')
      await assertNoActiveRun(repos, evaluationId)
      if (body.mode === 'column' && !body.columnIds?.length) {
        throw new AssayError('invalid_input', 'mode "column" needs columnIds', {
          position: { field: 'columnIds' },
        })
      }
      if (body.mode === 'rows' && !body.rowIds?.length && body.filters?.length) {
        body.rowIds = await matchingRowIds(evaluationId, body.filters)
        if (body.rowIds.length === 0) {
          throw new AssayError('invalid_input', 'no row matches the filters', {
            position: { field: 'filters' },
          })
        }
      }
      if (body.mode === 'rows' && !body.rowIds?.length) {
        throw new AssayError('invalid_input', 'mode "rows" needs rowIds', {
          position: { field: 'rowIds' },
        })
      }
      const run = await engine.createRun({
        evaluationId,
        scope: { mode: body.mode, columnIds: body.columnIds ?? null, rowIds: body.rowIds ?? null },
        startedBy: principalOf(c).user.id,
        budget: body.budget ?? null,
      })
      deps.worker.enqueue(run.id)
      return c.json(await view(run), 201)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'get',
        path: '/api/v1/evaluations/{evaluationId}/runs',
        tags: ['runs'],
        summary: 'The runs of an evaluation, newest first',
        request: { params: EvaluationParam },
        responses: json(z.object({ runs: z.array(RunView) }), 'runs'),
      },
    ),
    async (c) => {
      const runs = await repos.runs.list(c.req.valid('param').evaluationId)
      runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      const out = []
      for (const run of runs) out.push(await view(run))
      return c.json({ runs: out }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'run' },
      {
        method: 'get',
        path: '/api/v1/runs/{runId}',
        tags: ['runs'],
        summary: 'A run: status, totals, elapsed time summed over segments, live progress',
        request: { params: RunParam },
        responses: json(RunView, 'the run'),
      },
    ),
    async (c) => c.json(await view(await mustRun(c.req.valid('param').runId)), 200),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'run' },
      {
        method: 'post',
        path: '/api/v1/runs/{runId}/stop',
        tags: ['runs'],
        summary:
          'The confirmed stop: of the run (no request starts after this answers), of one column, or of one cell',
        request: {
          params: RunParam,
          ...jsonBody(
            z.object({
              columnId: z.string().min(1).max(64).optional(),
              rowId: z.string().min(1).max(64).optional(),
            }),
          ),
        },
        responses: json(RunView, 'the run after the stop'),
      },
    ),
    async (c) => {
      const { runId } = c.req.valid('param')
      const { columnId, rowId } = c.req.valid('json')
      const run = await mustRun(runId)
      if (rowId !== undefined && columnId === undefined) {
        throw new AssayError('invalid_input', 'a cell stop names both rowId and columnId')
      }
      if (columnId !== undefined) {
        if (!engine.isActive(runId))
          throw new AssayError('invalid_state', `run ${runId} is not executing`)
        if (rowId !== undefined) engine.stopCell(runId, rowId, columnId)
        else engine.stopColumn(runId, columnId)
        return c.json(await view(run), 200)
      }
      if (run.status === 'completed' || run.status === 'failed' || run.status === 'stopped') {
        throw new AssayError('invalid_state', `run ${runId} is already ${run.status}`)
      }
      return c.json(await view(await engine.stop(runId, 'user')), 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'run' },
      {
        method: 'post',
        path: '/api/v1/runs/{runId}/resume',
        tags: ['runs'],
        summary: 'Continue a stopped or failed run: the same run, only its unfinished cells',
        request: { params: RunParam },
        responses: json(RunView, 'queued again'),
      },
    ),
    async (c) => {
      const { runId } = c.req.valid('param')
      const run = await mustRun(runId)
      await assertNoActiveRun(repos, run.evaluationId, runId)
      if (run.status !== 'stopped' && run.status !== 'failed') {
        throw new AssayError(
          'invalid_state',
          `only a stopped or failed run resumes; this one is ${run.status}`,
        )
      }
      const resumed = await engine.resume(runId)
      deps.worker.enqueue(resumed.id)
      return c.json(await view(resumed), 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'run' },
      {
        method: 'get',
        path: '/api/v1/runs/{runId}/events',
        tags: ['runs'],
        summary:
          'Live events (SSE): `snapshot` on connect, then `status`, `progress`, `cells` (batched results) and `backoff`; send Last-Event-ID to resume',
        request: { params: RunParam },
        responses: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: z.string() } },
          },
        },
      },
    ),
    async (c) => {
      const { runId } = c.req.valid('param')
      const run = await mustRun(runId)
      const header = c.req.header('last-event-id')
      const lastId = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined
      return streamSSE(c, async (stream) => {
        const queue: SseMessage[] = []
        let wake: (() => void) | null = null
        const subscription = deps.hub.subscribe(
          runId,
          (message) => {
            queue.push(message)
            wake?.()
          },
          lastId,
        )
        stream.onAbort(() => {
          subscription.close()
          wake?.()
        })
        try {
          if (lastId === undefined || subscription.gap) {
            // No id, or events were missed: the client reloads from this snapshot.
            await stream.writeSSE({
              event: 'snapshot',
              data: JSON.stringify(await view((await repos.runs.get(runId)) ?? run)),
            })
          }
          while (!stream.aborted) {
            while (queue.length > 0) {
              const message = queue.shift() as SseMessage
              await stream.write(message.frame)
            }
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, HEARTBEAT_MS)
              wake = () => {
                clearTimeout(timer)
                resolve()
              }
            })
            wake = null
            if (queue.length === 0 && !stream.aborted) await stream.write(': ping\n\n')
          }
        } finally {
          subscription.close()
        }
      })
    },
  )
}
