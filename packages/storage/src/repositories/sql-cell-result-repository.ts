import {
  AssayError,
  type CellResult,
  type CellResultRepository,
  CellResultSchema,
} from '@assay/core'
import type { Selectable } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { CellResultsTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul, parseInput } from './sql-checks.js'
import { rowIdOf, rowKeyOf } from './sql-row-id.js'

/** Ids per `IN (…)` list: well under every dialect's parameter limit. */
const IDS_PER_QUERY = 500

/** The distinct row keys of `rowIds`; ids that cannot name a row are left out. */
function rowKeysOf(rowIds: readonly string[]): number[] {
  return [...new Set(rowIds)].map(rowKeyOf).filter((k): k is number => k !== undefined)
}

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size))
  }
  return chunks
}

function toCellResult(record: Selectable<CellResultsTable>): CellResult {
  return {
    runId: record.run_id,
    rowId: rowIdOf(record.row_id),
    columnId: record.column_id,
    status: record.status as CellResult['status'],
    value: record.value_num !== null ? Number(record.value_num) : record.value_text,
    pass: record.pass === null ? null : record.pass === 1,
    explanation: record.explanation,
    raw: record.raw,
    tokensIn: Number(record.tokens_in),
    tokensOut: Number(record.tokens_out),
    cost: record.cost === null ? null : Number(record.cost),
    latencyMs: record.latency_ms === null ? null : Number(record.latency_ms),
    attempts: Number(record.attempts),
    error: record.error === null ? null : (JSON.parse(record.error) as CellResult['error']),
    model: record.model,
    promptHash: record.prompt_hash,
    cached: record.cached === 1,
    finishedAt: record.finished_at,
  }
}

/** The texts of a result that PostgreSQL stores as text, which cannot hold NUL. */
function texts(result: CellResult): (string | null)[] {
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

/**
 * Cell results, written once per (run, column, row): the insert does nothing on a clash, and
 * only an insert that happened adds its usage to the run, in the same transaction. Under
 * concurrent puts of one key, Postgres makes the later insert wait for the first to commit and
 * then skip; SQLite runs them one after the other.
 */
export function createSqlCellResultRepository(deps: SqlDeps): CellResultRepository {
  const { db } = deps

  return {
    async put(input) {
      const result = parseInput(CellResultSchema, input, 'cell result')
      checkNoNul('a cell result', texts(result))
      const rowKey = rowKeyOf(result.rowId)
      if (rowKey === undefined)
        throw new AssayError('not_found', `row ${result.rowId} does not exist`)
      return translateWrite(
        () =>
          db.transaction().execute(async (trx) => {
            const inserted = await trx
              .insertInto('cell_results')
              .values({
                run_id: result.runId,
                column_id: result.columnId,
                row_id: rowKey,
                status: result.status,
                value_num: typeof result.value === 'number' ? result.value : null,
                value_text: typeof result.value === 'string' ? result.value : null,
                pass: result.pass === null ? null : result.pass ? 1 : 0,
                explanation: result.explanation,
                raw: result.raw,
                tokens_in: result.tokensIn,
                tokens_out: result.tokensOut,
                cost: result.cost,
                latency_ms: result.latencyMs,
                attempts: result.attempts,
                error: result.error === null ? null : JSON.stringify(result.error),
                model: result.model,
                prompt_hash: result.promptHash,
                cached: result.cached ? 1 : 0,
                finished_at: result.finishedAt,
              })
              .onConflict((oc) => oc.columns(['run_id', 'column_id', 'row_id']).doNothing())
              .executeTakeFirst()
            if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false
            const tokens = result.tokensIn + result.tokensOut
            // A known cost adds up (NULL + x stays NULL: unknown stays unknown); a result that
            // used tokens at an unknown price makes the run's cost unknown.
            const cost = result.cost
            await trx
              .updateTable('runs')
              .set((eb) => ({
                tokens_in: eb('tokens_in', '+', result.tokensIn),
                tokens_out: eb('tokens_out', '+', result.tokensOut),
                ...(cost !== null
                  ? { cost: eb('cost', '+', cost) }
                  : tokens > 0
                    ? { cost: null }
                    : {}),
              }))
              .where('id', '=', result.runId)
              .execute()
            return true
          }),
        {
          conflict: 'this cell result clashes with another one',
          notFound: 'the run, row or column of this cell result does not exist',
        },
      )
    },

    async get(runId, rowId, columnId) {
      const rowKey = rowKeyOf(rowId)
      if (rowKey === undefined) return undefined
      const record = await db
        .selectFrom('cell_results')
        .selectAll()
        .where('run_id', '=', runId)
        .where('column_id', '=', columnId)
        .where('row_id', '=', rowKey)
        .executeTakeFirst()
      return record ? toCellResult(record) : undefined
    },

    /** In row order (import order), then by column id. */
    async listForRun(runId, options = {}) {
      let query = db.selectFrom('cell_results').selectAll().where('run_id', '=', runId)
      if (options.columnId !== undefined) query = query.where('column_id', '=', options.columnId)
      const records = await query.orderBy('row_id').orderBy('column_id').execute()
      return records.map(toCellResult)
    },

    /** In row order, then by column id, page by page of `rowIds`. */
    async listForRunRows(runId, rowIds) {
      const results: CellResult[] = []
      for (const keys of chunksOf(rowKeysOf(rowIds), IDS_PER_QUERY)) {
        const records = await db
          .selectFrom('cell_results')
          .selectAll()
          .where('run_id', '=', runId)
          .where('row_id', 'in', keys)
          .orderBy('row_id')
          .orderBy('column_id')
          .execute()
        for (const record of records) results.push(toCellResult(record))
      }
      return results
    },

    /**
     * Per (column, row), the done or error result ranked first by finished_at (ISO text, so time order)
     * and then run id, both descending; the cell_results_latest index serves the lookup. Each
     * (column, row) pair falls in exactly one chunk pair, so chunks never compete.
     */
    async latestForRows(columnIds, rowIds) {
      const columnChunks = chunksOf([...new Set(columnIds)], IDS_PER_QUERY)
      const rowChunks = chunksOf(rowKeysOf(rowIds), IDS_PER_QUERY)
      const results: CellResult[] = []
      for (const columns of columnChunks) {
        for (const keys of rowChunks) {
          const records = await db
            .selectFrom((eb) =>
              eb
                .selectFrom('cell_results')
                .selectAll()
                .select((inner) =>
                  inner.fn
                    .agg<number>('row_number')
                    .over((ob) =>
                      ob
                        .partitionBy(['column_id', 'row_id'])
                        .orderBy('finished_at', 'desc')
                        .orderBy('run_id', 'desc'),
                    )
                    .as('rank'),
                )
                .where('status', 'in', ['done', 'error'])
                .where('column_id', 'in', columns)
                .where('row_id', 'in', keys)
                .as('ranked'),
            )
            .selectAll()
            .where('rank', '=', 1)
            .orderBy('row_id')
            .orderBy('column_id')
            .execute()
          for (const record of records) results.push(toCellResult(record))
        }
      }
      return results
    },

    async countForRun(runId) {
      const record = await db
        .selectFrom('cell_results')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('run_id', '=', runId)
        .executeTakeFirst()
      return Number(record?.count ?? 0)
    },
  }
}
