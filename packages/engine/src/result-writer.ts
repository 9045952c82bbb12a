import type { CachedAnswer, CellResult, Repositories } from '@assay/core'

export type WriterOptions = {
  /** A batch is written at once when it reaches this many results. */
  maxBatch: number
  /**
   * How long a result may wait for its batch: 0 writes at the next turn of the event loop
   * (everything finished in this turn goes in one transaction).
   */
  flushDelayMs: number
  /**
   * How long answers for the cache may wait (they are served from the buffer meanwhile): far
   * fewer commits than writing them with every batch of results.
   */
  cacheFlushDelayMs: number
}

/**
 * Results go out at the next turn of the event loop: a row waits for its batch before it is
 * done, so a timer here would cap a run without model calls (metrics only) at rows in flight
 * per delay (measured: 10 ms held a 100,000-row exact-match run near 550 cells/s). Under load
 * batches grow by themselves, since the next one fills while one is written. Answers for the
 * cache are served from the buffer meanwhile, so they can wait and share fewer commits.
 */
export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  maxBatch: 512,
  flushDelayMs: 0,
  cacheFlushDelayMs: 200,
}

type Waiting = { result: CellResult; resolve(stored: boolean): void; reject(error: unknown): void }

/**
 * Group commit for the engine's hot path. Finished cells and answers for the cache are buffered
 * and written in one transaction per batch (`putMany`) instead of one or two per cell: results
 * after `flushDelayMs` (at once when the batch is full), answers for the cache after the longer
 * `cacheFlushDelayMs`; one write at a time, so while one is being written the next one fills up.
 * Cache lookups made in one turn of the event loop are read together too.
 *
 * A cell's `put` resolves only once its batch is committed (with whether it was stored), so
 * nothing is counted, shown or relied upon before it is durable, and a run's final state is
 * written only after its cells' batches. A crash loses at most the batch not yet written: those
 * cells were never stored, so a resume runs them again. Answers waiting for the cache are
 * served from the buffer meanwhile; cache writes are best effort, as before.
 */
export class ResultWriter {
  private results: Waiting[] = []
  private cache = new Map<string, CachedAnswer>()
  /** Answers of the batch being written (readable until they are committed). */
  private writingCache = new Map<string, CachedAnswer>()
  private writing: Promise<void> | null = null
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null
  /** Set while answers for the cache wait for their own (longer) delay. */
  private cacheTimer: NodeJS.Timeout | null = null
  /** The answers for the cache go with the next write. */
  private cacheDue = false
  /** Cache lookups waiting for the next read batch, by key. */
  private lookups = new Map<string, ((answer: CachedAnswer | undefined) => void)[]>()
  private reading = false

  constructor(
    private readonly repos: Pick<Repositories, 'cellResults' | 'modelCache'>,
    private readonly options: WriterOptions = DEFAULT_WRITER_OPTIONS,
  ) {}

  /** Stores a cell result with the next batch; resolves false when its key was already stored. */
  put(result: CellResult): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.results.push({ result, resolve, reject })
      this.schedule()
    })
  }

  /**
   * A cached answer: one waiting in the buffer, else the stored one. Lookups made in the same
   * turn of the event loop are read together (`getMany`); a failed read is a miss.
   */
  cached(key: string): Promise<CachedAnswer | undefined> {
    const buffered = this.cache.get(key) ?? this.writingCache.get(key)
    if (buffered) return Promise.resolve(buffered)
    return new Promise((resolve) => {
      const waiting = this.lookups.get(key)
      if (waiting) waiting.push(resolve)
      else this.lookups.set(key, [resolve])
      if (!this.reading) {
        this.reading = true
        setImmediate(() => void this.readBatch())
      }
    })
  }

  private async readBatch(): Promise<void> {
    const lookups = this.lookups
    this.lookups = new Map()
    this.reading = false
    let found: Map<string, CachedAnswer>
    try {
      found = await this.repos.modelCache.getMany([...lookups.keys()])
    } catch {
      found = new Map()
    }
    for (const [key, waiting] of lookups) {
      const answer = found.get(key) ?? this.cache.get(key) ?? this.writingCache.get(key)
      for (const resolve of waiting) resolve(answer)
    }
  }

  /** Keeps an answer for reuse with the next batch (the first one for a key stays). */
  cacheAnswer(key: string, answer: CachedAnswer): void {
    if (this.cache.has(key)) return
    this.cache.set(key, answer)
    if (this.cache.size >= this.options.maxBatch) this.cacheDue = true
    if (this.cacheDue) this.schedule(true)
    else
      this.cacheTimer ??= setTimeout(() => {
        this.cacheTimer = null
        this.cacheDue = true
        this.schedule(true)
      }, this.options.cacheFlushDelayMs)
  }

  /** Writes everything buffered so far; resolves once it is committed. */
  async flush(): Promise<void> {
    for (;;) {
      this.cancelTimer()
      this.cacheDue = this.cache.size > 0
      if (this.writing) await this.writing
      else if (this.results.length > 0 || this.cache.size > 0) await this.writeBatch()
      else return
    }
  }

  /** Plans the next write; `now`: at the next turn of the event loop, without the delay. */
  private schedule(now = false): void {
    if (this.writing) return // the batch being written schedules the next one
    if (this.results.length >= this.options.maxBatch) {
      this.cancelTimer()
      void this.writeBatch()
      return
    }
    if (this.timer) return
    const run = () => {
      this.timer = null
      if (!this.writing) void this.writeBatch()
    }
    this.timer =
      this.options.flushDelayMs > 0 && !now
        ? setTimeout(run, this.options.flushDelayMs)
        : setImmediate(run)
  }

  private cancelTimer(): void {
    if (!this.timer) return
    clearTimeout(this.timer as NodeJS.Timeout)
    clearImmediate(this.timer as NodeJS.Immediate)
    this.timer = null
  }

  private writeBatch(): Promise<void> {
    const batch = this.results.splice(0, this.options.maxBatch)
    let answers = new Map<string, CachedAnswer>()
    if (this.cacheDue) {
      answers = this.cache
      this.cache = new Map()
      this.cacheDue = false
      if (this.cacheTimer) clearTimeout(this.cacheTimer)
      this.cacheTimer = null
    }
    this.writingCache = answers
    const done = (async () => {
      if (answers.size > 0) {
        const entries = [...answers].map(([key, answer]) => ({ key, answer }))
        // Best effort: a failed cache write costs a later call, never a result.
        await this.repos.modelCache.putMany(entries).catch(() => {})
      }
      this.writingCache = new Map()
      if (batch.length === 0) return
      try {
        const stored = await this.repos.cellResults.putMany(batch.map((w) => w.result))
        for (const [i, w] of batch.entries()) w.resolve(stored[i] === true)
      } catch (error) {
        for (const w of batch) w.reject(error)
      }
    })()
    this.writing = done
    void done.finally(() => {
      this.writing = null
      if (this.results.length > 0 || this.cacheDue) this.schedule(this.cacheDue)
    })
    return done
  }
}
