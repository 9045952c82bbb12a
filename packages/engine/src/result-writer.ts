import type { CachedAnswer, CellResult, Repositories } from '@assay/core'

export type WriterOptions = {
  /** A batch is written at once when it reaches this many results. */
  maxBatch: number
  /**
   * How long a result may wait for its batch: 0 writes at the next turn of the event loop
   * (everything finished in this turn goes in one transaction).
   */
  flushDelayMs: number
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = { maxBatch: 256, flushDelayMs: 0 }

type Waiting = { result: CellResult; resolve(stored: boolean): void; reject(error: unknown): void }

/**
 * Group commit for the engine's hot path. Finished cells and answers for the cache are buffered
 * and written in one transaction per batch (`putMany`) instead of one or two per cell; a batch
 * goes out at the next turn of the event loop (or after `flushDelayMs`), at once when it is
 * full, and one batch at a time, so while one is being written the next one fills up.
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
  private writing: Promise<void> | null = null
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null

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

  /** A cached answer: one waiting in the buffer, else the stored one. */
  async cached(key: string): Promise<CachedAnswer | undefined> {
    return this.cache.get(key) ?? this.repos.modelCache.get(key)
  }

  /** Keeps an answer for reuse with the next batch (the first one for a key stays). */
  cacheAnswer(key: string, answer: CachedAnswer): void {
    if (this.cache.has(key)) return
    this.cache.set(key, answer)
    this.schedule()
  }

  /** Writes everything buffered so far; resolves once it is committed. */
  async flush(): Promise<void> {
    for (;;) {
      this.cancelTimer()
      if (this.writing) await this.writing
      else if (this.results.length > 0 || this.cache.size > 0) await this.writeBatch()
      else return
    }
  }

  private schedule(): void {
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
      this.options.flushDelayMs > 0 ? setTimeout(run, this.options.flushDelayMs) : setImmediate(run)
  }

  private cancelTimer(): void {
    if (!this.timer) return
    clearTimeout(this.timer as NodeJS.Timeout)
    clearImmediate(this.timer as NodeJS.Immediate)
    this.timer = null
  }

  private writeBatch(): Promise<void> {
    const batch = this.results.splice(0, this.options.maxBatch)
    const answers = this.cache
    this.cache = new Map()
    const done = (async () => {
      if (answers.size > 0) {
        const entries = [...answers].map(([key, answer]) => ({ key, answer }))
        // Best effort: a failed cache write costs a later call, never a result.
        await this.repos.modelCache.putMany(entries).catch(() => {})
      }
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
      if (this.results.length > 0 || this.cache.size > 0) this.schedule()
    })
    return done
  }
}
