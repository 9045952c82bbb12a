import { setMaxListeners } from 'node:events'
import { linkedController } from './linked-signal.js'

/**
 * The runs this process is executing, with the controllers that stop them. Stop is first a state
 * change in storage, then an abort here: every in-flight request of the run, column or cell is
 * aborted at once and no new one starts.
 */
export class RunControl {
  readonly controller = new AbortController()
  private readonly columns = new Map<string, AbortController>()
  private readonly cells = new Map<string, ReturnType<typeof linkedController>>()
  /** Cells stopped before they started: they are skipped when their turn comes. */
  private readonly stoppedCells = new Set<string>()

  constructor() {
    // Every cell in flight listens to the run's signal; hundreds at once is expected.
    setMaxListeners(0, this.controller.signal)
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  stop(reason: string): void {
    this.controller.abort(new Error(reason))
  }

  stopColumn(columnId: string): void {
    this.columnController(columnId).abort(new Error('column stopped'))
  }

  isColumnStopped(columnId: string): boolean {
    return this.columns.get(columnId)?.signal.aborted ?? false
  }

  /** Stops one cell: aborts it if it is running, or skips it when its turn comes. */
  stopCell(rowId: string, columnId: string): void {
    const key = `${rowId}\u0000${columnId}`
    this.stoppedCells.add(key)
    this.cells.get(key)?.abort(new Error('cell stopped'))
  }

  isCellStopped(rowId: string, columnId: string): boolean {
    return (
      this.stoppedCells.has(`${rowId}\u0000${columnId}`) ||
      this.isColumnStopped(columnId) ||
      this.signal.aborted
    )
  }

  /** The signal a cell's requests carry: aborted by a stop of the run, its column or itself. */
  cellSignal(rowId: string, columnId: string): AbortSignal {
    const key = `${rowId}\u0000${columnId}`
    const linked = linkedController([
      this.controller.signal,
      this.columnController(columnId).signal,
    ])
    this.cells.set(key, linked)
    return linked.signal
  }

  /** Forgets a finished cell's controller so memory stays flat over long runs. */
  releaseCell(rowId: string, columnId: string): void {
    const key = `${rowId}\u0000${columnId}`
    this.cells.get(key)?.dispose()
    this.cells.delete(key)
  }

  private columnController(columnId: string): AbortController {
    let controller = this.columns.get(columnId)
    if (!controller) {
      controller = new AbortController()
      setMaxListeners(0, controller.signal)
      this.columns.set(columnId, controller)
    }
    return controller
  }
}
