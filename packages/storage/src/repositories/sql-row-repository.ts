import {
  AssayError,
  type Column,
  checkImportHeader,
  checkImportRow,
  checkNoNul,
  checkPositiveInteger,
  dataHeaderOrder,
  type ImportedDataset,
  type Row,
  type RowRepository,
  throwIfImportAborted,
} from '@assay/core'
import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Database, Dialect } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { parseJson } from './sql-checks.js'
import { rowIdOf, rowKeyOf } from './sql-row-id.js'

/*
 * Rows are imported in one transaction, streamed: the batches are written as they arrive in
 * multi-row INSERTs, so memory stays flat whatever the file size, and a throw or an abort rolls
 * everything back (rows, new data columns, row count).
 */

/** Rows per INSERT: 3 parameters each keeps it far below SQLite's 32766 and Postgres' 65535. */
const ROWS_PER_INSERT = 500
/** An INSERT is also sent once its row texts reach this size, so huge cells stay bounded. */
const BYTES_PER_INSERT = 2 * 1024 * 1024
const DEFAULT_PAGE_SIZE = 1000

type RowRecord = { id: number; idx: number; data: string }

export function createSqlRowRepository(deps: SqlDeps): RowRepository {
  const { db } = deps

  function toRow(evaluationId: string, record: RowRecord): Row {
    return {
      id: rowIdOf(record.id),
      evaluationId,
      index: record.idx,
      values: parseJson(record.data, `row ${record.id}`) as string[],
    }
  }

  async function page(evaluationId: string, afterIndex: number, limit: number): Promise<Row[]> {
    const records = await db
      .selectFrom('rows')
      .select(['id', 'idx', 'data'])
      .where('evaluation_id', '=', evaluationId)
      .where('idx', '>', afterIndex)
      .orderBy('idx')
      .limit(limit)
      .execute()
    return records.map((r) => toRow(evaluationId, r))
  }

  return {
    async importRows(evaluationId, header, batches, options = {}): Promise<ImportedDataset> {
      const { signal } = options
      checkImportHeader(header)
      throwIfImportAborted(signal)
      return db.transaction().execute(async (trx) => {
        // Touching the evaluation row first locks it (Postgres), so two imports into one
        // evaluation run one after the other; it also tells whether it exists.
        const touched = await trx
          .updateTable('evaluations')
          .set((eb) => ({ row_count: eb.ref('row_count') }))
          .where('id', '=', evaluationId)
          .executeTakeFirst()
        if (Number(touched.numUpdatedRows) === 0) {
          throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
        }
        const { columns, order } = await planColumns(trx, deps, evaluationId, header)
        const last = await trx
          .selectFrom('rows')
          .select((eb) => eb.fn.max('idx').as('max'))
          .where('evaluation_id', '=', evaluationId)
          .executeTakeFirst()
        const first = last?.max === null || last?.max === undefined ? 0 : Number(last.max) + 1

        const writer = new RowWriter(trx, deps.dialect, evaluationId, first)
        let rowNumber = 0
        for await (const batch of batches) {
          throwIfImportAborted(signal)
          for (const values of batch) {
            rowNumber += 1
            checkImportRow(values, header, rowNumber)
            const data = JSON.stringify(order ? order.map((i) => values[i]) : values)
            // JSON escapes NUL as \u0000: one search of the row text instead of one per value.
            if (data.includes('\\u0000')) checkNoNul(values, header, rowNumber)
            if (writer.add(data)) await writer.flush()
          }
        }
        throwIfImportAborted(signal)
        await writer.flush()

        const imported = writer.next - first
        await trx
          .updateTable('evaluations')
          .set((eb) => ({ row_count: eb('row_count', '+', imported) }))
          .where('id', '=', evaluationId)
          .execute()
        return { rows: imported, columns }
      })
    },

    async list(evaluationId, options) {
      checkPositiveInteger(options.limit, 'limit')
      return page(evaluationId, options.afterIndex ?? -1, options.limit)
    },

    async get(rowId) {
      const key = rowKeyOf(rowId)
      if (key === undefined) return undefined
      const record = await db
        .selectFrom('rows')
        .select(['id', 'idx', 'data', 'evaluation_id'])
        .where('id', '=', key)
        .executeTakeFirst()
      return record ? toRow(record.evaluation_id, record) : undefined
    },

    async count(evaluationId) {
      const evaluation = await db
        .selectFrom('evaluations')
        .select('row_count')
        .where('id', '=', evaluationId)
        .executeTakeFirst()
      return evaluation ? Number(evaluation.row_count) : 0
    },

    async *stream(evaluationId, options = {}) {
      const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
      checkPositiveInteger(pageSize, 'pageSize')
      let afterIndex = -1
      for (;;) {
        const rows = await page(evaluationId, afterIndex, pageSize)
        for (const row of rows) yield row
        const last = rows[rows.length - 1]
        if (rows.length < pageSize || last === undefined) return
        afterIndex = last.index
      }
    },
  }
}

/**
 * The data columns an import writes to: the existing ones, or new ones in header order after
 * any other column. `order[i]` is the header position of the i-th data column's value, or null
 * when the header is already in column order.
 */
async function planColumns(
  trx: Transaction<Database>,
  deps: SqlDeps,
  evaluationId: string,
  header: readonly string[],
): Promise<{ columns: Column[]; order: number[] | null }> {
  const all = await trx
    .selectFrom('columns')
    .select(['id', 'name', 'position', 'config', 'created_at'])
    .where('evaluation_id', '=', evaluationId)
    .orderBy('position')
    .execute()
  const data: Column[] = all
    .filter((c) => (JSON.parse(c.config) as { kind?: unknown }).kind === 'data')
    .map((c) => ({
      id: c.id,
      evaluationId,
      name: c.name,
      position: c.position,
      config: { kind: 'data' },
      createdAt: c.created_at,
    }))
  if (data.length > 0) return { columns: data, order: dataHeaderOrder(data, header) }

  const clash = header.find((name) => all.some((c) => c.name === name))
  if (clash !== undefined) {
    throw new AssayError('conflict', `the evaluation already has a column named "${clash}"`)
  }
  const base = all.reduce((max, c) => Math.max(max, c.position + 1), 0)
  const createdAt = deps.clock.isoNow()
  const columns: Column[] = header.map((name, i) => ({
    id: deps.ids.next('col'),
    evaluationId,
    name,
    position: base + i,
    config: { kind: 'data' },
    createdAt,
  }))
  const config = JSON.stringify({ kind: 'data' })
  for (let start = 0; start < columns.length; start += 1000) {
    await trx
      .insertInto('columns')
      .values(
        columns.slice(start, start + 1000).map((c) => ({
          id: c.id,
          evaluation_id: evaluationId,
          name: c.name,
          position: c.position,
          config,
          created_at: createdAt,
        })),
      )
      .execute()
  }
  return { columns, order: null }
}

/** Buffers row texts and writes them in multi-row INSERTs whose SQL text is built once. */
class RowWriter {
  next: number
  private params: unknown[] = []
  private bytes = 0

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly evaluationId: string,
    first: number,
  ) {
    this.next = first
  }

  /** Buffers one row; true when the buffer should be flushed. */
  add(data: string): boolean {
    this.params.push(this.evaluationId, this.next, data)
    this.next += 1
    this.bytes += data.length
    return this.params.length >= ROWS_PER_INSERT * 3 || this.bytes >= BYTES_PER_INSERT
  }

  async flush(): Promise<void> {
    if (this.params.length === 0) return
    const params = this.params
    this.params = []
    this.bytes = 0
    await this.trx.executeQuery(
      CompiledQuery.raw(insertSql(this.dialect, params.length / 3), params),
    )
  }
}

const insertSqlCache = new Map<string, string>()

function insertSql(dialect: Dialect, rows: number): string {
  const key = `${dialect}:${rows}`
  let text = insertSqlCache.get(key)
  if (text === undefined) {
    const tuples: string[] = []
    for (let i = 0; i < rows; i++) {
      tuples.push(
        dialect === 'postgres' ? `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})` : '(?, ?, ?)',
      )
    }
    text = `insert into "rows" ("evaluation_id", "idx", "data") values ${tuples.join(', ')}`
    // Only a few sizes recur (the full batch and the last one of each import).
    if (insertSqlCache.size >= 16) insertSqlCache.clear()
    insertSqlCache.set(key, text)
  }
  return text
}
