import type { Clock } from '../ports/clock.js'

export type FixedClock = Clock & {
  advance(ms: number): void
  set(ms: number): void
  /** Every sleep asked for, in order: what a retry or backoff test asserts on. */
  readonly sleeps: number[]
}

/** A clock that only moves when told to, or when something sleeps on it (virtual time). */
export function createFixedClock(startMs = Date.UTC(2026, 0, 1)): FixedClock {
  let now = startMs
  const sleeps: number[] = []
  return {
    now: () => now,
    isoNow: () => new Date(now).toISOString(),
    advance(ms) {
      now += ms
    },
    set(ms) {
      now = ms
    },
    sleeps,
    async sleep(ms, signal) {
      signal?.throwIfAborted()
      sleeps.push(ms)
      now += Math.max(0, ms)
      // Let other tasks run, as a real wait would.
      await Promise.resolve()
      signal?.throwIfAborted()
    },
  }
}
