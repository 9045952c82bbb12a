import { setMaxListeners } from 'node:events'
import { linkedController } from './linked-signal.js'

/**
 * How long a stop waits before aborting requests already sent. New requests are refused at once;
 * answers already delivered to this process in that window are read, stored and counted, since
 * the provider generated (and billed) them.
 */
export const STOP_DRAIN_MS = 50

/** A stop in two steps: `gate` refuses new work at once, `requests` aborts sent requests soon after. */
export type StopSignals = { gate: AbortSignal; requests: AbortSignal }

class StopPair {
  readonly gate = new AbortController()
  readonly requests = new AbortController()

  constructor() {
    // Every cell in flight listens to these; hundreds at once is expected.
    setMaxListeners(0, this.gate.signal)
    setMaxListeners(0, this.requests.signal)
  }

  stop(reason: string, drainMs: number): void {
    if (this.gate.signal.aborted) return
    const error = new Error(reason)
    this.gate.abort(error)
    if (drainMs <= 0) this.requests.abort(error)
    else setTimeout(() => this.requests.abort(error), drainMs).unref?.()
  }
}

/**
 * The stop controls of a run executing in this process. Stop is first a state change in storage,
 * then this: no new request starts from that moment, and every request of the run, column or
 * cell still waiting for its answer is aborted right after.
 */
export class RunControl {
  private readonly run = new StopPair()
  private readonly columns = new Map<string, StopPair>()
  private readonly cells = new Map<
    string,
    { gate: ReturnType<typeof linkedController>; requests: ReturnType<typeof linkedController> }
  >()
  /** Cells stopped before they started: they are skipped when their turn comes. */
  private readonly stoppedCells = new Set<string>()

  constructor(private readonly drainMs = STOP_DRAIN_MS) {}

  /** Aborted as soon as the run is stopped: nothing new may start. */
  get signal(): AbortSignal {
    return this.run.gate.signal
  }

  stop(reason: string): void {
    this.run.stop(reason, this.drainMs)
  }

  stopColumn(columnId: string): void {
    this.column(columnId).stop('column stopped', this.drainMs)
  }

  isColumnStopped(columnId: string): boolean {
    return this.columns.get(columnId)?.gate.signal.aborted ?? false
  }

  /** Stops one cell: aborts it if it is running, or skips it when its turn comes. */
  stopCell(rowId: string, columnId: string): void {
    const key = `${rowId}\u0000${columnId}`
    this.stoppedCells.add(key)
    const cell = this.cells.get(key)
    if (cell) {
      const error = new Error('cell stopped')
      cell.gate.abort(error)
      setTimeout(() => cell.requests.abort(error), this.drainMs).unref?.()
    }
  }

  isCellStopped(rowId: string, columnId: string): boolean {
    return (
      this.stoppedCells.has(`${rowId}\u0000${columnId}`) ||
      this.isColumnStopped(columnId) ||
      this.signal.aborted
    )
  }

  /** The signals a cell's work carries: aborted by a stop of the run, its column or itself. */
  cellSignals(rowId: string, columnId: string): StopSignals {
    const key = `${rowId}\u0000${columnId}`
    const column = this.column(columnId)
    const gate = linkedController([this.run.gate.signal, column.gate.signal])
    const requests = linkedController([this.run.requests.signal, column.requests.signal])
    this.cells.set(key, { gate, requests })
    return { gate: gate.signal, requests: requests.signal }
  }

  /** Forgets a finished cell's controllers so memory stays flat over long runs. */
  releaseCell(rowId: string, columnId: string): void {
    const key = `${rowId}\u0000${columnId}`
    const cell = this.cells.get(key)
    cell?.gate.dispose()
    cell?.requests.dispose()
    this.cells.delete(key)
  }

  private column(columnId: string): StopPair {
    let pair = this.columns.get(columnId)
    if (!pair) {
      pair = new StopPair()
      this.columns.set(columnId, pair)
    }
    return pair
  }
}
