import type { ModelFailure, Result } from '@assay/core'
import { createFixedClock } from '@assay/core/testing'
import { describe, expect, it } from 'vitest'
import { createConnectionLimiter } from './connection-limiter.js'
import { createManualClock, flush, seededRandom } from './test-support.js'
import { type BackoffInfo, withRetries } from './with-retries.js'

const START = Date.UTC(2026, 0, 1)

function failure(status: number, overrides: Partial<ModelFailure> = {}): ModelFailure {
  const retryable = status === 429 || status >= 500
  return {
    kind: status === 429 ? 'rate_limited' : status >= 500 ? 'server_error' : 'bad_request',
    retryable,
    retryAfterMs: null,
    status,
    message: `HTTP ${status}`,
    latencyMs: 3,
    ...overrides,
  }
}

type Answer = Result<string, ModelFailure>

/** An attempt function answering from a script, one entry per attempt. */
function scripted(...script: (ModelFailure | string)[]) {
  const calls: number[] = []
  const fn = async (attempt: number): Promise<Answer> => {
    calls.push(attempt)
    const next = script[attempt - 1] ?? script[script.length - 1]!
    return typeof next === 'string' ? { ok: true, value: next } : { ok: false, error: next }
  }
  return { fn, calls }
}

describe('withRetries', () => {
  it('retries 500s with growing backoff until success', async () => {
    const clock = createFixedClock(START)
    const { fn, calls } = scripted(failure(500), failure(500), 'answer')
    const backoffs: BackoffInfo[] = []
    const outcome = await withRetries(fn, {
      clock,
      random: () => 0.5,
      signal: new AbortController().signal,
      onBackoff: (info) => backoffs.push(info),
    })
    expect(outcome).toEqual({ result: { ok: true, value: 'answer' }, attempts: 3 })
    expect(calls).toEqual([1, 2, 3])
    expect(clock.sleeps).toEqual([250, 500])
    expect(backoffs.map((b) => [b.attempt, b.delayMs, b.failure.status])).toEqual([
      [1, 250, 500],
      [2, 500, 500],
    ])
  })

  it('does not retry a 400', async () => {
    const clock = createFixedClock(START)
    const { fn } = scripted(failure(400), 'never')
    const outcome = await withRetries(fn, {
      clock,
      random: seededRandom(3),
      signal: new AbortController().signal,
    })
    expect(outcome).toEqual({ result: { ok: false, error: failure(400) }, attempts: 1 })
    expect(clock.sleeps).toEqual([])
  })

  it('returns the last failure after maxAttempts', async () => {
    const clock = createFixedClock(START)
    const { fn } = scripted(failure(502), failure(503), failure(504))
    const outcome = await withRetries(fn, {
      clock,
      random: seededRandom(9),
      signal: new AbortController().signal,
      policy: { maxAttempts: 3 },
    })
    expect(outcome.attempts).toBe(3)
    expect(outcome.result).toEqual({ ok: false, error: failure(504) })
    expect(clock.sleeps).toHaveLength(2)
  })

  it('defaults to 4 attempts with delays under the growing cap', async () => {
    const clock = createFixedClock(START)
    const { fn } = scripted(failure(500))
    const outcome = await withRetries(fn, {
      clock,
      random: seededRandom(11),
      signal: new AbortController().signal,
    })
    expect(outcome.attempts).toBe(4)
    expect(clock.sleeps).toHaveLength(3)
    for (const [i, ms] of clock.sleeps.entries()) expect(ms).toBeLessThanOrEqual(500 * 2 ** i)
  })

  it('honours Retry-After on a 429 and pauses the whole connection', async () => {
    const clock = createFixedClock(START)
    const { fn } = scripted(failure(429, { retryAfterMs: 2000 }), 'ok')
    const pauses: number[] = []
    const outcome = await withRetries(fn, {
      clock,
      random: () => 0.5,
      signal: new AbortController().signal,
      limiter: { pause: (until) => pauses.push(until) },
    })
    expect(outcome.attempts).toBe(2)
    expect(clock.sleeps).toEqual([2000])
    expect(pauses).toEqual([START + 2000])
  })

  it('slows other workers of the connection while one backs off from a 429', async () => {
    const clock = createManualClock(START)
    const limiter = createConnectionLimiter({ concurrency: 4 }, { clock })
    const signal = new AbortController().signal
    const limited = scripted(failure(429, { retryAfterMs: 1500 }), 'ok')
    const first = withRetries(
      async (attempt) => {
        const permit = await limiter.acquire(10, signal)
        try {
          return await limited.fn(attempt)
        } finally {
          permit.release(10)
        }
      },
      { clock, random: () => 0.5, signal, limiter },
    )
    await flush()
    let otherStarted = false
    void limiter.acquire(10, signal).then(() => {
      otherStarted = true
    })
    await clock.advance(1499)
    expect(otherStarted).toBe(false)
    await clock.advance(1)
    expect(otherStarted).toBe(true)
    expect(await first).toMatchObject({ result: { ok: true }, attempts: 2 })
  })

  it('gives up on a Retry-After longer than the limit, saying why', async () => {
    const clock = createFixedClock(START)
    const { fn } = scripted(failure(429, { retryAfterMs: 300_000 }), 'ok')
    const outcome = await withRetries(fn, {
      clock,
      random: () => 0.5,
      signal: new AbortController().signal,
    })
    expect(outcome.attempts).toBe(1)
    expect(outcome.result).toMatchObject({
      ok: false,
      error: { kind: 'rate_limited', retryable: false, status: 429 },
    })
    if (outcome.result.ok) throw new Error('expected a failure')
    expect(outcome.result.error.message).toContain('300 s, longer than the 120 s limit')
    expect(clock.sleeps).toEqual([])
  })

  it('stops promptly when aborted during the backoff sleep', async () => {
    const clock = createManualClock(START)
    const controller = new AbortController()
    const { fn, calls } = scripted(failure(500), 'ok')
    const outcome = withRetries(fn, {
      clock,
      random: () => 0.5,
      signal: controller.signal,
      policy: { baseMs: 60_000, maxMs: 60_000 },
    })
    await flush()
    expect(clock.pending).toBe(1)
    controller.abort()
    const { result, attempts } = await outcome
    expect(attempts).toBe(1)
    expect(calls).toEqual([1])
    expect(result).toMatchObject({ ok: false, error: { kind: 'cancelled', retryable: false } })
    expect(clock.now()).toBe(START) // no virtual time passed: it did not wait out the sleep
    expect(clock.pending).toBe(0)
  })

  it('never starts an attempt once aborted, and does not retry a failure racing a stop', async () => {
    const clock = createFixedClock(START)
    const before = new AbortController()
    before.abort(new Error('Run stopped by user'))
    const idle = scripted('ok')
    const outcome = await withRetries(idle.fn, { clock, random: () => 0, signal: before.signal })
    expect(outcome).toMatchObject({
      attempts: 0,
      result: { ok: false, error: { kind: 'cancelled', message: 'Run stopped by user' } },
    })
    expect(idle.calls).toEqual([])

    const during = new AbortController()
    const racing = await withRetries(
      async () => {
        during.abort()
        return { ok: false, error: failure(503) }
      },
      { clock, random: () => 0, signal: during.signal },
    )
    expect(racing).toMatchObject({ attempts: 1, result: { error: { kind: 'cancelled' } } })
    expect(clock.sleeps).toEqual([])
  })

  it('keeps an answer that arrives after the abort', async () => {
    const clock = createFixedClock(START)
    const controller = new AbortController()
    const outcome = await withRetries(
      async () => {
        controller.abort()
        return { ok: true, value: 'late answer' }
      },
      { clock, random: () => 0, signal: controller.signal },
    )
    expect(outcome).toEqual({ result: { ok: true, value: 'late answer' }, attempts: 1 })
  })

  it('turns a thrown error into a non-retryable unknown failure', async () => {
    const clock = createFixedClock(START)
    let calls = 0
    const outcome = await withRetries<string>(
      async () => {
        calls++
        clock.advance(12)
        throw new TypeError('cannot read properties of undefined')
      },
      { clock, random: () => 0, signal: new AbortController().signal },
    )
    expect(calls).toBe(1)
    expect(outcome).toEqual({
      attempts: 1,
      result: {
        ok: false,
        error: {
          kind: 'unknown',
          retryable: false,
          retryAfterMs: null,
          status: null,
          message: 'cannot read properties of undefined',
          latencyMs: 12,
        },
      },
    })
  })

  it('returns a cancelled failure from the attempt as is', async () => {
    const clock = createFixedClock(START)
    const cancelled = failure(0, { kind: 'cancelled', retryable: true, status: null })
    const { fn } = scripted(cancelled, 'ok')
    const outcome = await withRetries(fn, {
      clock,
      random: () => 0,
      signal: new AbortController().signal,
    })
    expect(outcome).toEqual({ result: { ok: false, error: cancelled }, attempts: 1 })
  })
})
