import type { CellResult, Column } from '@assay/core'
import { describe, expect, it } from 'vitest'
import type { RunProgress } from './events.js'
import {
  createDataset,
  createFakeProvider,
  createHarness,
  createTestClock,
  dataColumn,
  evaluatorConfig,
  type Harness,
  isJudge,
  judgeAnswer,
  promptGenerator,
  type Reply,
  statusTrail,
  tagged,
  waitUntil,
} from './test-fixtures.js'

const QUESTIONS = ['q0', 'q1', 'q2', 'q3']
/** Judge score per row, read back from the generated text the judge was shown. */
const SCORES = [4, 3, 5, 2]
const GEN_USAGE = { inputTokens: 11, outputTokens: 7 }
const JUDGE_USAGE = { inputTokens: 120, outputTokens: 30 }

/** Generator answers `answer-<question>`; the judge scores by the row it reads in `<output>`. */
function scripted(request: Parameters<typeof isJudge>[0]): Reply {
  if (isJudge(request)) {
    const output = tagged(request, 'output') ?? ''
    const index = QUESTIONS.indexOf(output.replace('answer-', ''))
    return { text: judgeAnswer(SCORES[index] ?? 1, `judged ${output}`), ...JUDGE_USAGE }
  }
  const question = /Question: (\S+)/.exec(request.prompt)?.[1] ?? '?'
  return { text: `answer-${question}`, ...GEN_USAGE }
}

async function setupCompleteRun(
  prices: { inputPerMillion: number | null; outputPerMillion: number | null } = {
    inputPerMillion: 2,
    outputPerMillion: 10,
  },
) {
  const h = createHarness({ clock: createTestClock() })
  const provider = createFakeProvider({ clock: h.clock, reply: scripted, seq: h.seq })
  const connection = await h.addConnection(provider, { prices })
  // Rows 0 and 2 expect exactly what the generator says; rows 1 and 3 do not.
  const dataset = await createDataset(
    h.repos,
    ['question', 'expected'],
    QUESTIONS.map((q, i) => [q, i % 2 === 0 ? `answer-${q}` : `something else ${i}`]),
  )
  const evaluationId = dataset.evaluation.id
  const generated = await h.repos.columns.add({
    evaluationId,
    name: 'generated',
    config: promptGenerator(connection.id, 'Question: {{question}}'),
  })
  const judge = await h.repos.columns.add({
    evaluationId,
    name: 'coherence',
    config: evaluatorConfig(
      'coherence',
      { output: generated.id },
      { connectionId: connection.id, threshold: { op: '>', value: 3 } },
    ),
  })
  const metric = await h.repos.columns.add({
    evaluationId,
    name: 'exact',
    config: evaluatorConfig('metric:exact-match', {
      output: generated.id,
      expected: dataColumn(dataset, 'expected').id,
    }),
  })
  return { h, provider, dataset, generated, judge, metric }
}

function byCell(results: readonly CellResult[], rowId: string, column: Column) {
  const found = results.filter((r) => r.rowId === rowId && r.columnId === column.id)
  expect(found).toHaveLength(1)
  return found[0] as CellResult
}

describe('a complete run', () => {
  it('stores every cell once, feeds judges the same row, scores, and totals tokens and cost', async () => {
    const { h, provider, dataset, generated, judge, metric } = await setupCompleteRun()
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    expect(created.status).toBe('queued')
    const run = await h.engine.execute(created.id)

    expect(run.status).toBe('completed')
    expect(run.finishedAt).not.toBeNull()
    expect(await h.repos.cellResults.countForRun(run.id)).toBe(QUESTIONS.length * 3)
    const results = await h.repos.cellResults.listForRun(run.id)
    expect(new Set(results.map((r) => `${r.rowId}/${r.columnId}`)).size).toBe(results.length)

    // One generator and one judge call per row; the metric needs no model.
    expect(provider.calls).toHaveLength(QUESTIONS.length * 2)
    for (const [i, row] of dataset.rows.entries()) {
      const q = QUESTIONS[i] as string
      const gen = byCell(results, row.id, generated)
      expect(gen).toMatchObject({ status: 'done', value: `answer-${q}`, pass: null, attempts: 1 })
      expect(gen.tokensIn).toBe(GEN_USAGE.inputTokens)

      // The judge of row i was shown row i's generated text, and its score is row i's.
      const judged = byCell(results, row.id, judge)
      const score = SCORES[i] as number
      expect(judged.status).toBe('done')
      expect(judged.value).toBe(score)
      expect(judged.explanation).toBe(`judged answer-${q}`)
      // Threshold "> 3": 4 and 5 pass, 3 (equality) and 2 fail.
      expect(judged.pass).toBe(score > 3)
      expect(judged.raw).toContain(`"score":${score}`)
      expect(judged.tokensIn).toBe(JUDGE_USAGE.inputTokens)
      expect(judged.model).toBe('fake-model')
      expect(judged.promptHash).toMatch(/^[0-9a-f]{64}$/)

      const exact = byCell(results, row.id, metric)
      expect(exact.status).toBe('done')
      expect(exact.value).toBe(i % 2 === 0 ? 1 : 0)
      expect(exact.pass).toBe(i % 2 === 0)
      expect(exact.tokensIn + exact.tokensOut).toBe(0)
    }
    const judgePrompts = provider.calls.filter((c) => isJudge(c.request))
    for (const q of QUESTIONS) {
      expect(judgePrompts.filter((c) => c.request.prompt.includes(`answer-${q}\n`))).toHaveLength(1)
    }
    // Each judge ran after its own row's generator answered.
    for (const call of judgePrompts) {
      const output = tagged(call.request, 'output') as string
      const question = output.replace('answer-', '')
      const genCall = provider.calls.find((c) => c.request.prompt === `Question: ${question}`)
      expect(genCall && genCall.seq < call.seq).toBe(true)
    }

    const billed = provider.billed()
    expect(billed.inputTokens).toBe(
      QUESTIONS.length * (GEN_USAGE.inputTokens + JUDGE_USAGE.inputTokens),
    )
    expect(run.tokensIn).toBe(billed.inputTokens)
    expect(run.tokensOut).toBe(billed.outputTokens)
    const stored = (await h.repos.runs.get(run.id))!
    expect(stored.tokensIn).toBe(billed.inputTokens)
    // Prices are per 1M tokens: 2 in, 10 out.
    const expectedCost = (billed.inputTokens * 2 + billed.outputTokens * 10) / 1_000_000
    expect(run.cost).toBeCloseTo(expectedCost, 12)
    expect(results.reduce((sum, r) => sum + (r.cost ?? 0), 0)).toBeCloseTo(expectedCost, 12)
  })

  it('writes results in batches (group commit), each batch before the run is completed', async () => {
    const h = createHarness({ clock: createTestClock() })
    const provider = createFakeProvider({
      clock: h.clock,
      reply: (request) =>
        isJudge(request)
          ? { text: judgeAnswer(4, 'fine'), delayMs: 2, ...JUDGE_USAGE }
          : { text: '?' },
      seq: h.seq,
    })
    const connection = await h.addConnection(provider, { limits: { concurrency: 32 } })
    const rows = 300
    const dataset = await createDataset(
      h.repos,
      ['output'],
      Array.from({ length: rows }, (_, i) => [`answer ${i}`]),
    )
    await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'coherence',
      config: evaluatorConfig(
        'coherence',
        { output: dataColumn(dataset, 'output').id },
        { connectionId: connection.id },
      ),
    })
    const batches: number[] = []
    const putMany = h.repos.cellResults.putMany.bind(h.repos.cellResults)
    h.repos.cellResults.putMany = async (results) => {
      batches.push(results.length)
      return putMany(results)
    }
    let putsAfterEnd = 0
    h.engine.subscribe((event) => {
      if (event.type === 'status' && event.run.status === 'completed')
        putsAfterEnd = -batches.length
    })
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const run = await h.engine.execute(created.id)
    putsAfterEnd += batches.length
    expect(run.status).toBe('completed')
    expect(batches.reduce((a, b) => a + b, 0)).toBe(rows)
    // Answers landing in the same turn of the event loop share a transaction.
    expect(batches.length).toBeLessThan(rows / 4)
    expect(putsAfterEnd).toBe(0)
    expect(await h.repos.cellResults.countForRun(run.id)).toBe(rows)
    expect(run.tokensIn).toBe(rows * JUDGE_USAGE.inputTokens)
  })

  it('leaves the cost unknown (null, never 0) when the connection has no price', async () => {
    const { h, provider, dataset } = await setupCompleteRun({
      inputPerMillion: null,
      outputPerMillion: null,
    })
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const run = await h.engine.execute(created.id)
    expect(run.status).toBe('completed')
    expect(run.tokensIn).toBe(provider.billed().inputTokens)
    expect(run.tokensIn).toBeGreaterThan(0)
    expect(run.cost).toBeNull()
    const results = await h.repos.cellResults.listForRun(run.id)
    for (const r of results) {
      if (r.tokensIn + r.tokensOut > 0) expect(r.cost).toBeNull()
    }
    const finalProgress = h.events.filter((e) => e.type === 'progress').at(-1)
    expect(finalProgress?.type === 'progress' && finalProgress.progress.cost).toBeNull()
  })

  it('with one price unknown the cost is unknown too', async () => {
    const { h, dataset } = await setupCompleteRun({ inputPerMillion: 1, outputPerMillion: null })
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const run = await h.engine.execute(created.id)
    expect(run.tokensOut).toBeGreaterThan(0)
    expect(run.cost).toBeNull()
  })
})

describe('run events', () => {
  it('reports status in order, one cell event per stored result, and consistent progress', async () => {
    const { h, dataset } = await setupCompleteRun()
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    expect(created.status).toBe('queued')
    expect(statusTrail(h.events, created.id)).toEqual([])
    const run = await h.engine.execute(created.id)

    expect(statusTrail(h.events, run.id)).toEqual(['running', 'completed'])
    const cells = h.events.filter((e) => e.type === 'cell')
    expect(cells).toHaveLength(12)
    const stored = await h.repos.cellResults.listForRun(run.id)
    for (const result of stored) {
      const event = cells.find(
        (e) =>
          e.type === 'cell' &&
          e.result.rowId === result.rowId &&
          e.result.columnId === result.columnId,
      )
      expect(event?.type === 'cell' && event.result).toEqual(result)
    }
    const names = new Set(cells.map((e) => (e.type === 'cell' ? e.columnName : '')))
    expect(names).toEqual(new Set(['generated', 'coherence', 'exact']))

    // Cell events come between the running and the completed status events.
    const runningSeq = h.events.find((e) => e.type === 'status' && e.run.status === 'running')?.seq
    const completedSeq = h.events.find((e) => e.type === 'status' && e.run.status === 'completed')
      ?.seq as number
    for (const e of cells) {
      expect(e.seq).toBeGreaterThan(runningSeq as number)
      expect(e.seq).toBeLessThan(completedSeq)
    }

    const progress = h.events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []))
    expect(progress.length).toBeGreaterThan(1)
    let lastDone = 0
    for (const p of progress) {
      const c = p.cells
      expect(c.total).toBe(12)
      expect(c.done + c.error + c.stopped + c.pending).toBe(c.total)
      expect(c.done).toBeGreaterThanOrEqual(lastDone)
      lastDone = c.done
      expect(p.rows.total).toBe(4)
      expect(p.rows.processed).toBeLessThanOrEqual(p.rows.total)
    }
    const last = progress.at(-1) as RunProgress
    expect(last.status).toBe('completed')
    expect(last.cells).toMatchObject({ total: 12, done: 12, error: 0, stopped: 0, pending: 0 })
    expect(last.rows.processed).toBe(4)
    expect(last.generations).toBe(8)
    expect(last.tokens).toEqual({ input: run.tokensIn, output: run.tokensOut })
    expect(last.cost).toBeCloseTo(run.cost as number, 12)
    expect(last.elapsedMs).toBe(run.elapsedMs)
    expect(h.engine.progress(run.id)).toBeUndefined()
    expect(h.engine.isActive(run.id)).toBe(false)
  })

  it('a listener that throws does not break the run', async () => {
    const { h, dataset } = await setupCompleteRun()
    h.engine.subscribe(() => {
      throw new Error('presenter bug')
    })
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const run = await h.engine.execute(created.id)
    expect(run.status).toBe('completed')
    expect(await h.repos.cellResults.countForRun(run.id)).toBe(12)
  })

  it('unsubscribe stops the events', async () => {
    const { h, dataset } = await setupCompleteRun()
    const seen: string[] = []
    const off = h.engine.subscribe((e) => seen.push(e.type))
    off()
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    await h.engine.execute(created.id)
    expect(seen).toEqual([])
  })
})

describe('the model cache', () => {
  async function twoIdenticalRows(h: Harness, cacheEnabled: boolean) {
    const provider = createFakeProvider({
      clock: h.clock,
      reply: () => ({ text: 'same answer', inputTokens: 40, outputTokens: 9 }),
    })
    const connection = await h.addConnection(provider, {
      prices: { inputPerMillion: 1, outputPerMillion: 1 },
    })
    const dataset = await createDataset(h.repos, ['question'], [['same'], ['same']])
    if (!cacheEnabled) await h.repos.evaluations.setCacheEnabled(dataset.evaluation.id, false)
    const column = await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'generated',
      config: promptGenerator(connection.id, 'Say {{question}}'),
    })
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const run = await h.engine.execute(created.id)
    return { provider, run, column, results: await h.repos.cellResults.listForRun(run.id) }
  }

  it('answers an identical request once; the other cell is cached with 0 tokens', async () => {
    const h = createHarness()
    const { provider, run, results } = await twoIdenticalRows(h, true)
    expect(provider.calls).toHaveLength(1)
    expect(results).toHaveLength(2)
    expect(results.every((r) => r.status === 'done' && r.value === 'same answer')).toBe(true)
    const cached = results.filter((r) => r.cached)
    expect(cached).toHaveLength(1)
    expect(cached[0]).toMatchObject({ tokensIn: 0, tokensOut: 0, cost: 0 })
    const paid = results.find((r) => !r.cached) as CellResult
    expect(paid).toMatchObject({ tokensIn: 40, tokensOut: 9 })
    expect(cached[0]?.promptHash).toBe(paid.promptHash)
    expect(run.tokensIn).toBe(40)
    const last = h.events.filter((e) => e.type === 'progress').at(-1)
    expect(last?.type === 'progress' && last.progress.cells.cached).toBe(1)
  })

  it('a later run reuses the stored answer', async () => {
    const h = createHarness()
    const first = await twoIdenticalRows(h, true)
    const again = await h.engine.createRun({
      evaluationId: first.run.evaluationId,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const run = await h.engine.execute(again.id)
    expect(first.provider.calls).toHaveLength(1)
    const results = await h.repos.cellResults.listForRun(run.id)
    expect(results.every((r) => r.cached && r.tokensIn === 0)).toBe(true)
    expect(run.tokensIn).toBe(0)
    expect(run.cost).toBe(0)
  })

  it('with the cache switched off on the evaluation both rows call the model', async () => {
    const h = createHarness()
    const { provider, run, results } = await twoIdenticalRows(h, false)
    expect(provider.calls).toHaveLength(2)
    expect(results.filter((r) => r.cached)).toHaveLength(0)
    expect(run.tokensIn).toBe(80)
    expect(h.state.modelCache.size).toBe(0)
  })
})

describe('recover', () => {
  /**
   * A run a dead process left behind: `running` (or `stopping`) in storage, its segment started
   * at START, a heartbeat 5 s later, results stored for the first `done` rows.
   */
  async function abandoned(status: 'running' | 'stopping', done: number) {
    const clock = createTestClock()
    const h = createHarness({ clock })
    const provider = createFakeProvider({
      clock,
      seq: h.seq,
      reply: (r) => ({ text: `A ${r.prompt}`, inputTokens: 3, outputTokens: 2 }),
    })
    const connection = await h.addConnection(provider)
    const dataset = await createDataset(
      h.repos,
      ['question'],
      ['a', 'b', 'c', 'd', 'e', 'f'].map((q) => [q]),
    )
    const column = await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'generated',
      config: promptGenerator(connection.id, 'Q {{question}}'),
    })
    const queued = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    let run = (await h.repos.runs.update(
      { ...queued, status: 'running', segmentStartedAt: clock.isoNow(), segments: 1 },
      'queued',
    ))!
    for (const row of dataset.rows.slice(0, done)) {
      await h.repos.cellResults.put({
        runId: run.id,
        rowId: row.id,
        columnId: column.id,
        status: 'done',
        value: `before crash ${row.values[0]}`,
        pass: null,
        explanation: null,
        raw: null,
        tokensIn: 3,
        tokensOut: 2,
        cost: null,
        latencyMs: 1,
        attempts: 1,
        error: null,
        model: 'fake-model',
        promptHash: null,
        cached: false,
        finishedAt: clock.isoNow(),
      })
    }
    clock.advance(5_000)
    await h.repos.runs.heartbeat(run.id, clock.isoNow())
    if (status === 'stopping')
      run = (await h.repos.runs.update(
        { ...run, status: 'stopping', stopReason: 'user' },
        'running',
      ))!
    return { h, clock, provider, dataset, column, run }
  }

  it('requeues a running run with a stale heartbeat; execute runs only the cells without results', async () => {
    const { h, clock, provider, dataset, column, run } = await abandoned('running', 3)
    // Long after the last heartbeat (the test engines beat every HEARTBEAT_MS = 1 h).
    clock.advance(4 * 3_600_000)
    const recoveredAt = clock.now()
    const restarted = h.restart()
    const recovered = await restarted.recover()
    expect(recovered.map((r) => r.id)).toEqual([run.id])
    const requeued = recovered[0]!
    expect(requeued.status).toBe('queued')
    // The interrupted segment ends at the last sign of life, not at the restart.
    expect(requeued.elapsedMs).toBe(5_000)
    expect(requeued.segmentStartedAt).toBeNull()

    const done = await restarted.execute(run.id)
    expect(done.status).toBe('completed')
    expect(done.segments).toBe(2)
    expect(provider.calls.map((c) => c.request.prompt)).toEqual(['Q d', 'Q e', 'Q f'])
    const results = await h.repos.cellResults.listForRun(run.id)
    expect(results).toHaveLength(6)
    expect(results.map((r) => r.value)).toEqual([
      'before crash a',
      'before crash b',
      'before crash c',
      'A Q d',
      'A Q e',
      'A Q f',
    ])
    expect(results.every((r) => r.columnId === column.id)).toBe(true)
    expect(done.tokensIn).toBe(6 * 3)
    // The new process beats for the run while executing it.
    const beat = await h.repos.runs.lastHeartbeat(run.id)
    expect(Date.parse(beat as string)).toBeGreaterThanOrEqual(recoveredAt)
    expect(dataset.rows).toHaveLength(6)
  })

  it('leaves alone a running run whose heartbeat is fresh (a live process owns it)', async () => {
    const { h, clock, run } = await abandoned('running', 1)
    clock.advance(1_000)
    const recovered = await h.restart().recover()
    expect(recovered).toEqual([])
    expect((await h.repos.runs.get(run.id))?.status).toBe('running')
    // With an explicit threshold below its silence, it is taken over.
    const taken = await h.restart().recover({ staleAfterMs: 500 })
    expect(taken.map((r) => [r.id, r.status])).toEqual([[run.id, 'queued']])
  })

  it('finishes the stop of a run left stopping', async () => {
    const { h, clock, provider, run } = await abandoned('stopping', 2)
    clock.advance(4 * 3_600_000)
    const recovered = await h.restart().recover()
    expect(recovered.map((r) => [r.id, r.status, r.stopReason])).toEqual([
      [run.id, 'stopped', 'user'],
    ])
    expect(recovered[0]?.elapsedMs).toBe(5_000)
    expect(provider.calls).toEqual([])
    expect(await h.repos.cellResults.countForRun(run.id)).toBe(2)
  })

  it('never touches a run this process is executing', async () => {
    const clock = createTestClock()
    const h = createHarness({ clock })
    const provider = createFakeProvider({ clock, reply: () => ({ hang: true }) })
    const connection = await h.addConnection(provider)
    const dataset = await createDataset(h.repos, ['question'], [['a']])
    await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'generated',
      config: promptGenerator(connection.id, 'Q {{question}}'),
    })
    const run = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    const executing = h.engine.execute(run.id)
    await waitUntil(() => provider.calls.length === 1)
    clock.advance(4 * 3_600_000)
    expect(await h.engine.recover({ staleAfterMs: 0 })).toEqual([])
    expect((await h.repos.runs.get(run.id))?.status).toBe('running')
    await h.engine.stop(run.id)
    expect((await executing).status).toBe('stopped')
  })

  it('only recovers the runs asked for', async () => {
    const { h, clock, run } = await abandoned('running', 0)
    clock.advance(4 * 3_600_000)
    const engine = h.restart()
    expect(await engine.recover({ runIds: ['run_other'] })).toEqual([])
    expect((await h.repos.runs.get(run.id))?.status).toBe('running')
    expect((await engine.recover({ runIds: [run.id] })).map((r) => r.id)).toEqual([run.id])
  })
})
