import type { Clock } from '@assay/core'

/** Deterministic [0, 1) numbers (mulberry32), for tests of jitter. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export type ManualClock = Clock & {
  /** Moves time forward, waking every sleeper that is due, in order. */
  advance(ms: number): Promise<void>
  /** Sleeps started and not yet woken or aborted. */
  readonly pending: number
  readonly sleeps: number[]
}

type Sleeper = { at: number; resolve: () => void }

/**
 * Virtual time where a sleep really waits until the test advances the clock (unlike the fixed
 * clock, whose sleeps return at once): for "still waiting" and "aborted mid-sleep" assertions.
 */
export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let now = startMs
  const sleepers = new Set<Sleeper>()
  const sleeps: number[] = []
  return {
    now: () => now,
    isoNow: () => new Date(now).toISOString(),
    sleeps,
    get pending() {
      return sleepers.size
    },
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      sleeps.push(ms)
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          sleepers.delete(sleeper)
          reject(signal?.reason)
        }
        const sleeper: Sleeper = {
          at: now + Math.max(0, ms),
          resolve: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          },
        }
        sleepers.add(sleeper)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    async advance(ms) {
      const target = now + ms
      for (;;) {
        let next: Sleeper | null = null
        for (const s of sleepers) if (s.at <= target && (!next || s.at < next.at)) next = s
        if (!next) break
        now = next.at
        sleepers.delete(next)
        next.resolve()
        await flush()
      }
      now = target
      await flush()
    },
  }
}

/** Lets pending promise reactions run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}
