import type { Clock } from '../ports/clock.js'

/** A clock that only moves when told to. */
export function createFixedClock(
  startMs = Date.UTC(2026, 0, 1),
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs
  return {
    now: () => now,
    isoNow: () => new Date(now).toISOString(),
    advance(ms) {
      now += ms
    },
    set(ms) {
      now = ms
    },
  }
}
