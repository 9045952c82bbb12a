import type { CellResult, Run } from '@assay/core'

/** Counts of a run's cells, as shown in progress and in the CLI's final summary. */
export type CellCounts = {
  /** Cells the run covers (rows × columns in its scope, minus cells already finished elsewhere). */
  total: number
  done: number
  error: number
  /** Done cells answered from the cache (also counted in `done`). */
  cached: number
  /** Cells not finished because the run, their column or the cell itself was stopped. */
  stopped: number
  /** Not started yet. */
  pending: number
}

export type BackoffState = {
  connectionId: string
  connectionName: string
  inFlight: number
  queued: number
  /** When a 429 or 5xx paused the connection, until when (epoch ms); null when not paused. */
  pausedUntil: number | null
}

export type RunProgress = {
  runId: string
  status: Run['status']
  rows: { total: number; processed: number }
  cells: CellCounts
  /** Model calls that returned an answer (re-asks and RAG steps each count). */
  generations: number
  tokens: { input: number; output: number }
  /** Null when a price is unknown: an unknown cost is never shown as 0. */
  cost: number | null
  elapsedMs: number
  /** Cells finished per second over the current segment. */
  cellsPerSecond: number
  backoff: BackoffState[]
}

/** Everything the engine reports; the CLI renders it as a progress bar, the server as SSE. */
export type RunEvent =
  | { type: 'status'; run: Run }
  | { type: 'progress'; progress: RunProgress }
  | { type: 'cell'; runId: string; result: CellResult; columnName: string }
  | {
      type: 'backoff'
      runId: string
      connectionId: string
      attempt: number
      delayMs: number
      reason: string
    }

export type RunEventListener = (event: RunEvent) => void
