import {
  AssayError,
  type Column,
  type ColumnConfig,
  ColumnConfigSchema,
  ColumnNameSchema,
  type ColumnRepository,
  ColumnSchema,
} from '@assay/core'
import type { Selectable } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { ColumnsTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { parseInput, parseJson, parseStored } from './sql-checks.js'

function toColumn(record: Selectable<ColumnsTable>): Column {
  const what = `column ${record.id}`
  return parseStored(
    ColumnSchema,
    {
      id: record.id,
      evaluationId: record.evaluation_id,
      name: record.name,
      position: Number(record.position),
      config: parseJson(record.config, `configuration of ${what}`),
      createdAt: record.created_at,
    },
    what,
  )
}

function parseConfig(config: ColumnConfig): ColumnConfig {
  return parseInput(ColumnConfigSchema, config, 'column configuration')
}

const nameTaken = (name: string) => `the evaluation already has a column named "${name}"`
const DATA_BY_IMPORT = 'data columns are created by importing a dataset'

/**
 * Columns. Data columns belong to the import: `add` does not make them, `updateConfig` does
 * not turn a column into one or one into something else, and `delete` refuses them, because
 * every row keeps its data values in data-column order.
 */
export function createSqlColumnRepository(deps: SqlDeps): ColumnRepository {
  const { db } = deps

  /** The stored column, locked for the rest of the transaction on PostgreSQL. */
  async function lockColumn(trx: SqlDeps['db'], id: string): Promise<Column> {
    const record = await trx
      .selectFrom('columns')
      .selectAll()
      .where('id', '=', id)
      .$if(deps.dialect === 'postgres', (qb) => qb.forUpdate())
      .executeTakeFirst()
    if (!record) throw new AssayError('not_found', `column ${id} does not exist`)
    return toColumn(record)
  }

  return {
    async add(input) {
      const name = parseInput(ColumnNameSchema, input.name, 'column name')
      const config = parseConfig(input.config)
      if (config.kind === 'data') throw new AssayError('invalid_input', DATA_BY_IMPORT)
      return db.transaction().execute(async (trx) => {
        // Touching the evaluation row locks it (PostgreSQL), so concurrent adds and imports
        // take positions one after the other; it also tells whether the evaluation exists.
        const touched = await trx
          .updateTable('evaluations')
          .set((eb) => ({ row_count: eb.ref('row_count') }))
          .where('id', '=', input.evaluationId)
          .executeTakeFirst()
        if (Number(touched.numUpdatedRows) === 0) {
          throw new AssayError('not_found', `evaluation ${input.evaluationId} does not exist`)
        }
        const last = await trx
          .selectFrom('columns')
          .select((eb) => eb.fn.max('position').as('max'))
          .where('evaluation_id', '=', input.evaluationId)
          .executeTakeFirst()
        const position = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1
        const record = await translateWrite(
          () =>
            trx
              .insertInto('columns')
              .values({
                id: deps.ids.next('col'),
                evaluation_id: input.evaluationId,
                name,
                position,
                config: JSON.stringify(config),
                created_at: deps.clock.isoNow(),
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          {
            conflict: nameTaken(name),
            notFound: `evaluation ${input.evaluationId} does not exist`,
          },
        )
        return toColumn(record)
      })
    },

    async get(id) {
      const record = await db
        .selectFrom('columns')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? toColumn(record) : undefined
    },

    async list(evaluationId) {
      const records = await db
        .selectFrom('columns')
        .selectAll()
        .where('evaluation_id', '=', evaluationId)
        .orderBy('position')
        .orderBy('id')
        .execute()
      return records.map(toColumn)
    },

    async rename(id, name) {
      const parsed = parseInput(ColumnNameSchema, name, 'column name')
      const record = await translateWrite(
        () =>
          db
            .updateTable('columns')
            .set({ name: parsed })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirst(),
        { conflict: nameTaken(parsed) },
      )
      if (!record) throw new AssayError('not_found', `column ${id} does not exist`)
      return toColumn(record)
    },

    async updateConfig(id, config) {
      const parsed = parseConfig(config)
      return db.transaction().execute(async (trx) => {
        const column = await lockColumn(trx, id)
        if ((parsed.kind === 'data') !== (column.config.kind === 'data')) {
          throw new AssayError(
            'invalid_input',
            column.config.kind === 'data'
              ? `column "${column.name}" holds imported data and stays a data column`
              : DATA_BY_IMPORT,
          )
        }
        const record = await trx
          .updateTable('columns')
          .set({ config: JSON.stringify(parsed) })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()
        return toColumn(record)
      })
    },

    async delete(id) {
      await db.transaction().execute(async (trx) => {
        const column = await lockColumn(trx, id)
        if (column.config.kind === 'data') {
          throw new AssayError(
            'invalid_state',
            `column "${column.name}" holds imported data and cannot be deleted on its own; hide it instead`,
          )
        }
        // Cell values and results go with it (foreign keys, ON DELETE CASCADE).
        await trx.deleteFrom('columns').where('id', '=', id).execute()
      })
    },
  }
}
