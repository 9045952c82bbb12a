import type { Clock, ModelRequest, Run } from '@assay/core'
import { describe, expect, it } from 'vitest'
import type { EngineOptions } from './engine-deps.js'
import type { RunProgress } from './events.js'
import { createManualClock } from './scheduler/test-support.js'
import {
  createDataset,
  createFakeProvider,
  createHarness,
  createRealClock,
  createTestClock,
  delay,
  evaluatorConfig,
  type FakeCall,
  isJudge,
  judgeAnswer,
  promptGenerator,
  type RecordedEvent,
  type Reply,
  sha256,
  statusTrail,
  waitUntil,
} from './test-fixtures.js'

const ALL = { mode: 'all' as const, columnIds: null, rowIds: null }

type ReplyFn = (request: ModelRequest, call: FakeCall, index: number) => Reply

/** A generator (and optionally a coherence judge reading it) over `rows` rows on one connection. */
async function setup(options: {
  rows: number
  reply: ReplyFn
  judge?: boolean
  clock?: Clock
  engine?: Partial<EngineOptions>
  concurrency?: number
  params?: { maxOutputTokens?: number }
  prices?: { inputPerMillion: number | null; outputPerMillion: number | null }
  budget?: Run['budget']
}) {
  const clock = options.clock ?? createTestClock()
  const h = createHarness({ clock, ...(options.engine ? { options: options.engine } : {}) })
  const provider = createFakeProvider({ clock, seq: h.seq, reply: options.reply })
  const connection = await h.addConnection(provider, {
    limits: {
      concurrency: options.concurrency ?? 4,
      requestsPerMinute: null,
      tokensPerMinute: null,
    },
    ...(options.prices ? { prices: options.prices } : {}),
  })
  const dataset = await createDataset(
    h.repos,
    ['question'],
    Array.from({ length: options.rows }, (_, i) => [`q${String(i).padStart(3, '0')}`]),
  )
  const generated = await h.repos.columns.add({
    evaluationId: dataset.evaluation.id,
    name: 'generated',
    config: promptGenerator(connection.id, 'Question: {{question}}', options.params ?? {}),
  })
  const judge = options.judge
    ? await h.repos.columns.add({
        evaluationId: dataset.evaluation.id,
        name: 'coherence',
        config: evaluatorConfig(
          'coherence',
          { output: generated.id },
          { connectionId: connection.id, threshold: { op: '>', value: 3 } },
        ),
      })
    : null
  const run = await h.engine.createRun({
    evaluationId: dataset.evaluation.id,
    scope: ALL,
    startedBy: null,
    ...(options.budget ? { budget: options.budget } : {}),
  })
  return { h, clock, provider, dataset, generated, judge, runId: run.id }
}

const ok = (text = 'fine', inputTokens = 10, outputTokens = 5): Reply => ({
  text,
  inputTokens,
  outputTokens,
})
const serverError: Reply = {
  failure: { kind: 'server_error', status: 500, retryable: true, message: 'HTTP 500: boom' },
}

function lastProgress(events: readonly RecordedEvent[]): RunProgress {
  const found = events.filter((e) => e.type === 'progress').at(-1)
  if (found?.type !== 'progress') throw new Error('no progress event')
  return found.progress
}

describe('retries and failures', () => {
  it('a 500 twice then an answer: done after 3 attempts, backing off between them', async () => {
    const { h, clock, provider, runId } = await setup({
      rows: 1,
      reply: (_r, _c, i) => (i < 2 ? serverError : ok('third time', 12, 4)),
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('completed')
    const [result] = await h.repos.cellResults.listForRun(runId)
    expect(result).toMatchObject({
      status: 'done',
      value: 'third time',
      attempts: 3,
      tokensIn: 12,
      tokensOut: 4,
      error: null,
    })
    expect(provider.calls).toHaveLength(3)
    // Two backoff sleeps on the clock, under the exponential ceilings (500 ms, then 1 s).
    const test = clock as ReturnType<typeof createTestClock>
    expect(test.sleeps).toHaveLength(2)
    expect(test.sleeps[0]).toBeLessThanOrEqual(500)
    expect(test.sleeps[1]).toBeLessThanOrEqual(1_000)
    expect(provider.calls[1]!.startedAt - provider.calls[0]!.startedAt).toBe(test.sleeps[0])
    const backoffs = h.events.filter((e) => e.type === 'backoff')
    expect(backoffs.map((e) => e.type === 'backoff' && e.attempt)).toEqual([1, 2])
    expect(backoffs.every((e) => e.type === 'backoff' && e.reason === 'HTTP 500: boom')).toBe(true)
    expect(run.tokensIn).toBe(12)
  })

  it('a 500 on every attempt: an error cell with the reason after maxAttempts, and the run carries on', async () => {
    const { h, provider, dataset, runId } = await setup({
      rows: 3,
      engine: { maxAttempts: 3 },
      reply: (r) => (r.prompt.endsWith('q001') ? serverError : ok()),
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('completed')
    const results = await h.repos.cellResults.listForRun(runId)
    const failed = results.find((r) => r.rowId === dataset.rows[1]?.id)
    expect(failed).toMatchObject({
      status: 'error',
      attempts: 3,
      value: null,
      pass: null,
      tokensIn: 0,
      error: { code: 'server_error', message: 'HTTP 500: boom', retryable: true },
    })
    expect(results.filter((r) => r.status === 'done')).toHaveLength(2)
    expect(provider.calls.filter((c) => c.request.prompt.endsWith('q001'))).toHaveLength(3)
    expect(lastProgress(h.events).cells).toMatchObject({ total: 3, done: 2, error: 1, pending: 0 })
  })

  it('a 429 waits its Retry-After and pauses the whole connection meanwhile', async () => {
    const clock = createManualClock()
    const { h, provider, runId } = await setup({
      rows: 3,
      clock,
      concurrency: 1,
      reply: (_r, _c, i) =>
        i === 0
          ? {
              // Answers a little later, so the other rows are queued at the connection by then.
              failure: { kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 1_500 },
              delayMs: 10,
            }
          : ok(),
    })
    const executing = h.engine.execute(runId)
    await waitUntil(() => provider.calls[0]?.outcome === 'failed')
    await delay(20)
    // Paused: nothing else is sent before the 1.5 s are over.
    expect(provider.calls).toHaveLength(1)
    await clock.advance(1_499)
    await delay(10)
    expect(provider.calls).toHaveLength(1)
    await clock.advance(1)
    const run = await executing
    expect(run.status).toBe('completed')
    expect(provider.calls).toHaveLength(4)
    const t0 = provider.calls[0]!.startedAt
    for (const call of provider.calls.slice(1))
      expect(call.startedAt).toBeGreaterThanOrEqual(t0 + 1_500)
    expect(clock.sleeps).toContain(1_500)
    const backoff = h.events.find((e) => e.type === 'backoff')
    expect(backoff).toMatchObject({ type: 'backoff', attempt: 1, delayMs: 1_500 })
    const results = await h.repos.cellResults.listForRun(runId)
    expect(results.map((r) => r.attempts).sort()).toEqual([1, 1, 2])
    expect(results.every((r) => r.status === 'done')).toBe(true)
  })

  it('a 429 asking for longer than the limit fails the cell at once with the reason', async () => {
    const { h, provider, runId } = await setup({
      rows: 1,
      reply: () => ({
        failure: {
          kind: 'rate_limited',
          status: 429,
          retryable: true,
          retryAfterMs: 3_600_000,
          message: 'quota exceeded',
        },
      }),
    })
    await h.engine.execute(runId)
    const [result] = await h.repos.cellResults.listForRun(runId)
    expect(provider.calls).toHaveLength(1)
    expect(result?.status).toBe('error')
    expect(result?.error?.code).toBe('rate_limited')
    expect(result?.error?.message).toMatch(/quota exceeded.*retry after 3600 s/)
  })

  it('a non-retryable 400: an error cell with the reason, one attempt', async () => {
    const { h, provider, dataset, runId } = await setup({
      rows: 2,
      reply: (r) =>
        r.prompt.endsWith('q000')
          ? {
              failure: {
                kind: 'bad_request',
                status: 400,
                retryable: false,
                message: 'HTTP 400: temperature must be at most 1',
              },
            }
          : ok(),
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('completed')
    const results = await h.repos.cellResults.listForRun(runId)
    expect(results.find((r) => r.rowId === dataset.rows[0]?.id)).toMatchObject({
      status: 'error',
      attempts: 1,
      error: {
        code: 'bad_request',
        message: 'HTTP 400: temperature must be at most 1',
        retryable: false,
      },
    })
    expect(results.find((r) => r.rowId === dataset.rows[1]?.id)?.status).toBe('done')
    expect(provider.calls).toHaveLength(2)
  })

  it('a hanging request times out, is retried, then the cell is an error', async () => {
    const { h, provider, runId } = await setup({
      rows: 1,
      engine: { requestTimeoutMs: 20, maxAttempts: 3 },
      reply: () => ({ hang: true }),
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('completed')
    expect(provider.calls).toHaveLength(3)
    expect(provider.calls.every((c) => c.request.timeoutMs === 20)).toBe(true)
    expect(provider.calls.every((c) => c.outcome === 'failed')).toBe(true)
    const [result] = await h.repos.cellResults.listForRun(runId)
    expect(result).toMatchObject({ status: 'error', attempts: 3 })
    expect(result?.error?.code).toBe('timeout')
    expect(result?.error?.message).toContain('20 ms')
  })
})

describe('judge answers', () => {
  const MALFORMED = 'I would say it is quite coherent overall.'

  it('an unreadable answer is asked again once; the second answer is used', async () => {
    const { h, provider, dataset, judge, runId } = await setup({
      rows: 1,
      judge: true,
      reply: (r) => {
        if (!isJudge(r)) return ok('the generated text', 10, 5)
        const reask = r.prompt.includes('Your previous answer could not be used')
        return reask ? ok(judgeAnswer(4, 'second try'), 200, 20) : ok(MALFORMED, 100, 10)
      },
    })
    const run = await h.engine.execute(runId)
    const judgeCalls = provider.calls.filter((c) => isJudge(c.request))
    expect(judgeCalls).toHaveLength(2)
    // The re-ask quotes the unreadable answer.
    expect(judgeCalls[1]?.request.prompt).toContain(MALFORMED)
    const result = await h.repos.cellResults.get(runId, dataset.rows[0]!.id, judge!.id)
    expect(result).toMatchObject({
      status: 'done',
      value: 4,
      pass: true,
      explanation: 'second try',
      attempts: 2,
      tokensIn: 300,
      tokensOut: 30,
    })
    expect(run.tokensIn).toBe(310)
    expect(lastProgress(h.events).generations).toBe(3)
  })

  it('unreadable twice: a judge_unparseable error keeping the raw text and both calls’ tokens', async () => {
    const { h, provider, dataset, judge, runId } = await setup({
      rows: 1,
      judge: true,
      reply: (r) => {
        if (!isJudge(r)) return ok('the generated text', 10, 5)
        const reask = r.prompt.includes('Your previous answer could not be used')
        return reask ? ok('still no json, sorry', 200, 20) : ok(MALFORMED, 100, 10)
      },
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('completed')
    expect(provider.calls.filter((c) => isJudge(c.request))).toHaveLength(2)
    const result = await h.repos.cellResults.get(runId, dataset.rows[0]!.id, judge!.id)
    expect(result).toMatchObject({
      status: 'error',
      value: null,
      pass: null,
      raw: 'still no json, sorry',
      tokensIn: 300,
      tokensOut: 30,
    })
    expect(result?.error?.code).toBe('judge_unparseable')
    expect(result?.error?.message).toContain('no JSON')
    expect(run.tokensIn).toBe(310)
    expect(run.tokensOut).toBe(35)
  })
})

/** A deterministic number in [0, 1) for the n-th call with this prompt, whatever the scheduling. */
function chance(prompt: string, nth: number): number {
  return Number.parseInt(sha256(`${nth}\u0000${prompt}`).slice(0, 8), 16) / 2 ** 32
}

describe('a mix of faults over 1,000 cells', () => {
  it('ends every cell done or error with a reason, none missing or twice, tokens exact', async () => {
    const seen = new Map<string, number>()
    const { h, provider, dataset, generated, judge, runId } = await setup({
      rows: 500,
      judge: true,
      concurrency: 16,
      engine: { requestTimeoutMs: 5 },
      reply: (request) => {
        const nth = seen.get(request.prompt) ?? 0
        seen.set(request.prompt, nth + 1)
        const r = chance(request.prompt, nth)
        if (r < 0.1) return serverError
        if (r < 0.2)
          return {
            failure: { kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 300 },
          }
        if (r < 0.25) return ok('this is not the JSON you asked for', 50, 7)
        if (r < 0.27) return { hang: true }
        const tokens = 10 + Math.floor(r * 100)
        return isJudge(request)
          ? ok(judgeAnswer(1 + Math.floor(r * 5)), tokens * 3, 12)
          : ok(`answer ${request.prompt}`, tokens, 9)
      },
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('completed')

    expect(await h.repos.cellResults.countForRun(runId)).toBe(1_000)
    const results = await h.repos.cellResults.listForRun(runId)
    const keys = new Set(results.map((r) => `${r.rowId}/${r.columnId}`))
    expect(keys.size).toBe(1_000)
    for (const row of dataset.rows) {
      expect(keys.has(`${row.id}/${generated.id}`)).toBe(true)
      expect(keys.has(`${row.id}/${judge!.id}`)).toBe(true)
    }
    const errors = results.filter((r) => r.status === 'error')
    for (const result of results) {
      expect(['done', 'error']).toContain(result.status)
      if (result.status === 'error') {
        expect(result.error?.code).toMatch(
          /^(server_error|rate_limited|timeout|judge_unparseable|missing_input|invalid_input)$/,
        )
        expect(result.error?.message.length).toBeGreaterThan(0)
      } else {
        expect(result.error).toBeNull()
        expect(result.value).not.toBeNull()
      }
    }
    // Retries absorb most faults: with 4 attempts only a few cells fail for good.
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.length).toBeLessThan(50)
    // Calls that failed with a retryable fault were retried, up to 4 attempts per call.
    expect(Math.max(...results.map((r) => r.attempts))).toBeLessThanOrEqual(8)
    expect(provider.calls.length).toBeGreaterThan(1_000)

    const billed = provider.billed()
    expect(run.tokensIn).toBe(billed.inputTokens)
    expect(run.tokensOut).toBe(billed.outputTokens)
    expect(results.reduce((s, r) => s + r.tokensIn, 0)).toBe(billed.inputTokens)
    expect(results.reduce((s, r) => s + r.tokensOut, 0)).toBe(billed.outputTokens)
    const progress = lastProgress(h.events)
    expect(progress.cells).toMatchObject({
      total: 1_000,
      done: 1_000 - errors.length,
      error: errors.length,
      stopped: 0,
      pending: 0,
    })
    expect(progress.tokens).toEqual({ input: billed.inputTokens, output: billed.outputTokens })
  })
})

describe('budget', () => {
  it('stops the run by itself before a request would pass maxTokens, keeping what was done', async () => {
    // Each call spends 40 tokens; the estimate of a request is its prompt / 4 + maxOutputTokens.
    const { h, provider, runId } = await setup({
      rows: 10,
      concurrency: 1,
      params: { maxOutputTokens: 40 },
      budget: { maxTokens: 200, maxCost: null },
      reply: () => ok('spent', 30, 10),
    })
    const run = await h.engine.execute(runId)

    expect(run.status).toBe('stopped')
    expect(run.stopReason).toMatch(/^budget/)
    expect(run.stopReason).toContain('200 tokens')
    expect(statusTrail(h.events, runId)).toEqual(['running', 'stopping', 'stopped'])
    const stoppingSeq = h.events.find((e) => e.type === 'status' && e.run.status === 'stopping')
      ?.seq as number
    expect(provider.calls.filter((c) => c.seq > stoppingSeq)).toEqual([])
    expect(provider.calls.filter((c) => c.abortedAtStart)).toEqual([])
    // 44-token estimates: 0, 40, 80 and 120 spent leave room; at 160 the next would pass 200.
    expect(provider.calls).toHaveLength(4)
    const results = await h.repos.cellResults.listForRun(runId)
    expect(results).toHaveLength(4)
    expect(results.every((r) => r.status === 'done')).toBe(true)
    expect(run.tokensIn + run.tokensOut).toBe(160)
    expect(run.tokensIn + run.tokensOut).toBeLessThanOrEqual(200)
    const progress = lastProgress(h.events)
    expect(progress.cells).toMatchObject({ total: 10, done: 4, stopped: 6, pending: 0 })
  })

  it('never passes maxTokens with several requests in flight at once', async () => {
    // Real time: 8 requests really wait for their answers together.
    const clock = createRealClock()
    const { h, provider, runId } = await setup({
      rows: 40,
      clock,
      concurrency: 8,
      params: { maxOutputTokens: 40 },
      budget: { maxTokens: 500, maxCost: null },
      reply: () => ({ ...ok('spent', 30, 10), delayMs: 20 }),
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('stopped')
    expect(run.stopReason).toMatch(/^budget/)
    const billed = provider.billed()
    expect(run.tokensIn + run.tokensOut).toBe(billed.inputTokens + billed.outputTokens)
    // Requests in flight hold their estimate (44) until answered: at most 11 × 44 ≤ 500 start.
    expect(run.tokensIn + run.tokensOut).toBeLessThanOrEqual(500)
    expect(provider.calls.length).toBeGreaterThanOrEqual(8)
    expect(provider.maxInFlight()).toBe(8)
  })

  it('stops before a request would pass maxCost', async () => {
    const { h, provider, runId } = await setup({
      rows: 10,
      concurrency: 1,
      params: { maxOutputTokens: 40 },
      // 1,000,000 per million: a token costs 1.
      prices: { inputPerMillion: 1_000_000, outputPerMillion: 1_000_000 },
      budget: { maxTokens: null, maxCost: 100 },
      reply: () => ok('spent', 30, 10),
    })
    const run = await h.engine.execute(runId)
    expect(run.status).toBe('stopped')
    expect(run.stopReason).toMatch(/^budget.*cost/)
    // Estimates of 44: spent 0 and 40 leave room, at 80 the next would pass 100.
    expect(provider.calls).toHaveLength(2)
    expect(run.cost).toBe(80)
  })
})
