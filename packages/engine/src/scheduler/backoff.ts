import type { ModelFailure } from '@assay/core'

export type Jitter = 'full' | 'equal'

export type BackoffOptions = {
  /** Ceiling of the first retry's delay. Default 500 ms. */
  baseMs?: number
  /** Largest delay ever. Default 30 s. */
  maxMs?: number
  /** Growth of the ceiling per attempt. Default 2. */
  factor?: number
  /**
   * 'full': uniform in [0, ceiling] (default); 'equal': ceiling/2 plus uniform in [0, ceiling/2].
   * See "Exponential Backoff And Jitter" (AWS Architecture Blog).
   */
  jitter?: Jitter
}

export type RetryPolicy = BackoffOptions & {
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number
  /**
   * The longest `Retry-After` honoured. Default 120 s. A provider asking for longer ends the
   * retries at once (the cell fails with the reason) rather than parking a worker for minutes.
   */
  maxRetryAfterMs?: number
  /** Floor under `Retry-After`, so "retry after 0" does not retry in a hot loop. Default 250 ms. */
  minRetryAfterMs?: number
}

export const DEFAULT_RETRY_POLICY = {
  baseMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 'full',
  maxAttempts: 4,
  maxRetryAfterMs: 120_000,
  minRetryAfterMs: 250,
} as const satisfies Required<RetryPolicy>

export type RetryDecision =
  | { retry: true; delayMs: number; source: 'retry-after' | 'backoff' }
  | { retry: false; reason: 'not_retryable' | 'retry_after_too_long' }

/**
 * Delay in whole ms before retrying after failed attempt number `attempt` (1 = the first):
 * jittered below min(maxMs, baseMs × factor^(attempt − 1)). `random` returns [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const ceiling = backoffCeiling(attempt, options)
  const r = Math.min(Math.max(random(), 0), 1)
  const jitter = options.jitter ?? DEFAULT_RETRY_POLICY.jitter
  const delay = jitter === 'equal' ? ceiling / 2 + (r * ceiling) / 2 : r * ceiling
  return Math.min(Math.round(delay), ceiling)
}

/** The un-jittered ceiling of `backoffDelay`. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const baseMs = options.baseMs ?? DEFAULT_RETRY_POLICY.baseMs
  const maxMs = options.maxMs ?? DEFAULT_RETRY_POLICY.maxMs
  const factor = options.factor ?? DEFAULT_RETRY_POLICY.factor
  const exponent = Math.max(0, Math.floor(attempt) - 1)
  // factor^exponent may overflow to Infinity for large attempts; the cap still holds.
  return Math.max(0, Math.min(maxMs, baseMs * factor ** exponent))
}

/**
 * Whether and when to retry after `failure` on attempt number `attempt` (1 = the first); the
 * attempt budget (`maxAttempts`) is the caller's. Non-retryable failures and cancellations never
 * retry. A `retryAfterMs` from the provider wins over backoff: max(retryAfter, minRetryAfterMs);
 * above `maxRetryAfterMs` the answer is to give up (`retry_after_too_long`), not to wait.
 */
export function retryDelay(
  failure: ModelFailure,
  attempt: number,
  policy: RetryPolicy,
  random: () => number,
): RetryDecision {
  if (!failure.retryable || failure.kind === 'cancelled') {
    return { retry: false, reason: 'not_retryable' }
  }
  if (failure.retryAfterMs !== null && Number.isFinite(failure.retryAfterMs)) {
    const maxRetryAfterMs = policy.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs
    if (failure.retryAfterMs > maxRetryAfterMs) {
      return { retry: false, reason: 'retry_after_too_long' }
    }
    const floor = policy.minRetryAfterMs ?? DEFAULT_RETRY_POLICY.minRetryAfterMs
    return {
      retry: true,
      delayMs: Math.ceil(Math.max(failure.retryAfterMs, floor)),
      source: 'retry-after',
    }
  }
  return { retry: true, delayMs: backoffDelay(attempt, policy, random), source: 'backoff' }
}
