import type { CachedAnswer, CellResult, Repositories } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { ResultWriter } from './result-writer.js'
import { delay, settle } from './test-fixtures.js'

function result(i: number, patch: Partial<CellResult> = {}): CellResult {
  return {
    runId: 'run_1',
    rowId: String(i),
    columnId: 'col_1',
    status: 'done',
    value: 1,
    pass: null,
    explanation: null,
    raw: null,
    tokensIn: 1,
    tokensOut: 1,
    cost: 0,
    latencyMs: 1,
    attempts: 1,
    error: null,
    model: null,
    promptHash: null,
    cached: false,
    finishedAt: '2026-01-01T00:00:00.000Z',
    ...patch,
  }
}

const answer = (text: string): CachedAnswer => ({
  text,
  inputTokens: 1,
  outputTokens: 1,
  model: 'm',
})

/** Storage that records each batch and can be made slow or failing. */
function recordingRepos(options: { writeMs?: number; fail?: (batch: number) => boolean } = {}) {
  const batches: CellResult[][] = []
  const cacheBatches: { key: string; answer: CachedAnswer }[][] = []
  const stored = new Set<string>()
  const cache = new Map<string, CachedAnswer>()
  const reads: string[][] = []
  let inFlight = 0
  let maxInFlight = 0
  const repos = {
    cellResults: {
      async putMany(results: readonly CellResult[]) {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        try {
          const index = batches.length
          batches.push([...results])
          if (options.writeMs) await delay(options.writeMs)
          if (options.fail?.(index)) throw new Error('disk full')
          return results.map((r) => {
            const key = `${r.runId}/${r.rowId}/${r.columnId}`
            if (stored.has(key)) return false
            stored.add(key)
            return true
          })
        } finally {
          inFlight--
        }
      },
    },
    modelCache: {
      async getMany(keys: readonly string[]) {
        reads.push([...keys])
        const found = new Map<string, CachedAnswer>()
        for (const key of keys) {
          const answer = cache.get(key)
          if (answer) found.set(key, answer)
        }
        return found
      },
      async putMany(entries: readonly { key: string; answer: CachedAnswer }[]) {
        cacheBatches.push([...entries])
        for (const { key, answer } of entries) if (!cache.has(key)) cache.set(key, answer)
      },
    },
  } as unknown as Pick<Repositories, 'cellResults' | 'modelCache'>
  return { repos, batches, cacheBatches, cache, reads, maxInFlight: () => maxInFlight }
}

describe('ResultWriter (group commit)', () => {
  it('writes everything put in one turn of the event loop as one batch, and says what was stored', async () => {
    const r = recordingRepos()
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 0,
      cacheFlushDelayMs: 0,
    })
    const puts = [writer.put(result(1)), writer.put(result(2)), writer.put(result(1))]
    expect(r.batches).toHaveLength(0) // nothing written synchronously
    expect(await Promise.all(puts)).toEqual([true, true, false])
    expect(r.batches.map((b) => b.length)).toEqual([3])
  })

  it('writes a full batch at once and keeps one write in flight at a time', async () => {
    const r = recordingRepos({ writeMs: 20 })
    const writer = new ResultWriter(r.repos, { maxBatch: 4, flushDelayMs: 0, cacheFlushDelayMs: 0 })
    const puts = Array.from({ length: 10 }, (_, i) => writer.put(result(i)))
    await Promise.all(puts)
    expect(r.batches.map((b) => b.length)).toEqual([4, 4, 2])
    expect(r.maxInFlight()).toBe(1)
  })

  it('fills the next batch while one is being written', async () => {
    const r = recordingRepos({ writeMs: 30 })
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 0,
      cacheFlushDelayMs: 0,
    })
    const first = writer.put(result(0))
    await delay(10) // the first batch is being written
    const more = [1, 2, 3].map((i) => writer.put(result(i)))
    await Promise.all([first, ...more])
    expect(r.batches.map((b) => b.length)).toEqual([1, 3])
  })

  it('waits flushDelayMs before writing, to gather more', async () => {
    const r = recordingRepos()
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 30,
      cacheFlushDelayMs: 0,
    })
    const first = writer.put(result(0))
    await delay(10)
    expect(r.batches).toHaveLength(0)
    const second = writer.put(result(1))
    await Promise.all([first, second])
    expect(r.batches.map((b) => b.length)).toEqual([2])
  })

  it('rejects every put of a batch that failed, and goes on with the next', async () => {
    const r = recordingRepos({ fail: (batch) => batch === 0 })
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 0,
      cacheFlushDelayMs: 0,
    })
    const failed = [writer.put(result(0)), writer.put(result(1))]
    await expect(failed[0]).rejects.toThrow('disk full')
    await expect(failed[1]).rejects.toThrow('disk full')
    expect(await writer.put(result(2))).toBe(true)
  })

  it('serves cached answers from the buffer before they are written, keeping the first', async () => {
    const r = recordingRepos({ writeMs: 20 })
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 0,
      cacheFlushDelayMs: 0,
    })
    writer.cacheAnswer('k1', answer('first'))
    writer.cacheAnswer('k1', answer('second'))
    expect(await writer.cached('k1')).toEqual(answer('first'))
    expect(await writer.cached('k2')).toBeUndefined()
    await writer.flush()
    expect(r.cacheBatches).toEqual([[{ key: 'k1', answer: answer('first') }]])
    expect(await writer.cached('k1')).toEqual(answer('first'))
  })

  it('flush writes what is buffered and waits for the write in flight', async () => {
    const r = recordingRepos({ writeMs: 20 })
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 10_000,
      cacheFlushDelayMs: 10_000,
    })
    let stored = false
    void writer.put(result(0)).then(() => {
      stored = true
    })
    writer.cacheAnswer('k', answer('a'))
    await writer.flush()
    await settle(1)
    expect(stored).toBe(true)
    expect(r.batches).toHaveLength(1)
    expect(r.cacheBatches).toHaveLength(1)
    // Nothing left: a second flush writes nothing.
    await writer.flush()
    expect(r.batches).toHaveLength(1)
  })

  it('reads the cache lookups of one turn of the event loop together', async () => {
    const r = recordingRepos()
    r.cache.set('a', answer('stored a'))
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 0,
      cacheFlushDelayMs: 0,
    })
    const found = await Promise.all([
      writer.cached('a'),
      writer.cached('b'),
      writer.cached('a'),
      writer.cached('c'),
    ])
    expect(found).toEqual([answer('stored a'), undefined, answer('stored a'), undefined])
    expect(r.reads).toEqual([['a', 'b', 'c']])
  })

  it('writes answers for the cache after their own longer delay, not with every batch', async () => {
    const r = recordingRepos()
    const writer = new ResultWriter(r.repos, {
      maxBatch: 100,
      flushDelayMs: 0,
      cacheFlushDelayMs: 60,
    })
    writer.cacheAnswer('k1', answer('one'))
    expect(await writer.put(result(1))).toBe(true)
    writer.cacheAnswer('k2', answer('two'))
    expect(await writer.put(result(2))).toBe(true)
    expect(r.cacheBatches).toHaveLength(0)
    expect(await writer.cached('k2')).toEqual(answer('two'))
    await delay(90)
    expect(r.cacheBatches.map((b) => b.map((e) => e.key))).toEqual([['k1', 'k2']])
    expect(r.batches).toHaveLength(2)
  })
})
