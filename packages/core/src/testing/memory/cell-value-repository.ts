import { type CellValue, CellValueSchema } from '../../domain/cell.js'
import { AssayError } from '../../errors.js'
import type { CellValueRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { checkNoNul, parseInput, requireUser } from './checks.js'

const key = (columnId: string, rowId: string) => `${columnId}\u0000${rowId}`

/** The in-memory CellValueRepository: one value per (column, row), replaced on every edit. */
export function createMemoryCellValueRepository(
  state: MemoryState,
  _deps: MemoryDeps,
): CellValueRepository {
  return {
    async set(value) {
      const input = parseInput(CellValueSchema, value, 'cell value')
      checkNoNul('a cell value', [input.value])
      const row = state.rows.get(input.rowId)
      if (!row) throw new AssayError('not_found', `row ${input.rowId} does not exist`)
      const column = state.columns.get(input.columnId)
      if (!column) throw new AssayError('not_found', `column ${input.columnId} does not exist`)
      if (column.evaluationId !== row.evaluationId) {
        throw new AssayError(
          'invalid_input',
          'the row and the column belong to different evaluations',
        )
      }
      requireUser(state, input.editedBy)
      const stored: CellValue = {
        rowId: input.rowId,
        columnId: input.columnId,
        value: input.value,
        editedBy: input.editedBy,
        editedAt: input.editedAt,
      }
      state.cellValues.set(key(input.columnId, input.rowId), stored)
      return { ...stored }
    },

    async get(rowId, columnId) {
      const value = state.cellValues.get(key(columnId, rowId))
      return value ? { ...value } : undefined
    },

    async listForRows(columnId, rowIds) {
      const values: CellValue[] = []
      for (const rowId of new Set(rowIds)) {
        const value = state.cellValues.get(key(columnId, rowId))
        if (value) values.push({ ...value })
      }
      return values
    },
  }
}
