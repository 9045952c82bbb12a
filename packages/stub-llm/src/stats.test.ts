import { describe, expect, it } from 'vitest'
import { RingBuffer, StatsRecorder } from './stats.js'

describe('RingBuffer', () => {
  it('keeps the last values in order', () => {
    const ring = new RingBuffer(3)
    for (let i = 1; i <= 5; i++) ring.push(i)
    expect(ring.toArray()).toEqual([3, 4, 5])
    ring.clear()
    expect(ring.toArray()).toEqual([])
  })
})

describe('StatsRecorder', () => {
  it('counts outcomes once and keeps requests across a reset out of the new epoch', () => {
    const stats = new StatsRecorder()
    const a = stats.start()
    stats.admit(a)
    const b = stats.start()
    stats.admit(b)
    stats.end(a, { kind: 'finished', prompt: 2, completion: 3 })
    stats.end(a, { kind: 'aborted' })
    expect(stats.snapshot()).toMatchObject({
      requestsStarted: 2,
      requestsFinished: 1,
      requestsAborted: 0,
      inFlight: 1,
      maxInFlight: 2,
      tokensBilled: { prompt: 2, completion: 3 },
    })
    stats.reset()
    stats.end(b, { kind: 'finished', prompt: 5, completion: 5 })
    expect(stats.snapshot()).toMatchObject({
      requestsStarted: 0,
      requestsFinished: 0,
      inFlight: 0,
      maxInFlight: 1,
      tokensBilled: { prompt: 0, completion: 0 },
      startedAt: [],
    })
  })
})
