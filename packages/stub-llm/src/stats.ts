import type { StubStats } from './types.js'

export const TIMESTAMP_CAPACITY = 100_000

/** Precise wall-clock milliseconds (sub-millisecond resolution). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now()
}

/** Keeps the last `capacity` numbers without shifting arrays. */
export class RingBuffer {
  private readonly data: Float64Array
  private next = 0
  private size = 0

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity)
  }

  push(value: number): void {
    this.data[this.next] = value
    this.next = (this.next + 1) % this.capacity
    if (this.size < this.capacity) this.size++
  }

  toArray(): number[] {
    const start = (this.next - this.size + this.capacity) % this.capacity
    const out = new Array<number>(this.size)
    for (let i = 0; i < this.size; i++) out[i] = this.data[(start + i) % this.capacity] ?? 0
    return out
  }

  clear(): void {
    this.next = 0
    this.size = 0
  }
}

export type Outcome =
  | { kind: 'finished'; prompt: number; completion: number }
  | { kind: 'failed' }
  | { kind: 'aborted' }

/** A chat request as the counters see it; `epoch` tells whether it predates the last reset. */
export interface Tracked {
  epoch: number
  admitted: boolean
  done: boolean
}

/**
 * Counters of chat completion requests. Invariant within an epoch (between resets):
 * requestsStarted = requestsFinished + requestsFailed + requestsAborted + (in flight of the epoch).
 * A request in flight across a reset still leaves `inFlight` when it ends, but is not counted in
 * the new epoch's outcomes or billing.
 */
export class StatsRecorder {
  private epoch = 0
  private started = 0
  private finished = 0
  private failed = 0
  private aborted = 0
  private inFlight = 0
  private maxInFlight = 0
  private prompt = 0
  private completion = 0
  private byFault: Record<string, number> = {}
  private readonly startedAt = new RingBuffer(TIMESTAMP_CAPACITY)
  private readonly finishedAt = new RingBuffer(TIMESTAMP_CAPACITY)

  get current(): number {
    return this.inFlight
  }

  start(): Tracked {
    this.started++
    this.startedAt.push(preciseNow())
    return { epoch: this.epoch, admitted: false, done: false }
  }

  admit(tracked: Tracked): void {
    tracked.admitted = true
    this.inFlight++
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight
  }

  fault(tracked: Tracked, kind: string): void {
    if (tracked.epoch === this.epoch) this.byFault[kind] = (this.byFault[kind] ?? 0) + 1
  }

  end(tracked: Tracked, outcome: Outcome): void {
    if (tracked.done) return
    tracked.done = true
    if (tracked.admitted) this.inFlight--
    if (tracked.epoch !== this.epoch) return
    if (outcome.kind === 'finished') {
      this.finished++
      this.prompt += outcome.prompt
      this.completion += outcome.completion
      this.finishedAt.push(preciseNow())
    } else if (outcome.kind === 'failed') {
      this.failed++
    } else {
      this.aborted++
    }
  }

  reset(): void {
    this.epoch++
    this.started = 0
    this.finished = 0
    this.failed = 0
    this.aborted = 0
    this.maxInFlight = this.inFlight
    this.prompt = 0
    this.completion = 0
    this.byFault = {}
    this.startedAt.clear()
    this.finishedAt.clear()
  }

  snapshot(withTimestamps = true): StubStats {
    return {
      requestsStarted: this.started,
      requestsFinished: this.finished,
      requestsFailed: this.failed,
      requestsAborted: this.aborted,
      maxInFlight: this.maxInFlight,
      inFlight: this.inFlight,
      tokensBilled: { prompt: this.prompt, completion: this.completion },
      byFault: { ...this.byFault },
      startedAt: withTimestamps ? this.startedAt.toArray() : [],
      finishedAt: withTimestamps ? this.finishedAt.toArray() : [],
    }
  }
}
