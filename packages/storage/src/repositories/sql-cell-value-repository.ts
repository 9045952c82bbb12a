import { AssayError, type CellValue, type CellValueRepository, CellValueSchema } from '@assay/core'
import type { Selectable } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { CellValuesTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul, parseInput } from './sql-checks.js'
import { rowIdOf, rowKeyOf } from './sql-row-id.js'

/** Row ids per `IN (…)` list: well under every dialect's parameter limit. */
const ROWS_PER_QUERY = 500

function toCellValue(record: Selectable<CellValuesTable>): CellValue {
  return {
    rowId: rowIdOf(record.row_id),
    columnId: record.column_id,
    value: record.value,
    editedBy: record.edited_by,
    editedAt: record.edited_at,
  }
}

/** Manual and human column values: one per (column, row), replaced on every edit. */
export function createSqlCellValueRepository(deps: SqlDeps): CellValueRepository {
  const { db } = deps

  return {
    async set(value) {
      const input = parseInput(CellValueSchema, value, 'cell value')
      checkNoNul('a cell value', [input.value])
      const rowKey = rowKeyOf(input.rowId)
      if (rowKey === undefined)
        throw new AssayError('not_found', `row ${input.rowId} does not exist`)
      return translateWrite(
        () =>
          db.transaction().execute(async (trx) => {
            const row = await trx
              .selectFrom('rows')
              .select('evaluation_id')
              .where('id', '=', rowKey)
              .executeTakeFirst()
            if (!row) throw new AssayError('not_found', `row ${input.rowId} does not exist`)
            const column = await trx
              .selectFrom('columns')
              .select('evaluation_id')
              .where('id', '=', input.columnId)
              .executeTakeFirst()
            if (!column) {
              throw new AssayError('not_found', `column ${input.columnId} does not exist`)
            }
            if (column.evaluation_id !== row.evaluation_id) {
              throw new AssayError(
                'invalid_input',
                'the row and the column belong to different evaluations',
              )
            }
            const record = await trx
              .insertInto('cell_values')
              .values({
                column_id: input.columnId,
                row_id: rowKey,
                value: input.value,
                edited_by: input.editedBy,
                edited_at: input.editedAt,
              })
              .onConflict((oc) =>
                oc.columns(['column_id', 'row_id']).doUpdateSet((eb) => ({
                  value: eb.ref('excluded.value'),
                  edited_by: eb.ref('excluded.edited_by'),
                  edited_at: eb.ref('excluded.edited_at'),
                })),
              )
              .returningAll()
              .executeTakeFirstOrThrow()
            return toCellValue(record)
          }),
        {
          conflict: 'the cell value changed at the same time; try again',
          notFound: `the row, column or user of this cell value does not exist`,
        },
      )
    },

    async get(rowId, columnId) {
      const rowKey = rowKeyOf(rowId)
      if (rowKey === undefined) return undefined
      const record = await db
        .selectFrom('cell_values')
        .selectAll()
        .where('column_id', '=', columnId)
        .where('row_id', '=', rowKey)
        .executeTakeFirst()
      return record ? toCellValue(record) : undefined
    },

    /** The stored values among `rowIds`, in the order of `rowIds` (absent ones left out). */
    async listForRows(columnId, rowIds) {
      const keys = [...new Set(rowIds)].map(rowKeyOf).filter((k): k is number => k !== undefined)
      const found = new Map<number, CellValue>()
      for (let start = 0; start < keys.length; start += ROWS_PER_QUERY) {
        const records = await db
          .selectFrom('cell_values')
          .selectAll()
          .where('column_id', '=', columnId)
          .where('row_id', 'in', keys.slice(start, start + ROWS_PER_QUERY))
          .execute()
        for (const record of records) found.set(record.row_id, toCellValue(record))
      }
      return keys.flatMap((k) => {
        const value = found.get(k)
        return value ? [value] : []
      })
    },
  }
}
