/** Time comes through this port so retries, backoff and elapsed time run on a fake clock in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** ISO-8601 UTC instant for storage. */
  isoNow(): string
  /**
   * Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. A fake
   * clock moves its time forward instead of waiting.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}
