import {
  AssayError,
  liveElapsedMs,
  type Run,
  RunProgressSchema,
  type RunProgressView,
  RunSchema,
} from '@assay/core'
import { type RunProgress, storedRunCounts } from '@assay/engine'
import { z } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import { principalOf } from '../auth/access.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'
import { pipeRunEvents } from '../run-event-hub.js'
import { assertNoActiveRun, exclusive } from '../run-guards.js'
import { registerEstimateRoutes, runScopeOf, StartRunBody } from './estimate.js'
import { EvaluationParam } from './evaluations.js'

const RunParam = z.object({ runId: z.string().min(1).max(64) })
const HEARTBEAT_MS = 15_000
/** Runs whose stored counts are kept between requests. */
const STORED_COUNTS_KEPT = 64
/** How long the stored counts of a run not over (executed elsewhere) are reused. */
export const UNSETTLED_COUNTS_MS = 2000

/** A run that only a resume can change (its counts can be kept). */
function isSettled(run: Run): boolean {
  return run.status === 'completed' || run.status === 'failed' || run.status === 'stopped'
}

const RunView = RunSchema.extend({
  /** Elapsed time now, the running segment included. */
  liveElapsedMs: z.number(),
  startedByName: z.string().nullable(),
  /**
   * The run's counts: live while it executes in this server; otherwise its final (or current)
   * counts read from its stored results. Null only in lists, for runs other than the newest.
   */
  progress: RunProgressSchema.nullable(),
  /** Whether `progress` is live (this server executes the run) or read from storage. */
  progressLive: z.boolean(),
}).openapi('RunView')

export function registerRunRoutes(app: App, deps: RouteDeps): void {
  const { repos, engine, clock } = deps.services
  const names = new Map<string, string | null>()

  /** Stored counts of runs not executing here, by run and the state they were counted in. */
  const counted = new Map<
    string,
    { key: string; at: number; counts: Awaited<ReturnType<typeof storedRunCounts>> }
  >()

  async function storedProgress(run: Run): Promise<RunProgressView> {
    // A run that is not executing here changes only through its status, segments or totals.
    const key = [run.status, run.segments, run.finishedAt, run.tokensIn, run.tokensOut].join('|')
    let entry = counted.get(run.id)
    // A run another process executes changes without its row changing here: its counts are
    // read again, but at most every UNSETTLED_COUNTS_MS, so polling clients cannot make the
    // server scan the run's results on every request.
    const now = clock.now()
    if (!entry || entry.key !== key || (!isSettled(run) && now - entry.at >= UNSETTLED_COUNTS_MS)) {
      entry = { key, at: now, counts: await storedRunCounts(repos, run) }
      counted.delete(run.id)
      counted.set(run.id, entry)
      if (counted.size > STORED_COUNTS_KEPT) counted.delete(counted.keys().next().value as string)
    }
    const { rows, cells, generations } = entry.counts
    const elapsedMs = liveElapsedMs(run, clock.now())
    return {
      runId: run.id,
      status: run.status,
      rows: { ...rows },
      cells: { ...cells },
      generations,
      tokens: { input: run.tokensIn, output: run.tokensOut },
      cost: run.cost,
      elapsedMs,
      cellsPerSecond: elapsedMs > 0 ? (cells.done + cells.error) / (elapsedMs / 1000) : 0,
      backoff: [],
    }
  }

  /** A run as answered; `counts: false` leaves the stored counts out (older runs in a list). */
  async function view(run: Run, counts = true) {
    let startedByName: string | null = null
    if (run.startedBy) {
      if (!names.has(run.startedBy))
        names.set(run.startedBy, (await repos.users.get(run.startedBy))?.name ?? null)
      startedByName = names.get(run.startedBy) ?? null
    }
    const live = engine.progress(run.id) as RunProgress | undefined
    const progress: RunProgressView | null = live
      ? (JSON.parse(JSON.stringify(live)) as RunProgressView)
      : counts
        ? await storedProgress(run)
        : null
    return {
      ...run,
      liveElapsedMs: liveElapsedMs(run, clock.now()),
      startedByName,
      progress,
      progressLive: live !== undefined,
    }
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
      const scope = await runScopeOf(repos, evaluationId, body)
      const run = await exclusive(async () => {
        await assertNoActiveRun(repos, evaluationId)
        return engine.createRun({
          evaluationId,
          scope,
          startedBy: principalOf(c).user.id,
          budget: body.budget ?? null,
        })
      })
      deps.worker.enqueue(run.id)
      return c.json(await view(run, false), 201)
    },
  )

  registerEstimateRoutes(app, deps)

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
      // Counts from storage read every row of the run: only the newest run's are included.
      for (const [i, run] of runs.entries()) out.push(await view(run, i === 0))
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
      const resumed = await exclusive(async () => {
        const run = await mustRun(runId)
        await assertNoActiveRun(repos, run.evaluationId, runId)
        if (run.status !== 'stopped' && run.status !== 'failed') {
          throw new AssayError(
            'invalid_state',
            `only a stopped or failed run resumes; this one is ${run.status}`,
          )
        }
        return engine.resume(runId)
      })
      deps.worker.enqueue(resumed.id)
      return c.json(await view(resumed, false), 200)
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
      return streamSSE(c, async (stream) => {
        // A bounded queue per client: one that falls too far behind is disconnected, and
        // resumes from the replay buffer (or a snapshot) when the browser reconnects.
        const events = deps.hub.open(runId, c.req.header('last-event-id'))
        stream.onAbort(() => events.close())
        try {
          if (events.snapshot) {
            // No id, or events were missed (or sent before a restart): the client reloads from it.
            await stream.writeSSE({
              event: 'snapshot',
              data: JSON.stringify(await view((await repos.runs.get(runId)) ?? run)),
            })
          }
          await pipeRunEvents(stream, events, HEARTBEAT_MS)
        } finally {
          events.close()
        }
      })
    },
  )
}
