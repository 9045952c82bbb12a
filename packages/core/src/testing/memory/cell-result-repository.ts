import {
  CELL_STATUSES,
  type CellResult,
  CellResultSchema,
  type CellStatus,
} from '../../domain/cell.js'
import { AssayError } from '../../errors.js'
import type { CellResultRepository, RunCellCounts } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { checkNoNul, compareText, parseInput } from './checks.js'

const key = (runId: string, columnId: string, rowId: string) =>
  `${runId}\u0000${columnId}\u0000${rowId}`

function copyResult(result: CellResult): CellResult {
  return { ...result, error: result.error ? { ...result.error } : null }
}

/** The texts of a result that PostgreSQL stores as text, which cannot hold NUL. */
function cellResultTexts(result: CellResult): (string | null)[] {
  return [
    typeof result.value === 'string' ? result.value : null,
    result.explanation,
    result.raw,
    result.model,
    result.promptHash,
    result.error?.code ?? null,
    result.error?.message ?? null,
  ]
}

/** True when `a` is more recent than `b`: later finishedAt, then the greater run id (as SQL sorts). */
function isLater(a: CellResult, b: CellResult): boolean {
  return (compareText(a.finishedAt, b.finishedAt) || compareText(a.runId, b.runId)) > 0
}

/**
 * The in-memory CellResultRepository: a result is stored once per (run, row, column) and its
 * usage is added to the run's totals in the same synchronous step.
 */
export function createMemoryCellResultRepository(
  state: MemoryState,
  _deps: MemoryDeps,
): CellResultRepository {
  /** Every check `put` makes, before anything is written (so a batch is all or nothing). */
  function checked(input: CellResult): CellResult {
    const result = parseInput(CellResultSchema, input, 'cell result')
    checkNoNul('a cell result', cellResultTexts(result))
    if (!state.runs.has(result.runId))
      throw new AssayError('not_found', `run ${result.runId} does not exist`)
    if (!state.rows.has(result.rowId)) {
      throw new AssayError('not_found', `row ${result.rowId} does not exist`)
    }
    if (!state.columns.has(result.columnId)) {
      throw new AssayError('not_found', `column ${result.columnId} does not exist`)
    }
    return result
  }

  /** Stores a checked result unless its key exists, adding its usage to the run. */
  function store(result: CellResult): boolean {
    const run = state.runs.get(result.runId)
    if (!run) throw new AssayError('not_found', `run ${result.runId} does not exist`)
    const k = key(result.runId, result.columnId, result.rowId)
    if (state.cellResults.has(k)) return false
    state.cellResults.set(k, copyResult(result))
    const tokens = result.tokensIn + result.tokensOut
    const cost =
      result.cost !== null
        ? run.cost === null
          ? null
          : run.cost + result.cost
        : tokens > 0
          ? null
          : run.cost
    state.runs.set(run.id, {
      ...run,
      tokensIn: run.tokensIn + result.tokensIn,
      tokensOut: run.tokensOut + result.tokensOut,
      cost,
    })
    return true
  }

  return {
    async put(input) {
      return store(checked(input))
    },

    async putMany(inputs) {
      const results = inputs.map(checked)
      return results.map(store)
    },

    async get(runId, rowId, columnId) {
      const result = state.cellResults.get(key(runId, columnId, rowId))
      return result ? copyResult(result) : undefined
    },

    async listForRun(runId, options = {}) {
      const { columnId } = options
      const rowIndex = (rowId: string) => state.rows.get(rowId)?.index ?? -1
      return [...state.cellResults.values()]
        .filter((r) => r.runId === runId && (columnId === undefined || r.columnId === columnId))
        .sort(
          (a, b) =>
            rowIndex(a.rowId) - rowIndex(b.rowId) ||
            (a.columnId < b.columnId ? -1 : a.columnId > b.columnId ? 1 : 0),
        )
        .map(copyResult)
    },

    async listForRunRows(runId, rowIds) {
      const rows = new Set(rowIds)
      return [...state.cellResults.values()]
        .filter((r) => r.runId === runId && rows.has(r.rowId))
        .map(copyResult)
    },

    async latestForRows(columnIds, rowIds) {
      const columns = new Set(columnIds)
      const rows = new Set(rowIds)
      const latest = new Map<string, CellResult>()
      for (const result of state.cellResults.values()) {
        if (
          (result.status !== 'done' && result.status !== 'error') ||
          !columns.has(result.columnId) ||
          !rows.has(result.rowId)
        ) {
          continue
        }
        const k = `${result.columnId}\u0000${result.rowId}`
        const found = latest.get(k)
        if (!found || isLater(result, found)) latest.set(k, result)
      }
      return [...latest.values()].map(copyResult)
    },

    async countForRun(runId) {
      let count = 0
      for (const result of state.cellResults.values()) if (result.runId === runId) count += 1
      return count
    },

    async countsForRun(runId, options = {}) {
      const columns = options.columnIds ? new Set(options.columnIds) : null
      const byStatus = Object.fromEntries(CELL_STATUSES.map((s) => [s, 0])) as Record<
        CellStatus,
        number
      >
      const counts: RunCellCounts = {
        byStatus,
        cached: 0,
        generations: 0,
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
        unknownCost: 0,
        rows: 0,
        finishedRows: 0,
      }
      const finishedPerRow = new Map<string, number>()
      const finishedColumns = new Set<string>()
      for (const result of state.cellResults.values()) {
        if (result.runId !== runId || (columns !== null && !columns.has(result.columnId))) continue
        byStatus[result.status]++
        const tokens = result.tokensIn + result.tokensOut
        counts.tokensIn += result.tokensIn
        counts.tokensOut += result.tokensOut
        if (result.cost !== null) counts.cost += result.cost
        else if (tokens > 0) counts.unknownCost++
        if (result.status === 'done' && result.cached) counts.cached++
        if (result.status !== 'done' && result.status !== 'error') continue
        if (tokens > 0) counts.generations++
        finishedPerRow.set(result.rowId, (finishedPerRow.get(result.rowId) ?? 0) + 1)
        finishedColumns.add(result.columnId)
      }
      const every = columns !== null ? columns.size : finishedColumns.size
      counts.rows = finishedPerRow.size
      for (const n of finishedPerRow.values()) if (n >= every) counts.finishedRows++
      return counts
    },
  }
}
