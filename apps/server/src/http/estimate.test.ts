import {
  ResultsAggregateSchema,
  ResultsAgreementSchema,
  ResultsPageSchema,
  RunComparisonSchema,
  RunProgressSchema,
} from '@assay/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { UNSETTLED_COUNTS_MS } from './routes/runs.js'
import { makeTestServer, type TestServer } from './test-server.js'

type Json = Record<string, unknown>

const ROWS = 30

describe('HTTP: run estimate, counts of finished runs, typed result answers', () => {
  let t: TestServer
  let editor: Awaited<ReturnType<TestServer['session']>>
  let viewer: Awaited<ReturnType<TestServer['session']>>
  let evaluationId: string
  let judgeId: string
  let exactId: string
  let labelId: string
  let answerId: string

  async function call(who: typeof editor, method: string, path: string, body?: unknown) {
    const res = await t.request(who, method, path, body)
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json }
  }
  async function waitFor(runId: string, statuses: string[]) {
    for (let i = 0; i < 400; i++) {
      const run = await call(editor, 'GET', `/api/v1/runs/${runId}`)
      if (statuses.includes(run.body.status as string)) return run.body
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`run ${runId} never reached ${statuses.join('/')}`)
  }

  beforeAll(async () => {
    t = await makeTestServer()
    editor = await t.session('Editor')
    viewer = await t.session('Viewer')
    const project = await call(editor, 'POST', '/api/v1/projects', { name: 'Estimate' })
    const projectId = project.body.id as string
    await call(editor, 'PUT', `/api/v1/projects/${projectId}/members`, {
      email: viewer.user.email,
      role: 'viewer',
    })
    const evaluation = await call(editor, 'POST', `/api/v1/projects/${projectId}/evaluations`, {
      name: 'e',
    })
    evaluationId = evaluation.body.id as string
    let csv = 'question,answer,label\n'
    for (let i = 0; i < ROWS; i++) csv += `question ${i},${i % 3 === 0 ? 'yes' : 'no'},${i % 2}\n`
    const res = await t.request(
      editor,
      'POST',
      `/api/v1/evaluations/${evaluationId}/imports`,
      csv,
      {
        'content-type': 'text/csv',
      },
    )
    expect(res.status).toBe(201)
    const cols = (await call(editor, 'GET', `/api/v1/evaluations/${evaluationId}`)).body
      .columns as { id: string; name: string }[]
    const id = (name: string) => cols.find((c) => c.name === name)?.id as string
    answerId = id('answer')
    labelId = id('label')
    // Nothing listens there: an estimate sends nothing.
    const connection = await call(editor, 'POST', `/api/v1/projects/${projectId}/connections`, {
      name: 'priced',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'judge-1',
      defaults: { maxOutputTokens: 100 },
      prices: { inputPerMillion: 3, outputPerMillion: 15 },
    })
    expect(connection.status, JSON.stringify(connection.body)).toBe(201)
    const judge = await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/columns`, {
      name: 'relevance',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'query-relevance',
          connectionId: connection.body.id,
          mapping: { query: id('question'), input: id('question'), output: id('answer') },
          threshold: { op: '>', value: 2.5 },
        },
      },
    })
    expect(judge.status, JSON.stringify(judge.body)).toBe(201)
    judgeId = ((judge.body.columns as Json[])[0] as Json).id as string
    const exact = await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/columns`, {
      name: 'exact',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:exact-match',
          mapping: { output: id('answer'), expected: id('label') },
          threshold: null,
        },
      },
    })
    exactId = ((exact.body.columns as Json[])[0] as Json).id as string
  })
  afterAll(async () => {
    await t.close()
  })

  const estimatePath = () => `/api/v1/evaluations/${evaluationId}/runs/estimate`

  it('estimates cells, calls, tokens and cost per column and in total', async () => {
    const res = await call(editor, 'POST', estimatePath(), { mode: 'all' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const body = res.body
    expect(body).toMatchObject({
      rows: ROWS,
      rowsWithCells: ROWS,
      cells: 2 * ROWS,
      modelCalls: ROWS,
      cachedCalls: 0,
      outputTokens: ROWS * 100,
      lowerBound: false,
      budget: null,
    })
    const columns = body.columns as Json[]
    const judge = columns.find((c) => c.columnId === judgeId) as Json
    expect(judge).toMatchObject({ kind: 'judge', model: 'judge-1', cells: ROWS, modelCalls: ROWS })
    // A judge prompt (system message, template, answer format) is well over 100 tokens.
    expect(judge.inputTokens as number).toBeGreaterThan(ROWS * 100)
    const cost = ((judge.inputTokens as number) * 3 + ROWS * 100 * 15) / 1_000_000
    expect(judge.cost).toBeCloseTo(cost, 12)
    expect(body.cost).toBeCloseTo(cost, 12)
    expect(columns.find((c) => c.columnId === exactId)).toMatchObject({
      kind: 'metric',
      cells: ROWS,
      modelCalls: 0,
      cost: 0,
    })
    expect(body.assumptions as string[]).not.toHaveLength(0)
    // Nothing was created.
    const runs = await call(editor, 'GET', `/api/v1/evaluations/${evaluationId}/runs`)
    expect(runs.body.runs).toEqual([])
  })

  it('takes the start body: one column, filtered rows, a budget; refuses what a start refuses', async () => {
    const column = await call(editor, 'POST', estimatePath(), {
      mode: 'column',
      columnIds: [exactId],
    })
    expect(column.body).toMatchObject({ cells: ROWS, modelCalls: 0, cost: 0 })

    const filtered = await call(editor, 'POST', estimatePath(), {
      mode: 'rows',
      filters: [{ type: 'text', columnId: answerId, op: 'equals', value: 'yes' }],
      budget: { maxTokens: 1000 },
    })
    expect(filtered.status, JSON.stringify(filtered.body)).toBe(200)
    expect(filtered.body).toMatchObject({
      rows: ROWS / 3,
      cells: (2 * ROWS) / 3,
      modelCalls: ROWS / 3,
      scope: { mode: 'rows', rowIds: [] },
      budget: { maxTokens: 1000, maxCost: null, exceeded: true },
    })

    const noColumns = await call(editor, 'POST', estimatePath(), { mode: 'column' })
    expect(noColumns.status).toBe(400)
    const unknown = await call(editor, 'POST', estimatePath(), {
      mode: 'column',
      columnIds: ['col_nope'],
    })
    expect(unknown.status).toBe(404)
    // Same access rule as starting a run.
    expect((await call(viewer, 'POST', estimatePath(), { mode: 'all' })).status).toBe(403)
  })

  it('gives a finished run its final counts, read from storage', async () => {
    const started = await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/runs`, {
      mode: 'column',
      columnIds: [exactId],
    })
    expect(started.status).toBe(201)
    const runId = started.body.id as string
    await waitFor(runId, ['completed'])
    const run = (await call(viewer, 'GET', `/api/v1/runs/${runId}`)).body
    expect(run.progressLive).toBe(false)
    const progress = RunProgressSchema.parse(run.progress)
    expect(progress).toMatchObject({
      runId,
      status: 'completed',
      rows: { total: ROWS, processed: ROWS },
      cells: { total: ROWS, done: ROWS, error: 0, cached: 0, stopped: 0, pending: 0 },
      generations: 0,
      tokens: { input: 0, output: 0 },
      cost: 0,
      backoff: [],
    })
    expect(progress.elapsedMs).toBe(run.elapsedMs)
    // The newest run of a list carries its counts too.
    const list = await call(viewer, 'GET', `/api/v1/evaluations/${evaluationId}/runs`)
    expect(((list.body.runs as Json[])[0] as Json).progress).toEqual(run.progress)

    // A run stopped before it started: every cell it covered is stopped, none done.
    const { engine } = t.services
    const queued = await engine.createRun({
      evaluationId,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    await engine.stop(queued.id)
    const stopped = (await call(viewer, 'GET', `/api/v1/runs/${queued.id}`)).body
    expect(stopped.status).toBe('stopped')
    expect(stopped.progress).toMatchObject({
      status: 'stopped',
      rows: { total: ROWS, processed: 0 },
      cells: { total: 2 * ROWS, done: 0, error: 0, stopped: 2 * ROWS, pending: 0 },
    })

    // A run executed elsewhere (here: queued, not picked up) is counted again on a poll, but
    // not more often than every UNSETTLED_COUNTS_MS.
    const elsewhere = await engine.createRun({
      evaluationId,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const counted = vi.spyOn(t.services.repos.cellResults, 'countsForRun')
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      for (let i = 0; i < 5; i++) {
        const polled = await call(viewer, 'GET', `/api/v1/runs/${elsewhere.id}`)
        expect(polled.body.progress).toMatchObject({
          status: 'queued',
          cells: { pending: 2 * ROWS },
        })
      }
      expect(counted).toHaveBeenCalledTimes(1)
      vi.setSystemTime(Date.now() + UNSETTLED_COUNTS_MS)
      await call(viewer, 'GET', `/api/v1/runs/${elsewhere.id}`)
      expect(counted).toHaveBeenCalledTimes(2)
    } finally {
      vi.useRealTimers()
      counted.mockRestore()
      await engine.stop(elsewhere.id)
    }
  })

  it('answers results, aggregates, agreement and comparisons in their declared shapes', async () => {
    const runs = (await call(viewer, 'GET', `/api/v1/evaluations/${evaluationId}/runs`)).body
      .runs as Json[]
    const completed = runs.find((r) => r.status === 'completed') as Json
    const page = await call(viewer, 'POST', `/api/v1/evaluations/${evaluationId}/results/query`, {
      limit: 5,
    })
    expect(page.status).toBe(200)
    expect(ResultsPageSchema.strict().parse(page.body).rows).toHaveLength(5)
    const aggregate = await call(
      viewer,
      'POST',
      `/api/v1/evaluations/${evaluationId}/results/aggregate`,
      {},
    )
    expect(ResultsAggregateSchema.strict().parse(aggregate.body).rows).toBe(ROWS)
    const agreement = await call(viewer, 'POST', `/api/v1/evaluations/${evaluationId}/agreement`, {
      evaluatorColumnId: exactId,
      labelColumnId: labelId,
    })
    expect(ResultsAgreementSchema.strict().parse(agreement.body).rows).toBe(ROWS)
    const compare = await call(viewer, 'POST', `/api/v1/runs/${completed.id}/compare`, {
      otherRunId: completed.id,
    })
    expect(compare.status, JSON.stringify(compare.body)).toBe(200)
    expect(RunComparisonSchema.strict().parse(compare.body).changedRows).toBe(0)

    const doc = (await (await t.app.request('/api/v1/openapi.json')).json()) as {
      components: { schemas: Record<string, unknown> }
    }
    for (const name of [
      'ResultsPage',
      'ResultsRow',
      'ResultCellView',
      'ResultsAggregate',
      'ColumnAggregate',
      'ResultsAgreement',
      'RunComparison',
      'RunProgress',
      'RunView',
      'RunEstimate',
      'ColumnEstimate',
    ]) {
      expect(doc.components.schemas[name], name).toBeDefined()
    }
  })
})
