import type { Clock, ModelFailure, Result } from '@assay/core'
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelay } from './backoff.js'
import type { ConnectionLimiter } from './connection-limiter.js'

export type BackoffInfo = {
  /** The attempt that just failed (1 = the first). */
  attempt: number
  delayMs: number
  failure: ModelFailure
}

export type RetryOptions = {
  policy?: RetryPolicy
  clock: Clock
  random: () => number
  signal: AbortSignal
  /** Called before each backoff sleep (progress events: "retrying in 2 s"). */
  onBackoff?: (info: BackoffInfo) => void
  /** On a 429 the whole connection pauses for the delay, not only this caller. */
  limiter?: Pick<ConnectionLimiter, 'pause'>
}

export type RetryOutcome<T> = {
  result: Result<T, ModelFailure>
  /** How many times `attemptFn` ran. */
  attempts: number
}

/**
 * Runs `attemptFn` until it succeeds, fails for good, or `policy.maxAttempts` (default 4) attempts
 * are used up; returns the last result. Only retryable failures retry, after the `retryDelay` wait
 * slept on the clock. Never throws: a throwing attempt is a non-retryable 'unknown' failure, and
 * an abort (before an attempt, during one, or during a backoff sleep) ends at once with a
 * 'cancelled' failure and no further attempt. An answer that arrives after the abort is still
 * returned as a success. Acquire limiter permits inside `attemptFn`, so no slot is held while
 * backing off.
 */
export async function withRetries<T>(
  attemptFn: (attempt: number, signal: AbortSignal) => Promise<Result<T, ModelFailure>>,
  options: RetryOptions,
): Promise<RetryOutcome<T>> {
  const { clock, random, signal, onBackoff, limiter } = options
  const policy = options.policy ?? {}
  const maxAttempts = Math.max(
    1,
    Math.floor(policy.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts),
  )
  let attempts = 0
  for (;;) {
    if (signal.aborted) return { result: cancelled(signal.reason, 0), attempts }
    attempts++
    const started = clock.now()
    let result: Result<T, ModelFailure>
    try {
      result = await attemptFn(attempts, signal)
    } catch (error) {
      const latencyMs = clock.now() - started
      result = signal.aborted ? cancelled(signal.reason, latencyMs) : thrown(error, latencyMs)
    }
    if (result.ok) return { result, attempts }
    const failure = result.error
    if (failure.kind === 'cancelled') return { result, attempts }
    // A failure caused by (or racing with) a stop is a cancellation, never retried.
    if (signal.aborted) return { result: cancelled(signal.reason, failure.latencyMs), attempts }
    if (attempts >= maxAttempts) return { result, attempts }

    const decision = retryDelay(failure, attempts, policy, random)
    if (!decision.retry) {
      if (decision.reason === 'not_retryable') return { result, attempts }
      return { result: { ok: false, error: retryAfterTooLong(failure, policy) }, attempts }
    }
    if (failure.kind === 'rate_limited' || failure.status === 429) {
      limiter?.pause(clock.now() + decision.delayMs)
    }
    onBackoff?.({ attempt: attempts, delayMs: decision.delayMs, failure })
    try {
      await clock.sleep(decision.delayMs, signal)
    } catch (error) {
      const result = signal.aborted ? cancelled(signal.reason, 0) : thrown(error, 0)
      return { result, attempts }
    }
  }
}

function cancelled(reason: unknown, latencyMs: number): { ok: false; error: ModelFailure } {
  const message =
    reason instanceof Error && reason.name !== 'AbortError' && reason.message
      ? reason.message
      : 'The request was cancelled'
  return {
    ok: false,
    error: {
      kind: 'cancelled',
      retryable: false,
      retryAfterMs: null,
      status: null,
      message,
      latencyMs,
    },
  }
}

function thrown(error: unknown, latencyMs: number): { ok: false; error: ModelFailure } {
  const message = error instanceof Error ? error.message || error.name : String(error)
  return {
    ok: false,
    error: {
      kind: 'unknown',
      retryable: false,
      retryAfterMs: null,
      status: null,
      message,
      latencyMs,
    },
  }
}

function retryAfterTooLong(failure: ModelFailure, policy: RetryPolicy): ModelFailure {
  const limit = policy.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs
  const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`
  return {
    ...failure,
    retryable: false,
    message: `${failure.message} (the provider asked to retry after ${seconds(failure.retryAfterMs ?? 0)}, longer than the ${seconds(limit)} limit)`,
  }
}
