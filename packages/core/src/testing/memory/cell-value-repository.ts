import type { CellValue } from '../../domain/cell.js'
import { AssayError } from '../../errors.js'
import type { CellValueRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'

const key = (columnId: string, rowId: string) => `${columnId}\u0000${rowId}`

/** The in-memory CellValueRepository: one value per (column, row), replaced on every edit. */
export function createMemoryCellValueRepository(
  state: MemoryState,
  _deps: MemoryDeps,
): CellValueRepository {
  return {
    async set(input) {
      if (input.value?.includes('\u0000')) {
        throw new AssayError('invalid_input', 'a cell value cannot contain a NUL character')
      }
      const row = state.rows.get(input.rowId)
      if (!row) throw new AssayError('not_found', `row ${input.rowId} does not exist`)
      const column = state.columns.get(input.columnId)
      if (!column) throw new AssayError('not_found', `column ${input.columnId} does not exist`)
      if (column.evaluationId !== row.evaluationId) {
        throw new AssayError('invalid_input', 'the row and the column belong to different evaluations')
      }
      if (input.editedBy !== null && !state.users.has(input.editedBy)) {
        throw new AssayError('not_found', `user ${input.editedBy} does not exist`)
      }
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
