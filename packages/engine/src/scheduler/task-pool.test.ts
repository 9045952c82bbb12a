import { describe, expect, it } from 'vitest'
import { runPool } from './task-pool.js'
import { flush } from './test-support.js'

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void
  let fail!: (error: unknown) => void
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve
    fail = reject
  })
  return { promise, open, fail }
}

/** An async source of 0..n-1 that counts how many items were read, and whether it was closed. */
function source(n: number) {
  const stats = { pulled: 0, closed: false }
  async function* items() {
    try {
      for (let i = 0; i < n; i++) {
        stats.pulled++
        yield i
      }
    } finally {
      stats.closed = true
    }
  }
  return { items: items(), stats }
}

describe('runPool', () => {
  it('processes every item, starting them in order', async () => {
    const started: number[] = []
    const done: number[] = []
    await runPool(
      [1, 2, 3, 4, 5, 6, 7],
      async (item) => {
        started.push(item)
        for (let i = 0; i < (item % 3) * 3; i++) await Promise.resolve()
        done.push(item)
      },
      { concurrency: 3 },
    )
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect([...done].sort()).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('keeps order with one worker', async () => {
    const { items } = source(5)
    const done: number[] = []
    await runPool(items, async (item) => void done.push(item), { concurrency: 1 })
    expect(done).toEqual([0, 1, 2, 3, 4])
  })

  it('never reads more than `concurrency` items ahead of the finished ones', async () => {
    const { items, stats } = source(100_000)
    const gates = new Map<number, ReturnType<typeof gate>>()
    let finished = 0
    let maxOutstanding = 0
    const pool = runPool(
      items,
      async (item) => {
        const g = gate()
        gates.set(item, g)
        maxOutstanding = Math.max(maxOutstanding, stats.pulled - finished)
        await g.promise
        finished++
      },
      { concurrency: 4 },
    )
    await flush()
    expect(stats.pulled).toBe(4)
    expect([...gates.keys()]).toEqual([0, 1, 2, 3])
    gates.get(1)!.open()
    await flush()
    expect(stats.pulled).toBe(5)
    expect(gates.has(4)).toBe(true)
    // Drain the rest item by item, checking the bound all along.
    for (let i = 0; i < 100_000; i++) gates.get(i)?.open()
    while (finished < 100_000) {
      await flush()
      for (const [key, g] of gates) {
        g.open()
        gates.delete(key)
      }
    }
    await pool
    expect(maxOutstanding).toBeLessThanOrEqual(4)
    expect(stats.pulled).toBe(100_000)
  })

  it('stops pulling on abort and waits for the started items', async () => {
    const { items, stats } = source(50)
    const controller = new AbortController()
    const gates: ReturnType<typeof gate>[] = []
    const finished: number[] = []
    let settled = false
    const pool = runPool(
      items,
      async (item) => {
        const g = gate()
        gates.push(g)
        await g.promise
        finished.push(item)
      },
      { concurrency: 3, signal: controller.signal },
    ).then(() => {
      settled = true
    })
    await flush()
    expect(stats.pulled).toBe(3)
    controller.abort()
    gates[0]!.open()
    await flush()
    expect(settled).toBe(false) // items 1 and 2 are still running
    expect(stats.pulled).toBe(3) // nothing new was read
    gates[1]!.open()
    gates[2]!.open()
    await pool
    expect(finished).toEqual([0, 1, 2])
    expect(stats.closed).toBe(true) // the source was closed early
  })

  it('starts nothing when aborted before it begins', async () => {
    const { items, stats } = source(10)
    const controller = new AbortController()
    controller.abort()
    let calls = 0
    await runPool(items, async () => void calls++, { concurrency: 2, signal: controller.signal })
    expect(calls).toBe(0)
    expect(stats.pulled).toBe(0)
  })

  it('rethrows the first error after the in-flight items finish', async () => {
    const { items, stats } = source(20)
    const gates: ReturnType<typeof gate>[] = []
    const finished: number[] = []
    let rejected: unknown = null
    const pool = runPool(
      items,
      async (item) => {
        const g = gate()
        gates.push(g)
        await g.promise
        finished.push(item)
      },
      { concurrency: 3 },
    ).catch((error: unknown) => {
      rejected = error
    })
    await flush()
    gates[1]!.fail(new Error('first'))
    await flush()
    expect(rejected).toBeNull() // items 0 and 2 are still in flight
    expect(stats.pulled).toBe(3) // and nothing new is pulled
    gates[0]!.fail(new Error('second'))
    gates[2]!.open()
    await pool
    expect((rejected as Error).message).toBe('first')
    expect(finished).toEqual([2])
    expect(stats.closed).toBe(true)
  })

  it('propagates an error thrown by the source itself', async () => {
    async function* broken() {
      yield 1
      throw new Error('bad row')
    }
    const seen: number[] = []
    await expect(
      runPool(broken(), async (item) => void seen.push(item), { concurrency: 2 }),
    ).rejects.toThrow('bad row')
    expect(seen).toEqual([1])
  })

  it('rejects a concurrency below 1', async () => {
    await expect(runPool([1], async () => {}, { concurrency: 0 })).rejects.toThrow(/Concurrency/)
  })
})
