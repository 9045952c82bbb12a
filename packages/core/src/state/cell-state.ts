import type { CellStatus } from '../domain/cell.js'
import { err, ok, type Result } from '../result.js'

export type CellEvent = 'start' | 'finish' | 'fail' | 'stop' | 'skip' | 'requeue' | 'retry'

const TRANSITIONS: Record<CellEvent, { from: readonly CellStatus[]; to: CellStatus }> = {
  start: { from: ['pending'], to: 'running' },
  finish: { from: ['running'], to: 'done' },
  fail: { from: ['running'], to: 'error' },
  stop: { from: ['pending', 'running'], to: 'stopped' },
  skip: { from: ['pending'], to: 'skipped' },
  // A cell whose worker died, or a stopped cell on resume, goes back to the queue.
  requeue: { from: ['running', 'stopped'], to: 'pending' },
  retry: { from: ['error'], to: 'pending' },
}

export function transitionCell(status: CellStatus, event: CellEvent): Result<CellStatus> {
  const rule = TRANSITIONS[event]
  if (!rule.from.includes(status)) {
    return err({ code: 'invalid_state', message: `a ${status} cell cannot ${event}` })
  }
  return ok(rule.to)
}

/** Finished cells are never executed again within the same run. */
export function isFinishedCellStatus(status: CellStatus): boolean {
  return status === 'done' || status === 'error' || status === 'skipped'
}
