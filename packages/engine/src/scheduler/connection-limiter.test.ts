import { createFixedClock } from '@assay/core/testing'
import { describe, expect, it } from 'vitest'
import { createConnectionLimiter, type LimiterState, type Permit } from './connection-limiter.js'
import { createManualClock, flush } from './test-support.js'

const START = Date.UTC(2026, 0, 1)

describe('createConnectionLimiter', () => {
  it('grants at once and tracks in-flight permits', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 2 }, { clock })
    const permit = await limiter.acquire(10)
    expect(limiter.state()).toEqual({
      inFlight: 1,
      queued: 0,
      pausedUntil: null,
      rpmAvailable: null,
      tpmAvailable: null,
    })
    permit.release(12)
    permit.release(12) // a second release is ignored
    expect(limiter.state().inFlight).toBe(0)
    expect(clock.sleeps).toEqual([])
  })

  it('makes the 61st request of a minute at 60 RPM wait about one second', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 100, requestsPerMinute: 60 }, { clock })
    for (let i = 0; i < 60; i++) (await limiter.acquire(0)).release(0)
    expect(clock.sleeps).toEqual([])
    expect(limiter.state().rpmAvailable).toBe(0)
    const permit = await limiter.acquire(0)
    expect(clock.sleeps).toEqual([1000])
    expect(clock.now()).toBe(START + 1000)
    permit.release(0)
  })

  it('refills the request bucket continuously', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 100, requestsPerMinute: 60 }, { clock })
    for (let i = 0; i < 60; i++) await limiter.acquire(0)
    clock.advance(500)
    expect(limiter.state().rpmAvailable).toBe(0)
    clock.advance(1500)
    expect(limiter.state().rpmAvailable).toBe(2)
    clock.advance(10 * 60_000)
    expect(limiter.state().rpmAvailable).toBe(60) // never above one minute's worth
  })

  it('corrects the token bucket by actual minus estimated tokens on release', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 10, tokensPerMinute: 1000 }, { clock })
    ;(await limiter.acquire(500)).release(900)
    expect(limiter.state().tpmAvailable).toBe(100)
    // 600 needed, 100 there: 500 tokens at 1000/min take 30 s.
    const permit = await limiter.acquire(600)
    expect(clock.sleeps).toEqual([30_000])
    permit.release(100) // over-estimated: 500 come back
    expect(limiter.state().tpmAvailable).toBe(500)
    ;(await limiter.acquire(100)).release()
    expect(limiter.state().tpmAvailable).toBe(400) // no actual count: the estimate stands
  })

  it('lets a request larger than the TPM capacity through alone once the bucket is full', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 10, tokensPerMinute: 1000 }, { clock })
    ;(await limiter.acquire(100)).release(100)
    const big = await limiter.acquire(5000)
    expect(clock.sleeps).toEqual([6000]) // waited for a full bucket, not forever
    expect(limiter.state().tpmAvailable).toBe(-4000)
    big.release(5000)
    await limiter.acquire(1)
    expect(clock.sleeps).toEqual([6000, 240_060]) // the debt is waited out by the next one
  })

  it('serves waiters first come, first served', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 2 }, { clock })
    const granted: number[] = []
    const permits: Permit[] = []
    for (let i = 0; i < 5; i++) {
      void limiter.acquire(1).then((permit) => {
        granted.push(i)
        permits.push(permit)
      })
    }
    await flush()
    expect(granted).toEqual([0, 1])
    expect(limiter.state()).toMatchObject({ inFlight: 2, queued: 3 })
    permits[1]!.release()
    await flush()
    expect(granted).toEqual([0, 1, 2])
    permits[0]!.release()
    permits[2]!.release()
    await flush()
    expect(granted).toEqual([0, 1, 2, 3, 4])
    expect(limiter.state()).toMatchObject({ inFlight: 2, queued: 0 })
  })

  it('does not let a new acquirer overtake a queued one when a slot frees', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 1 }, { clock })
    const first = await limiter.acquire(1)
    const granted: string[] = []
    void limiter.acquire(1).then((p) => {
      granted.push('queued')
      p.release()
    })
    await flush()
    first.release()
    void limiter.acquire(1).then(() => granted.push('late'))
    await flush()
    expect(granted).toEqual(['queued', 'late'])
  })

  it('does not let small requests starve a large one waiting for tokens', async () => {
    const clock = createManualClock(START)
    const limiter = createConnectionLimiter({ concurrency: 10, tokensPerMinute: 1000 }, { clock })
    ;(await limiter.acquire(800)).release(800)
    const granted: string[] = []
    void limiter.acquire(900).then(() => granted.push('large'))
    void limiter.acquire(10).then(() => granted.push('small'))
    await flush()
    expect(granted).toEqual([]) // 200 tokens would do for the small one, but it queues behind
    expect(clock.sleeps).toEqual([42_000])
    await clock.advance(42_000)
    // The large one took the tokens; the small one waits for its own refill.
    expect(granted).toEqual(['large'])
    await clock.advance(600)
    expect(granted).toEqual(['large', 'small'])
  })

  it('removes a waiter aborted in the queue and gives the permit to the next one', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 1 }, { clock })
    const held = await limiter.acquire(1)
    const head = new AbortController()
    const middle = new AbortController()
    const a = limiter.acquire(1, head.signal)
    const b = limiter.acquire(1, middle.signal)
    const c = limiter.acquire(1)
    await flush()
    expect(limiter.state().queued).toBe(3)

    middle.abort(new Error('stop b'))
    await expect(b).rejects.toThrow('stop b')
    head.abort(new Error('stop a'))
    await expect(a).rejects.toThrow('stop a')
    expect(limiter.state()).toMatchObject({ inFlight: 1, queued: 1 })

    held.release()
    const permit = await c
    expect(limiter.state()).toMatchObject({ inFlight: 1, queued: 0 })
    permit.release()
    expect(limiter.state().inFlight).toBe(0)
    await limiter.acquire(1) // nothing leaked: a fresh acquire is served at once
    expect(limiter.state().inFlight).toBe(1)
  })

  it('rejects at once for an already aborted signal, taking nothing', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 1, requestsPerMinute: 1 }, { clock })
    const controller = new AbortController()
    controller.abort(new Error('gone'))
    await expect(limiter.acquire(1, controller.signal)).rejects.toThrow('gone')
    expect(limiter.state()).toMatchObject({ inFlight: 0, queued: 0, rpmAvailable: 1 })
  })

  it('lets the next waiter on when the head is aborted while sleeping for a refill', async () => {
    const clock = createManualClock(START)
    const limiter = createConnectionLimiter({ concurrency: 5, requestsPerMinute: 1 }, { clock })
    ;(await limiter.acquire(0)).release()
    const controller = new AbortController()
    const head = limiter.acquire(0, controller.signal)
    const next = limiter.acquire(0)
    await flush()
    expect(clock.pending).toBe(1)
    controller.abort(new Error('stopped'))
    await expect(head).rejects.toThrow('stopped')
    await flush()
    expect(clock.pending).toBe(1) // the next waiter now sleeps for the refill itself
    expect(limiter.state()).toMatchObject({ inFlight: 0, queued: 1 })
    await clock.advance(60_000)
    await next
    expect(limiter.state()).toMatchObject({ inFlight: 1, queued: 0 })
  })

  it('pauses every acquirer until the given time after a 429', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter({ concurrency: 4 }, { clock })
    limiter.pause(START + 5000)
    limiter.pause(START + 2000) // never shortened
    expect(limiter.state().pausedUntil).toBe(START + 5000)
    await limiter.acquire(1)
    expect(clock.sleeps).toEqual([5000])
    expect(limiter.state().pausedUntil).toBeNull()
  })

  it('holds back all workers of the connection while paused', async () => {
    const clock = createManualClock(START)
    const limiter = createConnectionLimiter({ concurrency: 4 }, { clock })
    const working = await limiter.acquire(1)
    limiter.pause(START + 3000)
    let granted = 0
    for (let i = 0; i < 3; i++) void limiter.acquire(1).then(() => granted++)
    await clock.advance(2999)
    expect(granted).toBe(0)
    expect(limiter.state()).toMatchObject({ inFlight: 1, queued: 3, pausedUntil: START + 3000 })
    await clock.advance(1)
    expect(granted).toBe(3)
    working.release()
  })

  it('fills a given state object instead of allocating', async () => {
    const clock = createFixedClock(START)
    const limiter = createConnectionLimiter(
      { concurrency: 3, requestsPerMinute: 100, tokensPerMinute: 10_000 },
      { clock },
    )
    await limiter.acquire(250)
    const target: LimiterState = {
      inFlight: 0,
      queued: 0,
      pausedUntil: null,
      rpmAvailable: null,
      tpmAvailable: null,
    }
    expect(limiter.state(target)).toBe(target)
    expect(target).toEqual({
      inFlight: 1,
      queued: 0,
      pausedUntil: null,
      rpmAvailable: 99,
      tpmAvailable: 9750,
    })
  })

  it('rejects impossible limits', () => {
    const clock = createFixedClock(START)
    expect(() => createConnectionLimiter({ concurrency: 0 }, { clock })).toThrow(/Concurrency/)
    expect(() =>
      createConnectionLimiter({ concurrency: 1, tokensPerMinute: -5 }, { clock }),
    ).toThrow(/tokensPerMinute/)
  })
})
