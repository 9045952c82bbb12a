/** Time comes through this port so retries, backoff and elapsed time run on a fake clock in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** ISO-8601 UTC instant for storage. */
  isoNow(): string
}
