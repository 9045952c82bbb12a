import type { ModelFailure } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { backoffCeiling, backoffDelay, retryDelay } from './backoff.js'
import { seededRandom } from './test-support.js'

function failure(overrides: Partial<ModelFailure> = {}): ModelFailure {
  return {
    kind: 'server_error',
    retryable: true,
    retryAfterMs: null,
    status: 500,
    message: 'Internal Server Error',
    latencyMs: 5,
    ...overrides,
  }
}

describe('backoffDelay', () => {
  it('grows the ceiling exponentially from the base up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 20, 5000].map((a) => backoffCeiling(a, {}))
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000])
    expect(backoffCeiling(3, { baseMs: 100, factor: 3, maxMs: 1000 })).toBe(900)
  })

  it('draws full jitter uniformly below the ceiling', () => {
    expect(backoffDelay(3, {}, () => 0)).toBe(0)
    expect(backoffDelay(3, {}, () => 0.5)).toBe(1000)
    expect(backoffDelay(3, {}, () => 0.999_999)).toBe(2000)
    const random = seededRandom(42)
    for (let attempt = 1; attempt <= 12; attempt++) {
      for (let i = 0; i < 50; i++) {
        const delay = backoffDelay(attempt, {}, random)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(backoffCeiling(attempt, {}))
        expect(Number.isInteger(delay)).toBe(true)
      }
    }
  })

  it('keeps equal jitter in the upper half of the ceiling', () => {
    expect(backoffDelay(2, { jitter: 'equal' }, () => 0)).toBe(500)
    expect(backoffDelay(2, { jitter: 'equal' }, () => 0.5)).toBe(750)
    expect(backoffDelay(30, { jitter: 'equal' }, () => 0.999_999)).toBe(30_000)
  })

  it('grows on average with the attempt and is deterministic for a seed', () => {
    const mean = (attempt: number) => {
      const random = seededRandom(7)
      let sum = 0
      for (let i = 0; i < 200; i++) sum += backoffDelay(attempt, {}, random)
      return sum / 200
    }
    expect(mean(1)).toBeLessThan(mean(3))
    expect(mean(3)).toBeLessThan(mean(5))
    const a = seededRandom(1)
    const b = seededRandom(1)
    expect([1, 2, 3].map((n) => backoffDelay(n, {}, a))).toEqual(
      [1, 2, 3].map((n) => backoffDelay(n, {}, b)),
    )
  })
})

describe('retryDelay', () => {
  it('backs off for a retryable failure without Retry-After', () => {
    expect(retryDelay(failure(), 2, {}, () => 0.5)).toEqual({
      retry: true,
      delayMs: 500,
      source: 'backoff',
    })
  })

  it('never retries a non-retryable failure or a cancellation', () => {
    const badRequest = failure({ kind: 'bad_request', retryable: false, status: 400 })
    expect(retryDelay(badRequest, 1, {}, () => 0.5)).toEqual({
      retry: false,
      reason: 'not_retryable',
    })
    const cancelled = failure({ kind: 'cancelled', retryable: true, status: null })
    expect(retryDelay(cancelled, 1, {}, () => 0.5).retry).toBe(false)
  })

  it('honours Retry-After instead of the backoff', () => {
    const limited = failure({ kind: 'rate_limited', status: 429, retryAfterMs: 7000 })
    expect(retryDelay(limited, 1, {}, () => 0)).toEqual({
      retry: true,
      delayMs: 7000,
      source: 'retry-after',
    })
  })

  it('puts a floor under a tiny Retry-After', () => {
    const limited = failure({ kind: 'rate_limited', status: 429, retryAfterMs: 0 })
    expect(retryDelay(limited, 1, {}, () => 0)).toMatchObject({ delayMs: 250 })
    expect(retryDelay(limited, 1, { minRetryAfterMs: 40 }, () => 0)).toMatchObject({ delayMs: 40 })
  })

  it('gives up rather than wait for a Retry-After beyond the limit', () => {
    const limited = failure({ kind: 'rate_limited', status: 429, retryAfterMs: 600_000 })
    expect(retryDelay(limited, 1, {}, () => 0)).toEqual({
      retry: false,
      reason: 'retry_after_too_long',
    })
    expect(retryDelay(limited, 1, { maxRetryAfterMs: 600_000 }, () => 0)).toMatchObject({
      retry: true,
      delayMs: 600_000,
    })
  })
})
