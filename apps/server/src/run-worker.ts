import type { RunEngine } from '@assay/engine'

/**
 * The embedded worker of `assay start`: executes queued runs in this process, a few at a time,
 * in the order they were handed over. The engine does the work; this only schedules it.
 */
export type RunWorker = {
  enqueue(runId: string): void
  /** Runs waiting or executing. */
  size(): number
  /** Resolves once nothing is executing (after stops, on shutdown). */
  idle(): Promise<void>
}

export function createRunWorker(
  engine: RunEngine,
  options: { maxConcurrentRuns?: number; log?: (line: string) => void } = {},
): RunWorker {
  const max = options.maxConcurrentRuns ?? 2
  const waiting: string[] = []
  const active = new Map<string, Promise<unknown>>()

  function pump(): void {
    while (active.size < max && waiting.length > 0) {
      const runId = waiting.shift() as string
      if (active.has(runId)) continue
      const done = engine
        .execute(runId)
        .catch((error: unknown) => {
          options.log?.(
            `run ${runId} failed to execute: ${error instanceof Error ? error.message : String(error)}`,
          )
        })
        .finally(() => {
          active.delete(runId)
          pump()
        })
      active.set(runId, done)
    }
  }

  return {
    enqueue(runId) {
      if (!waiting.includes(runId) && !active.has(runId)) waiting.push(runId)
      pump()
    },
    size: () => waiting.length + active.size,
    async idle() {
      while (active.size > 0) await Promise.allSettled([...active.values()])
    },
  }
}
