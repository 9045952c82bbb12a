import type { Column } from '../../domain/column.js'
import {
  checkImportHeader,
  checkImportRow,
  checkNoNul,
  checkPositiveInteger,
  dataHeaderOrder,
  throwIfImportAborted,
} from '../../domain/import-checks.js'
import type { Row } from '../../domain/row.js'
import { AssayError } from '../../errors.js'
import type { ImportedDataset, RowRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'

/**
 * The in-memory RowRepository. An import stages its rows and writes them (with the new data
 * columns and the row count) in one synchronous step at the end, so a throw or an abort leaves
 * nothing behind and two concurrent imports cannot interleave.
 */
export function createMemoryRowRepository(state: MemoryState, deps: MemoryDeps): RowRepository {
  function rowsOf(evaluationId: string, afterIndex: number): Row[] {
    const rows: Row[] = []
    for (const row of state.rows.values()) {
      if (row.evaluationId === evaluationId && row.index > afterIndex) rows.push(row)
    }
    return rows.sort((a, b) => a.index - b.index)
  }

  function dataColumnsOf(evaluationId: string): Column[] {
    return [...state.columns.values()]
      .filter((c) => c.evaluationId === evaluationId && c.config.kind === 'data')
      .sort((a, b) => a.position - b.position)
  }

  function requireEvaluation(evaluationId: string) {
    const evaluation = state.evaluations.get(evaluationId)
    if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
    return evaluation
  }

  /**
   * The columns the import writes to, and for each of them the header position of its value.
   * `check` only validates (it makes no ids).
   */
  function planColumns(evaluationId: string, header: readonly string[], check = false) {
    const existing = dataColumnsOf(evaluationId)
    if (existing.length > 0) {
      return { columns: existing, order: dataHeaderOrder(existing, header), created: false }
    }
    const others = [...state.columns.values()].filter((c) => c.evaluationId === evaluationId)
    const clash = header.find((name) => others.some((c) => c.name === name))
    if (clash !== undefined) {
      throw new AssayError('conflict', `the evaluation already has a column named "${clash}"`)
    }
    if (check) return { columns: [], order: null, created: true }
    const base = others.reduce((max, c) => Math.max(max, c.position + 1), 0)
    const createdAt = deps.clock.isoNow()
    const columns: Column[] = header.map((name, i) => ({
      id: deps.ids.next('col'),
      evaluationId,
      name,
      position: base + i,
      config: { kind: 'data' },
      createdAt,
    }))
    return { columns, order: null, created: true }
  }

  return {
    async importRows(evaluationId, header, batches, options = {}): Promise<ImportedDataset> {
      const { signal } = options
      checkImportHeader(header)
      throwIfImportAborted(signal)
      requireEvaluation(evaluationId)
      planColumns(evaluationId, header, true)

      const staged: string[][] = []
      let rowNumber = 0
      for await (const batch of batches) {
        throwIfImportAborted(signal)
        for (const values of batch) {
          rowNumber += 1
          checkImportRow(values, header, rowNumber)
          checkNoNul(values, header, rowNumber)
          staged.push([...values])
        }
      }
      throwIfImportAborted(signal)

      // Commit: nothing below awaits, so no other call sees a half-written import.
      const evaluation = requireEvaluation(evaluationId)
      const plan = planColumns(evaluationId, header)
      if (plan.created) for (const column of plan.columns) state.columns.set(column.id, column)
      let index = rowsOf(evaluationId, -1).reduce((max, r) => Math.max(max, r.index + 1), 0)
      for (const values of staged) {
        const id = deps.ids.next('row')
        const ordered = plan.order ? plan.order.map((i) => values[i] ?? '') : values
        state.rows.set(id, { id, evaluationId, index, values: ordered })
        index += 1
      }
      state.evaluations.set(evaluationId, {
        ...evaluation,
        rowCount: evaluation.rowCount + staged.length,
      })
      return { rows: staged.length, columns: plan.columns.map(copyColumn) }
    },

    async list(evaluationId, options) {
      checkPositiveInteger(options.limit, 'limit')
      return rowsOf(evaluationId, options.afterIndex ?? -1)
        .slice(0, options.limit)
        .map(copyRow)
    },

    async get(rowId) {
      const row = state.rows.get(rowId)
      return row ? copyRow(row) : undefined
    },

    async count(evaluationId) {
      return state.evaluations.get(evaluationId)?.rowCount ?? 0
    },

    async *stream(evaluationId, options = {}) {
      const pageSize = options.pageSize ?? 1000
      checkPositiveInteger(pageSize, 'pageSize')
      let afterIndex = -1
      for (;;) {
        const page = rowsOf(evaluationId, afterIndex).slice(0, pageSize).map(copyRow)
        for (const row of page) yield row
        const last = page[page.length - 1]
        if (page.length < pageSize || last === undefined) return
        afterIndex = last.index
      }
    },
  }
}

function copyRow(row: Row): Row {
  return { ...row, values: [...row.values] }
}

function copyColumn(column: Column): Column {
  return { ...column, config: { ...column.config } as Column['config'] }
}
