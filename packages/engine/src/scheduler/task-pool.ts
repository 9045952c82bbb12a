import { AssayError } from '@assay/core'

export type PoolOptions = {
  /** Items processed at once; also the most items pulled and not yet finished. */
  concurrency: number
  signal?: AbortSignal
}

/**
 * Runs `worker` over `items` with up to `concurrency` at a time, pulling lazily: an item is read
 * only when a worker is free, so at most `concurrency` items are out of the iterable at once
 * (bounded memory for 100k-row inputs). Items start in iteration order; reads are serialized.
 *
 * Once `signal` aborts, nothing new is pulled or started (an item read during the abort is
 * dropped) and the pool resolves after the started items finish; the caller checks the signal.
 * The first error (thrown by a worker or by the iterable) stops pulling too; it is rethrown after
 * the in-flight items finish. On an early stop the iterator's `return()` runs, so generators can
 * close their files.
 */
export async function runPool<T>(
  items: AsyncIterable<T> | Iterable<T>,
  worker: (item: T) => Promise<void>,
  options: PoolOptions,
): Promise<void> {
  const { concurrency, signal } = options
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new AssayError('invalid_input', 'Concurrency must be a whole number of at least 1', {
      position: { field: 'concurrency' },
    })
  }
  const iterator = isAsyncIterable(items) ? items[Symbol.asyncIterator]() : items[Symbol.iterator]()
  let finished = false
  let failure: { error: unknown } | null = null
  const stopped = () => finished || failure !== null || signal?.aborted === true

  const pullOne = async (): Promise<IteratorResult<T> | null> => {
    if (stopped()) return null
    try {
      const next = await iterator.next()
      if (next.done) {
        finished = true
        return null
      }
      return stopped() ? null : next
    } catch (error) {
      // A broken iterator is finished: no return() for it.
      finished = true
      failure ??= { error }
      return null
    }
  }
  // Reads one at a time: hand-written async iterators need not support overlapping next().
  let reading: Promise<unknown> = Promise.resolve()
  const pull = () => {
    const next = reading.then(pullOne)
    reading = next
    return next
  }

  const loop = async () => {
    for (;;) {
      const next = await pull()
      if (next === null) return
      try {
        await worker(next.value)
      } catch (error) {
        failure ??= { error }
      }
    }
  }

  const loops: Promise<void>[] = []
  for (let i = 0; i < concurrency; i++) loops.push(loop())
  await Promise.all(loops)
  if (!finished) {
    try {
      await iterator.return?.()
    } catch (error) {
      failure ??= { error }
    }
  }
  if (failure) throw failure.error
}

function isAsyncIterable<T>(items: AsyncIterable<T> | Iterable<T>): items is AsyncIterable<T> {
  return typeof (items as Partial<AsyncIterable<T>>)[Symbol.asyncIterator] === 'function'
}
