export {
  type BackoffOptions,
  backoffCeiling,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type Jitter,
  type RetryDecision,
  type RetryPolicy,
  retryDelay,
} from './backoff.js'
export {
  type ConnectionLimiter,
  type ConnectionLimits,
  createConnectionLimiter,
  type LimiterState,
  type Permit,
} from './connection-limiter.js'
export { type PoolOptions, runPool } from './task-pool.js'
export { TokenBucket } from './token-bucket.js'
export {
  type BackoffInfo,
  type RetryOptions,
  type RetryOutcome,
  withRetries,
} from './with-retries.js'
