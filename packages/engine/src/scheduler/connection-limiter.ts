import { AssayError, type Clock } from '@assay/core'
import { TokenBucket } from './token-bucket.js'

/** A connection's limits; a missing or null per-minute limit means unlimited. */
export type ConnectionLimits = {
  concurrency: number
  requestsPerMinute?: number | null
  tokensPerMinute?: number | null
}

/** The limiter's backoff state, as progress events show it. */
export type LimiterState = {
  /** Permits held and not yet released. */
  inFlight: number
  /** Acquirers waiting (for a slot, a bucket refill or the pause). */
  queued: number
  /** Epoch ms until which a 429 paused the connection; null when not paused. */
  pausedUntil: number | null
  /** Whole requests left this minute; null when unlimited. */
  rpmAvailable: number | null
  /** Whole tokens left this minute (negative: debt after an under-estimate); null when unlimited. */
  tpmAvailable: number | null
}

/** The right to make one request; release it exactly once (later calls are ignored). */
export interface Permit {
  readonly estimatedTokens: number
  /**
   * Frees the concurrency slot and corrects the tokens-per-minute bucket by
   * `actualTokens - estimatedTokens`. Without `actualTokens` (usage unknown) the estimate stands.
   */
  release(actualTokens?: number): void
}

export interface ConnectionLimiter {
  /**
   * Waits for a concurrency slot, one request and `estimatedTokens` tokens of the per-minute
   * budgets, and the end of any pause; first come, first served. Rejects with the signal's reason
   * as soon as `signal` aborts, taking nothing.
   */
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit>
  /** Connection-wide backoff: no acquire is granted before `untilMs` (only ever extended). */
  pause(untilMs: number): void
  /** A snapshot; pass `into` to fill an existing object instead of allocating one. */
  state(into?: LimiterState): LimiterState
}

type Waiter = {
  prev: Waiter | null
  next: Waiter | null
  queued: boolean
  /** Set while the waiter awaits its turn or a free slot. */
  wake: (() => void) | null
  fail: ((reason: unknown) => void) | null
}

/**
 * Per-connection limiter: a FIFO semaphore plus requests/min and tokens/min token buckets, all
 * behind one queue so a large request is never overtaken (no starvation). Only the head of the
 * queue waits on time (bucket refill or pause, via `clock.sleep`); the others wait on a promise.
 * With nobody queued, acquire and release are O(1) and allocate only the permit.
 *
 * In-process only: in Postgres mode the buckets shared by all workers live in the database.
 */
export function createConnectionLimiter(
  limits: ConnectionLimits,
  deps: { clock: Clock },
): ConnectionLimiter {
  return new Limiter(limits, deps.clock)
}

class LimiterPermit implements Permit {
  private released = false

  constructor(
    private readonly limiter: Limiter,
    readonly estimatedTokens: number,
  ) {}

  release(actualTokens?: number): void {
    if (this.released) return
    this.released = true
    this.limiter.release(this.estimatedTokens, actualTokens)
  }
}

class Limiter implements ConnectionLimiter {
  private readonly concurrency: number
  private readonly rpm: TokenBucket | null
  private readonly tpm: TokenBucket | null
  private inFlight = 0
  private queued = 0
  private pausedUntil = Number.NEGATIVE_INFINITY
  private head: Waiter | null = null
  private tail: Waiter | null = null

  constructor(
    limits: ConnectionLimits,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) {
      throw new AssayError('invalid_input', 'Concurrency must be a whole number of at least 1', {
        position: { field: 'concurrency' },
      })
    }
    this.concurrency = limits.concurrency
    const now = clock.now()
    this.rpm = bucket(limits.requestsPerMinute, 'requestsPerMinute', now)
    this.tpm = bucket(limits.tokensPerMinute, 'tokensPerMinute', now)
  }

  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    // NaN and negative estimates count as 0.
    const tokens = estimatedTokens > 0 ? estimatedTokens : 0
    if (this.head === null && this.inFlight < this.concurrency) {
      const now = this.clock.now()
      if (this.readyIn(tokens, now) === 0) return Promise.resolve(this.grant(tokens, now))
    }
    return this.waitFor(tokens, signal)
  }

  pause(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs
  }

  state(into?: LimiterState): LimiterState {
    const now = this.clock.now()
    const pausedUntil = this.pausedUntil > now ? this.pausedUntil : null
    const rpmAvailable = this.rpm ? Math.floor(this.rpm.available(now)) : null
    const tpmAvailable = this.tpm ? Math.floor(this.tpm.available(now)) : null
    if (!into)
      return {
        inFlight: this.inFlight,
        queued: this.queued,
        pausedUntil,
        rpmAvailable,
        tpmAvailable,
      }
    into.inFlight = this.inFlight
    into.queued = this.queued
    into.pausedUntil = pausedUntil
    into.rpmAvailable = rpmAvailable
    into.tpmAvailable = tpmAvailable
    return into
  }

  /** Called once per permit. */
  release(estimatedTokens: number, actualTokens: number | undefined): void {
    this.inFlight--
    if (this.tpm && actualTokens !== undefined && Number.isFinite(actualTokens)) {
      this.tpm.adjust(estimatedTokens - Math.max(0, actualTokens), this.clock.now())
    }
    if (this.head) wake(this.head)
  }

  /** Milliseconds until the pause and both buckets allow a request of `tokens` (0: now). */
  private readyIn(tokens: number, now: number): number {
    let ms = this.pausedUntil - now
    if (this.rpm) ms = Math.max(ms, this.rpm.waitMs(1, now))
    if (this.tpm) ms = Math.max(ms, this.tpm.waitMs(tokens, now))
    return ms > 0 ? ms : 0
  }

  private grant(tokens: number, now: number): Permit {
    this.rpm?.adjust(-1, now)
    this.tpm?.adjust(-tokens, now)
    this.inFlight++
    return new LimiterPermit(this, tokens)
  }

  private async waitFor(tokens: number, signal: AbortSignal | undefined): Promise<Permit> {
    const waiter: Waiter = { prev: null, next: null, queued: true, wake: null, fail: null }
    this.enqueue(waiter)
    const onAbort = () => {
      const fail = waiter.fail
      waiter.wake = waiter.fail = null
      fail?.(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      for (;;) {
        signal?.throwIfAborted()
        if (waiter !== this.head || this.inFlight >= this.concurrency) {
          await new Promise<void>((resolve, reject) => {
            waiter.wake = resolve
            waiter.fail = reject
          })
          continue
        }
        const now = this.clock.now()
        const ms = this.readyIn(tokens, now)
        if (ms > 0) {
          // Re-checked afterwards: a pause or a release correction may have moved the goal.
          await this.clock.sleep(ms, signal)
          continue
        }
        this.dequeue(waiter)
        return this.grant(tokens, now)
      }
    } finally {
      // On abort (or a failing clock) the waiter leaves the queue holding nothing.
      this.dequeue(waiter)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  private enqueue(waiter: Waiter): void {
    waiter.prev = this.tail
    if (this.tail) this.tail.next = waiter
    else this.head = waiter
    this.tail = waiter
    this.queued++
  }

  /** Unlinks the waiter (idempotent) and lets a new head take its turn. */
  private dequeue(waiter: Waiter): void {
    if (!waiter.queued) return
    waiter.queued = false
    const wasHead = waiter === this.head
    if (waiter.prev) waiter.prev.next = waiter.next
    else this.head = waiter.next
    if (waiter.next) waiter.next.prev = waiter.prev
    else this.tail = waiter.prev
    waiter.prev = waiter.next = null
    this.queued--
    if (wasHead && this.head) wake(this.head)
  }
}

function wake(waiter: Waiter): void {
  const resolve = waiter.wake
  if (!resolve) return
  waiter.wake = waiter.fail = null
  resolve()
}

function bucket(
  perMinute: number | null | undefined,
  field: string,
  now: number,
): TokenBucket | null {
  if (perMinute === null || perMinute === undefined || perMinute === Number.POSITIVE_INFINITY) {
    return null
  }
  if (!(perMinute > 0) || !Number.isFinite(perMinute)) {
    throw new AssayError('invalid_input', `${field} must be a positive number`, {
      position: { field },
    })
  }
  return new TokenBucket(perMinute, now)
}
