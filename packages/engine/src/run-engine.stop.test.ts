import type { ModelRequest } from '@assay/core'
import { describe, expect, it } from 'vitest'
import type { RunProgress } from './events.js'
import {
  createDataset,
  createFakeProvider,
  createHarness,
  createRealClock,
  type Dataset,
  evaluatorConfig,
  type Harness,
  isJudge,
  isStored,
  judgeAnswer,
  promptGenerator,
  type RecordedEvent,
  type Reply,
  statusTrail,
  storedKeys,
  tagged,
  waitUntil,
} from './test-fixtures.js'

const ALL = { mode: 'all' as const, columnIds: null, rowIds: null }

function questions(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `q${String(i).padStart(2, '0')}`)
}

function lastProgress(events: readonly RecordedEvent[]): RunProgress {
  const found = events.filter((e) => e.type === 'progress').at(-1)
  if (found?.type !== 'progress') throw new Error('no progress event')
  return found.progress
}

/**
 * A generator and a coherence judge over `n` rows on one connection; the fake answers after
 * `delayMs` real ms and notes every call made for a (row, column) that already had a stored
 * result in the current run.
 */
async function slowSetup(options: {
  rows: number
  delayMs: number
  concurrency: number
  reply?: (request: ModelRequest, base: Reply, index: number) => Reply
}) {
  const clock = createRealClock()
  const h = createHarness({ clock })
  const qs = questions(options.rows)
  const ctx: { runId: string; dataset?: Dataset; generatedId: string; judgeId: string } = {
    runId: '',
    generatedId: '',
    judgeId: '',
  }
  const askedAfterStored: string[] = []
  const cellOf = (request: ModelRequest) => {
    const question = isJudge(request)
      ? (tagged(request, 'output') ?? '').replace('answer-', '')
      : request.prompt.replace('Question: ', '')
    const row = ctx.dataset?.rows[qs.indexOf(question)]
    return { rowId: row?.id ?? '?', columnId: isJudge(request) ? ctx.judgeId : ctx.generatedId }
  }
  const provider = createFakeProvider({
    clock,
    seq: h.seq,
    reply(request, _call, index) {
      const cell = cellOf(request)
      if (isStored(h.state, ctx.runId, cell.rowId, cell.columnId))
        askedAfterStored.push(`${cell.rowId}/${cell.columnId}`)
      const base: Reply = isJudge(request)
        ? { text: judgeAnswer(4), inputTokens: 50, outputTokens: 10, delayMs: options.delayMs }
        : {
            text: `answer-${request.prompt.replace('Question: ', '')}`,
            inputTokens: 7,
            outputTokens: 3,
            delayMs: options.delayMs,
          }
      return options.reply ? options.reply(request, base, index) : base
    },
  })
  const connection = await h.addConnection(provider, {
    limits: { concurrency: options.concurrency, requestsPerMinute: null, tokensPerMinute: null },
    prices: { inputPerMillion: 1, outputPerMillion: 2 },
  })
  const dataset = await createDataset(
    h.repos,
    ['question'],
    qs.map((q) => [q]),
  )
  ctx.dataset = dataset
  const generated = await h.repos.columns.add({
    evaluationId: dataset.evaluation.id,
    name: 'generated',
    config: promptGenerator(connection.id, 'Question: {{question}}'),
  })
  const judge = await h.repos.columns.add({
    evaluationId: dataset.evaluation.id,
    name: 'coherence',
    config: evaluatorConfig(
      'coherence',
      { output: generated.id },
      { connectionId: connection.id, threshold: { op: '>', value: 3 } },
    ),
  })
  ctx.generatedId = generated.id
  ctx.judgeId = judge.id
  const run = await h.engine.createRun({
    evaluationId: dataset.evaluation.id,
    scope: ALL,
    startedBy: null,
  })
  ctx.runId = run.id
  return { h, clock, provider, dataset, generated, judge, runId: run.id, askedAfterStored }
}

async function storedTokens(h: Harness, runId: string) {
  const results = await h.repos.cellResults.listForRun(runId)
  return {
    input: results.reduce((sum, r) => sum + r.tokensIn, 0),
    output: results.reduce((sum, r) => sum + r.tokensOut, 0),
  }
}

describe('stop and resume', () => {
  it('starts no request after a confirmed stop, keeps finished cells, and resumes to completion', async () => {
    const { h, clock, provider, runId, askedAfterStored } = await slowSetup({
      rows: 40,
      delayMs: 50,
      concurrency: 4,
      // The 13th request takes 2 s: it is surely still waiting when the run is stopped.
      reply: (_request, base, index) => (index === 12 ? { ...base, delayMs: 2_000 } : base),
    })
    const realStart = Date.now()
    const executing = h.engine.execute(runId)
    await waitUntil(() => provider.calls.length > 12 && storedKeys(h.state, runId).length >= 8)
    clock.advance(10_000)
    const before = new Set(storedKeys(h.state, runId))
    const inFlightAtStop = provider.inFlight()
    const pendingAtStop = provider.calls.filter((c) => c.outcome === 'pending')

    const stopCall = h.engine.stop(runId)
    // Every request carries the run's gate as its start signal (what a client checks right
    // before writing to the socket): it closes at once, before the stop is stored.
    expect(pendingAtStop.length).toBeGreaterThan(0)
    expect(pendingAtStop.every((c) => c.startSignal?.aborted === true)).toBe(true)
    const stopping = await stopCall
    const stopSeq = h.seq.next()
    expect(stopping.status).toBe('stopping')
    expect(stopping.stopReason).toBe('user')
    const stopped = await executing
    const realFirst = Date.now() - realStart

    expect(stopped.status).toBe('stopped')
    expect(stopped.stopReason).toBe('user')
    // No request started once stop() resolved, and none was sent on an aborted signal.
    expect(provider.calls.filter((c) => c.seq > stopSeq)).toEqual([])
    expect(provider.calls.filter((c) => c.abortedAtStart)).toEqual([])
    // The requests in flight were aborted, not waited for.
    expect(inFlightAtStop).toBeGreaterThan(0)
    expect(provider.calls[12]?.outcome).toBe('aborted')
    expect(realFirst).toBeLessThan(1_000)
    expect(provider.aborted().length).toBeLessThanOrEqual(inFlightAtStop)
    expect(provider.inFlight()).toBe(0)
    // Everything finished before the stop is still there; the rest is not all done.
    const after = new Set(storedKeys(h.state, runId))
    for (const key of before) expect(after.has(key)).toBe(true)
    expect(after.size).toBeLessThan(80)
    // Tokens on the results and the run are exactly what the completed calls billed.
    const billed = provider.billed()
    const tokens = await storedTokens(h, runId)
    expect(tokens).toEqual({ input: billed.inputTokens, output: billed.outputTokens })
    expect(stopped.tokensIn).toBe(billed.inputTokens)
    expect(stopped.tokensOut).toBe(billed.outputTokens)
    const progress = lastProgress(h.events)
    expect(progress.status).toBe('stopped')
    expect(progress.cells.total).toBe(80)
    expect(progress.cells.stopped).toBeGreaterThan(0)
    expect(progress.cells.done + progress.cells.error).toBe(after.size)
    const c = progress.cells
    expect(c.done + c.error + c.stopped + c.pending).toBe(c.total)
    // The first segment is the 10 s the test moved the clock plus the real time it took.
    expect(stopped.elapsedMs).toBeGreaterThanOrEqual(10_000)
    expect(stopped.elapsedMs).toBeLessThanOrEqual(10_000 + realFirst + 20)
    expect(stopped.segmentStartedAt).toBeNull()

    // Time between the segments does not count.
    clock.advance(1_000_000)
    const callsBefore = provider.calls.length
    const requeued = await h.engine.resume(runId)
    expect(requeued).toMatchObject({ status: 'queued', stopReason: null, finishedAt: null })
    const realResume = Date.now()
    const resuming = h.engine.execute(runId)
    await waitUntil(() => h.engine.isActive(runId))
    clock.advance(20_000)
    const completed = await resuming
    const realSecond = Date.now() - realResume

    expect(completed.status).toBe('completed')
    expect(completed.segments).toBe(2)
    expect(await h.repos.cellResults.countForRun(runId)).toBe(80)
    const keys = storedKeys(h.state, runId)
    expect(new Set(keys).size).toBe(80)
    const results = await h.repos.cellResults.listForRun(runId)
    expect(results.every((r) => r.status === 'done')).toBe(true)
    // No (row, column) was asked again once it had a stored result.
    expect(askedAfterStored).toEqual([])
    // The second segment asked only for what was missing: one call per unfinished cell.
    expect(provider.calls.length - callsBefore).toBe(80 - after.size)
    const total = provider.billed()
    expect(completed.tokensIn).toBe(total.inputTokens)
    expect(completed.tokensOut).toBe(total.outputTokens)
    expect(await storedTokens(h, runId)).toEqual({
      input: total.inputTokens,
      output: total.outputTokens,
    })
    const second = completed.elapsedMs - stopped.elapsedMs
    expect(second).toBeGreaterThanOrEqual(20_000)
    expect(second).toBeLessThanOrEqual(20_000 + realSecond + 20)
    expect(completed.elapsedMs).toBeLessThan(1_000_000)
    const finalProgress = lastProgress(h.events)
    expect(finalProgress.elapsedMs).toBe(completed.elapsedMs)
    expect(finalProgress.cells).toMatchObject({ total: 80, done: 80, stopped: 0, pending: 0 })
    expect(statusTrail(h.events, runId)).toEqual([
      'running',
      'stopping',
      'stopped',
      'queued',
      'running',
      'completed',
    ])
  })

  it('stores and counts an answer that arrives while stopping', async () => {
    let late = ''
    const { h, provider, runId } = await slowSetup({
      rows: 6,
      delayMs: 20,
      concurrency: 2,
      reply(request, base) {
        // The first generator call answers after 80 ms whatever happens.
        if (!isJudge(request) && late === '') {
          late = request.prompt
          return { ...base, delayMs: 80, ignoreAbort: true, inputTokens: 1000, outputTokens: 100 }
        }
        return base
      },
    })
    const executing = h.engine.execute(runId)
    await waitUntil(() => provider.calls.length >= 2)
    await h.engine.stop(runId)
    const stopped = await executing
    expect(stopped.status).toBe('stopped')
    const lateCall = provider.calls.find((c) => c.request.prompt === late)
    expect(lateCall?.outcome).toBe('answered')
    const results = await h.repos.cellResults.listForRun(runId)
    const lateResult = results.find((r) => r.value === `answer-${late.replace('Question: ', '')}`)
    expect(lateResult).toMatchObject({ status: 'done', tokensIn: 1000, tokensOut: 100 })
    const billed = provider.billed()
    expect(stopped.tokensIn).toBe(billed.inputTokens)
    expect(stopped.tokensOut).toBe(billed.outputTokens)
  })

  it('a stop during a retry backoff ends the wait at once and sends nothing more', async () => {
    const { h, provider, runId } = await slowSetup({
      rows: 3,
      delayMs: 1,
      concurrency: 3,
      // Every call is a 500: after each one the cell sleeps a (real) backoff of up to 500 ms.
      reply: () => ({ failure: { kind: 'server_error', status: 500, retryable: true } }),
    })
    const executing = h.engine.execute(runId)
    await waitUntil(() => provider.calls.length >= 3)
    const stoppedAt = Date.now()
    await h.engine.stop(runId)
    const stopSeq = h.seq.next()
    const stopped = await executing
    expect(Date.now() - stoppedAt).toBeLessThan(200)
    expect(stopped.status).toBe('stopped')
    expect(provider.calls.filter((c) => c.seq > stopSeq)).toEqual([])
    // The cells were neither done nor failed: nothing is stored, a resume runs them.
    expect(await h.repos.cellResults.countForRun(runId)).toBe(0)
    expect(lastProgress(h.events).cells).toMatchObject({ total: 6, stopped: 6, pending: 0 })
  })

  it('stopping a queued run stops it without executing anything', async () => {
    const { h, provider, runId } = await slowSetup({ rows: 2, delayMs: 1, concurrency: 1 })
    const stopped = await h.engine.stop(runId)
    expect(stopped.status).toBe('stopped')
    expect(provider.calls).toHaveLength(0)
    // Stopping again is harmless; a stopped run cannot be executed until resumed.
    expect((await h.engine.stop(runId)).status).toBe('stopped')
    await expect(h.engine.execute(runId)).rejects.toThrow(/stopped run cannot start/)
    await h.engine.resume(runId)
    const done = await h.engine.execute(runId)
    expect(done.status).toBe('completed')
    expect(await h.repos.cellResults.countForRun(runId)).toBe(4)
  })

  it('a completed run cannot be resumed', async () => {
    const { h, runId } = await slowSetup({ rows: 1, delayMs: 1, concurrency: 1 })
    await h.engine.execute(runId)
    await expect(h.engine.resume(runId)).rejects.toThrow(/completed run cannot resume/)
  })
})

describe('stopping one column or one cell', () => {
  /** Two judges over an imported output column, so both columns are independent of each other. */
  async function twoJudges(rows: number, slowRow: string | null = null) {
    const clock = createRealClock()
    const h = createHarness({ clock })
    const qs = questions(rows)
    let slowOnce = true
    const provider = createFakeProvider({
      clock,
      seq: h.seq,
      reply(request) {
        const isFluency = request.prompt.startsWith('Evaluate the fluency')
        // The first fluency answer for `slowRow` is slow: a test aborts it while it is awaited.
        const slow = slowOnce && isFluency && tagged(request, 'output') === slowRow
        if (slow) slowOnce = false
        return { text: judgeAnswer(isFluency ? 5 : 4), delayMs: slow ? 400 : 15 }
      },
    })
    const connection = await h.addConnection(provider, {
      limits: { concurrency: 4, requestsPerMinute: null, tokensPerMinute: null },
    })
    const dataset = await createDataset(
      h.repos,
      ['output'],
      qs.map((q) => [`text ${q}`]),
    )
    const output = dataset.columns.get('output')?.id as string
    const coherence = await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'coherence',
      config: evaluatorConfig('coherence', { output }, { connectionId: connection.id }),
    })
    const fluency = await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'fluency',
      config: evaluatorConfig('fluency', { output }, { connectionId: connection.id }),
    })
    const run = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: ALL,
      startedBy: null,
    })
    return { h, provider, dataset, coherence, fluency, runId: run.id }
  }

  const rowOf = (request: ModelRequest) => tagged(request, 'output') ?? ''

  it('stopColumn: the column runs no more cells, the other column completes', async () => {
    const { h, provider, coherence, fluency, runId } = await twoJudges(20)
    const executing = h.engine.execute(runId)
    await waitUntil(
      () =>
        (h.state.cellResults.size > 0 &&
          [...h.state.cellResults.values()].filter((r) => r.columnId === coherence.id).length >=
            3) ||
        false,
    )
    h.engine.stopColumn(runId, coherence.id)
    const stopSeq = h.seq.next()
    const run = await executing

    expect(run.status).toBe('completed')
    const results = await h.repos.cellResults.listForRun(runId)
    const coherenceDone = results.filter((r) => r.columnId === coherence.id)
    const fluencyDone = results.filter((r) => r.columnId === fluency.id)
    expect(fluencyDone).toHaveLength(20)
    expect(fluencyDone.every((r) => r.status === 'done' && r.value === 5)).toBe(true)
    expect(coherenceDone.length).toBeGreaterThanOrEqual(3)
    expect(coherenceDone.length).toBeLessThan(20)
    expect(coherenceDone.every((r) => r.status === 'done')).toBe(true)
    // No coherence request started after the column was stopped.
    const lateCoherence = provider.calls.filter(
      (c) => c.seq > stopSeq && c.request.prompt.startsWith('Evaluate the coherence'),
    )
    expect(lateCoherence).toEqual([])
    expect(provider.calls.filter((c) => c.abortedAtStart)).toEqual([])
    const progress = lastProgress(h.events)
    expect(progress.cells).toMatchObject({
      total: 40,
      done: 20 + coherenceDone.length,
      error: 0,
      stopped: 20 - coherenceDone.length,
      pending: 0,
    })
  })

  it('stopCell: a cell stopped before its turn is skipped, one stopped in flight is aborted', async () => {
    const { h, provider, dataset, coherence, fluency, runId } = await twoJudges(8, 'text q02')
    const skipRow = dataset.rows[6]?.id as string
    const abortRowText = 'text q02'
    const abortRow = dataset.rows[2]?.id as string
    let stoppedInFlight = false
    // Before any cell starts (the first progress event comes after planning), stop one cell.
    h.engine.subscribe((event) => {
      if (event.type === 'progress' && event.progress.status === 'running' && !stoppedInFlight) {
        if (h.engine.isActive(runId)) h.engine.stopCell(runId, skipRow, coherence.id)
      }
    })
    const executing = h.engine.execute(runId)
    await waitUntil(() =>
      provider.calls.some(
        (c) =>
          rowOf(c.request) === abortRowText && c.request.prompt.startsWith('Evaluate the fluency'),
      ),
    )
    h.engine.stopCell(runId, abortRow, fluency.id)
    stoppedInFlight = true
    const run = await executing

    expect(run.status).toBe('completed')
    const results = await h.repos.cellResults.listForRun(runId)
    const has = (rowId: string, columnId: string) =>
      results.some((r) => r.rowId === rowId && r.columnId === columnId)
    expect(has(skipRow, coherence.id)).toBe(false)
    expect(has(abortRow, fluency.id)).toBe(false)
    expect(results).toHaveLength(14)
    // The skipped cell never asked the model; the aborted one asked once and was cancelled.
    expect(
      provider.calls.filter(
        (c) =>
          rowOf(c.request) === 'text q06' && c.request.prompt.startsWith('Evaluate the coherence'),
      ),
    ).toHaveLength(0)
    const aborted = provider.calls.filter(
      (c) =>
        rowOf(c.request) === abortRowText && c.request.prompt.startsWith('Evaluate the fluency'),
    )
    expect(aborted.map((c) => c.outcome)).toEqual(['aborted'])
    expect(lastProgress(h.events).cells).toMatchObject({
      total: 16,
      done: 14,
      stopped: 2,
      pending: 0,
    })
    // A resume-like "unfinished" run afterwards picks up exactly the two stopped cells.
    const again = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: { mode: 'unfinished', columnIds: null, rowIds: null },
      startedBy: null,
    })
    await h.engine.execute(again.id)
    const rerun = await h.repos.cellResults.listForRun(again.id)
    expect(rerun.map((r) => `${r.rowId}/${r.columnId}`).sort()).toEqual(
      [`${skipRow}/${coherence.id}`, `${abortRow}/${fluency.id}`].sort(),
    )
  })

  it('stopColumn and stopCell refuse a run that is not executing here', async () => {
    const { h, coherence, dataset, runId } = await twoJudges(1)
    expect(() => h.engine.stopColumn(runId, coherence.id)).toThrow(/not executing/)
    expect(() => h.engine.stopCell(runId, dataset.rows[0]?.id as string, coherence.id)).toThrow(
      /not executing/,
    )
  })
})
