import { setMaxListeners } from 'node:events'

/**
 * How long a stop waits before aborting requests already sent. New requests are refused at once;
 * answers already delivered to this process in that window are read, stored and counted, since
 * the provider generated (and billed) them.
 */
export const STOP_DRAIN_MS = 50

/** A stop in two steps: `gate` refuses new work at once, `requests` aborts sent requests soon after. */
export type StopSignals = { gate: AbortSignal; requests: AbortSignal }

/** The two controllers of a run, a column or a cell. */
class StopPair {
  readonly gate = new AbortController()
  readonly requests = new AbortController()

  /** For the run's and columns' pairs, which many waiters may listen to at once. */
  unlimited(): this {
    setMaxListeners(0, this.gate.signal)
    setMaxListeners(0, this.requests.signal)
    return this
  }
}

type Cell = { columnId: string; pair: StopPair }

/**
 * The stop controls of a run executing in this process. Stop is first a state change in storage,
 * then this: no new request starts from that moment, and every request of the run, column or
 * cell still waiting for its answer is aborted right after.
 *
 * Each running cell has its own pair of controllers, registered here; a stop of the run or of a
 * column aborts the pairs of its running cells directly (and a cell started later begins
 * aborted), so a cell costs two controllers and no listener on a long-lived signal.
 */
export class RunControl {
  private readonly run = new StopPair().unlimited()
  private readonly columns = new Map<string, StopPair>()
  private readonly cells = new Map<string, Cell>()
  /** Cells stopped before they started: they are skipped when their turn comes. */
  private readonly stoppedCells = new Set<string>()

  constructor(private readonly drainMs = STOP_DRAIN_MS) {}

  /** Aborted as soon as the run is stopped: nothing new may start. */
  get signal(): AbortSignal {
    return this.run.gate.signal
  }

  stop(reason: string): void {
    this.stopPairs(this.run, reason, () => true)
  }

  stopColumn(columnId: string): void {
    this.stopPairs(this.column(columnId), 'column stopped', (cell) => cell.columnId === columnId)
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
      cell.pair.gate.abort(error)
      this.later(() => cell.pair.requests.abort(error))
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
    const pair = new StopPair()
    // Begun after a stop: aborted like the cells that were running then.
    for (const parent of [this.run, column]) {
      if (parent.gate.signal.aborted && !pair.gate.signal.aborted)
        pair.gate.abort(parent.gate.signal.reason)
      if (parent.requests.signal.aborted && !pair.requests.signal.aborted)
        pair.requests.abort(parent.requests.signal.reason)
    }
    this.cells.set(key, { columnId, pair })
    return { gate: pair.gate.signal, requests: pair.requests.signal }
  }

  /** Forgets a finished cell's controllers so memory stays flat over long runs. */
  releaseCell(rowId: string, columnId: string): void {
    this.cells.delete(`${rowId}\u0000${columnId}`)
  }

  /** Closes `parent`'s gate and its running cells' at once, their requests after the drain. */
  private stopPairs(parent: StopPair, reason: string, owns: (cell: Cell) => boolean): void {
    if (parent.gate.signal.aborted) return
    const error = new Error(reason)
    parent.gate.abort(error)
    for (const cell of this.cells.values()) if (owns(cell)) cell.pair.gate.abort(error)
    this.later(() => {
      parent.requests.abort(error)
      // The cells running now, including any begun since (they began aborted anyway).
      for (const cell of this.cells.values()) if (owns(cell)) cell.pair.requests.abort(error)
    })
  }

  private later(action: () => void): void {
    if (this.drainMs <= 0) action()
    else setTimeout(action, this.drainMs).unref?.()
  }

  private column(columnId: string): StopPair {
    let pair = this.columns.get(columnId)
    if (!pair) {
      pair = new StopPair().unlimited()
      this.columns.set(columnId, pair)
    }
    return pair
  }
}
