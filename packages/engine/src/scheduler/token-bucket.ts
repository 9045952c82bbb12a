/** Float slack so a bucket that refilled for exactly the computed wait counts as ready. */
const EPSILON = 1e-6

/**
 * A token bucket refilled continuously: `perMinute` tokens per minute, holding at most
 * `perMinute` (one minute's worth), starting full. The level may go negative: a request larger
 * than the estimate leaves a debt that later requests wait out.
 */
export class TokenBucket {
  readonly capacity: number
  private readonly perMs: number
  private tokens: number
  private updatedAt: number

  constructor(perMinute: number, nowMs: number) {
    this.capacity = perMinute
    this.perMs = perMinute / 60_000
    this.tokens = perMinute
    this.updatedAt = nowMs
  }

  /** The level at `nowMs`, without changing the bucket. */
  available(nowMs: number): number {
    const elapsed = nowMs - this.updatedAt
    if (elapsed <= 0) return this.tokens
    return Math.min(this.capacity, this.tokens + elapsed * this.perMs)
  }

  /**
   * Milliseconds until `amount` tokens are there (0: now). An amount above the capacity waits
   * for a full bucket instead of forever.
   */
  waitMs(amount: number, nowMs: number): number {
    const deficit = Math.min(amount, this.capacity) - this.available(nowMs)
    return deficit <= EPSILON ? 0 : Math.ceil(deficit / this.perMs)
  }

  /** Adds `delta` tokens (negative: removes them), never above the capacity. */
  adjust(delta: number, nowMs: number): void {
    this.refill(nowMs)
    this.tokens = Math.min(this.capacity, this.tokens + delta)
  }

  private refill(nowMs: number): void {
    // A clock that steps back refills nothing until it catches up again.
    if (nowMs <= this.updatedAt) return
    this.tokens = this.available(nowMs)
    this.updatedAt = nowMs
  }
}
