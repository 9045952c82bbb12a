/*
 * Login throttling: after `freeAttempts` failures for one email or one client address within
 * the window, each further attempt must wait, doubling up to `maxDelayMs`. Kept in memory: it
 * protects one server process; several processes behind a balancer each throttle on their own.
 */
export type Throttle = {
  /** Milliseconds the caller must still wait, 0 when an attempt is allowed now. */
  retryAfterMs(keys: readonly string[], nowMs: number): number
  fail(keys: readonly string[], nowMs: number): void
  succeed(keys: readonly string[]): void
}

export function createThrottle(
  options: {
    freeAttempts?: number
    baseDelayMs?: number
    maxDelayMs?: number
    windowMs?: number
  } = {},
): Throttle {
  const free = options.freeAttempts ?? 5
  const base = options.baseDelayMs ?? 1_000
  const max = options.maxDelayMs ?? 15 * 60_000
  const window = options.windowMs ?? 15 * 60_000
  const entries = new Map<string, { failures: number; last: number }>()

  const prune = (nowMs: number) => {
    if (entries.size < 10_000) return
    for (const [key, entry] of entries) if (nowMs - entry.last > window) entries.delete(key)
  }

  return {
    retryAfterMs(keys, nowMs) {
      let wait = 0
      for (const key of keys) {
        const entry = entries.get(key)
        if (!entry || nowMs - entry.last > window || entry.failures < free) continue
        const delay = Math.min(max, base * 2 ** (entry.failures - free))
        wait = Math.max(wait, entry.last + delay - nowMs)
      }
      return Math.max(0, wait)
    },
    fail(keys, nowMs) {
      prune(nowMs)
      for (const key of keys) {
        const entry = entries.get(key)
        const fresh = !entry || nowMs - entry.last > window
        entries.set(key, { failures: fresh ? 1 : entry.failures + 1, last: nowMs })
      }
    },
    succeed(keys) {
      for (const key of keys) entries.delete(key)
    },
  }
}
