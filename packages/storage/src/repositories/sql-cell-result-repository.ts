import {
  AssayError,
  CELL_STATUSES,
  type CellResult,
  type CellResultRepository,
  CellResultSchema,
  type CellStatus,
  type RunCellCounts,
} from '@assay/core'
import { CompiledQuery, type Selectable, sql } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { CellResultsTable, Dialect } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul, parseInput } from './sql-checks.js'
import { recordLatestResults } from './sql-latest-results.js'
import { rowIdOf, rowKeyOf } from './sql-row-id.js'

/** Ids per `IN (…)` list: well under every dialect's parameter limit. */
const IDS_PER_QUERY = 500

/** The distinct row keys of `rowIds`; ids that cannot name a row are left out. */
function rowKeysOf(rowIds: readonly string[]): number[] {
  return [...new Set(rowIds)].map(rowKeyOf).filter((k): k is number => k !== undefined)
}

function cellKey(runId: string, columnId: string, rowKey: number): string {
  return `${runId}\u0000${columnId}\u0000${rowKey}`
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

/** The columns a result is inserted with, in the order of `insertParams`. */
const INSERT_COLUMNS = [
  'run_id',
  'column_id',
  'row_id',
  'status',
  'value_num',
  'value_text',
  'pass',
  'explanation',
  'raw',
  'tokens_in',
  'tokens_out',
  'cost',
  'latency_ms',
  'attempts',
  'error',
  'model',
  'prompt_hash',
  'cached',
  'finished_at',
] as const

/**
 * Rows per multi-row INSERT: a batch is cut greedily into these sizes, so only four statement
 * texts per dialect exist (each prepared once) whatever the batch sizes are.
 */
const INSERT_SIZES = [64, 16, 4, 1] as const

const sqlCache = new Map<string, string>()

/** `insert … values (…) × rows on conflict do nothing returning` the keys actually inserted. */
function insertSql(dialect: Dialect, rows: number): string {
  const cacheKey = `insert:${dialect}:${rows}`
  let text = sqlCache.get(cacheKey)
  if (text === undefined) {
    const width = INSERT_COLUMNS.length
    const tuples: string[] = []
    for (let r = 0; r < rows; r++) {
      const marks = INSERT_COLUMNS.map((_, c) =>
        dialect === 'postgres' ? `$${r * width + c + 1}` : '?',
      )
      tuples.push(`(${marks.join(', ')})`)
    }
    text =
      `insert into "cell_results" (${INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ` +
      `${tuples.join(', ')} on conflict ("run_id", "column_id", "row_id") do nothing ` +
      'returning "run_id", "column_id", "row_id"'
    sqlCache.set(cacheKey, text)
  }
  return text
}

/** Adds a batch's usage to one run; `cost`: add a known sum, make it unknown, or leave it. */
function addUsageSql(dialect: Dialect, cost: 'add' | 'unknown' | 'keep'): string {
  const cacheKey = `usage:${dialect}:${cost}`
  let text = sqlCache.get(cacheKey)
  if (text === undefined) {
    const mark = (n: number) => (dialect === 'postgres' ? `$${n}` : '?')
    const costSet =
      cost === 'add'
        ? `, "cost" = "cost" + ${mark(3)}`
        : cost === 'unknown'
          ? ', "cost" = null'
          : ''
    const idMark = mark(cost === 'add' ? 4 : 3)
    text =
      `update "runs" set "tokens_in" = "tokens_in" + ${mark(1)}, ` +
      `"tokens_out" = "tokens_out" + ${mark(2)}${costSet} where "id" = ${idMark}`
    sqlCache.set(cacheKey, text)
  }
  return text
}

function pushInsertParams(params: unknown[], result: CellResult, rowKey: number): void {
  params.push(
    result.runId,
    result.columnId,
    rowKey,
    result.status,
    typeof result.value === 'number' ? result.value : null,
    typeof result.value === 'string' ? result.value : null,
    result.pass === null ? null : result.pass ? 1 : 0,
    result.explanation,
    result.raw,
    result.tokensIn,
    result.tokensOut,
    result.cost,
    result.latencyMs,
    result.attempts,
    result.error === null ? null : JSON.stringify(result.error),
    result.model,
    result.promptHash,
    result.cached ? 1 : 0,
    result.finishedAt,
  )
}

/** A batch's usage of one run, summed over the results actually inserted. */
type RunUsage = {
  tokensIn: number
  tokensOut: number
  cost: number
  known: boolean
  unknown: boolean
}

/**
 * Cell results, written once per (run, column, row): the insert does nothing on a clash, and
 * only what was inserted adds its usage to the run, in the same transaction. A batch (`putMany`,
 * the engine's group commit) is a few multi-row INSERTs plus one UPDATE per run, in one
 * transaction, with statement texts written here once (no query builder on this hot path).
 * Under concurrent puts of one key, Postgres makes the later insert wait for the first to commit
 * and then skip; SQLite runs them one after the other.
 */
export function createSqlCellResultRepository(deps: SqlDeps): CellResultRepository {
  const { db, dialect } = deps

  async function putMany(inputs: readonly CellResult[]): Promise<boolean[]> {
    if (inputs.length === 0) return []
    // Every check before anything is written: a batch is all or nothing.
    const results: CellResult[] = []
    const rowKeys: number[] = []
    for (const input of inputs) {
      const result = parseInput(CellResultSchema, input, 'cell result')
      checkNoNul('a cell result', texts(result))
      const rowKey = rowKeyOf(result.rowId)
      if (rowKey === undefined)
        throw new AssayError('not_found', `row ${result.rowId} does not exist`)
      results.push(result)
      rowKeys.push(rowKey)
    }
    // A key repeated in the batch: only its first result is sent.
    const keys = results.map((r, i) => cellKey(r.runId, r.columnId, rowKeys[i] as number))
    const first = new Map<string, number>()
    const sent: number[] = []
    keys.forEach((key, i) => {
      if (first.has(key)) return
      first.set(key, i)
      sent.push(i)
    })
    return translateWrite(
      () =>
        db.transaction().execute(async (trx) => {
          const inserted = new Set<string>()
          let at = 0
          while (at < sent.length) {
            const left = sent.length - at
            const size = INSERT_SIZES.find((n) => n <= left) as number
            const params: unknown[] = []
            for (let j = at; j < at + size; j++) {
              const i = sent[j] as number
              pushInsertParams(params, results[i] as CellResult, rowKeys[i] as number)
            }
            const { rows } = await trx.executeQuery<{
              run_id: string
              column_id: string
              row_id: number | string
            }>(CompiledQuery.raw(insertSql(dialect, size), params))
            for (const row of rows)
              inserted.add(cellKey(row.run_id, row.column_id, Number(row.row_id)))
            at += size
          }
          const stored = keys.map((key, i) => first.get(key) === i && inserted.has(key))
          // The usage of what was inserted, per run: one UPDATE each.
          const usage = new Map<string, RunUsage>()
          results.forEach((result, i) => {
            if (!stored[i]) return
            let u = usage.get(result.runId)
            if (!u) {
              u = { tokensIn: 0, tokensOut: 0, cost: 0, known: false, unknown: false }
              usage.set(result.runId, u)
            }
            u.tokensIn += result.tokensIn
            u.tokensOut += result.tokensOut
            // A known cost adds up (NULL + x stays NULL: unknown stays unknown); a result that
            // used tokens at an unknown price makes the run's cost unknown.
            if (result.cost !== null) {
              u.cost += result.cost
              u.known = true
            } else if (result.tokensIn + result.tokensOut > 0) u.unknown = true
          })
          for (const [runId, u] of usage) {
            const mode = u.unknown ? 'unknown' : u.known ? 'add' : 'keep'
            const params =
              mode === 'add'
                ? [u.tokensIn, u.tokensOut, u.cost, runId]
                : [u.tokensIn, u.tokensOut, runId]
            await trx.executeQuery(CompiledQuery.raw(addUsageSql(dialect, mode), params))
          }
          // What the results table shows: the latest finished result of each cell.
          const fresh = results.flatMap((result, i) =>
            stored[i] ? [{ result, rowKey: rowKeys[i] as number }] : [],
          )
          await recordLatestResults(trx, dialect, fresh)
          return stored
        }),
      {
        conflict: 'this cell result clashes with another one',
        notFound: 'the run, row or column of this cell result does not exist',
      },
    )
  }

  return {
    async put(input) {
      const [stored] = await putMany([input])
      return stored === true
    },

    putMany,

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

    /**
     * One aggregate statement over the run's primary-key range: per row, its cells by status
     * and usage; then those summed. No result record leaves the database.
     */
    async countsForRun(runId, options = {}) {
      const columnIds = options.columnIds ? [...new Set(options.columnIds)] : null
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
      if (columnIds !== null && columnIds.length === 0) return counts
      const inColumns = columnIds === null ? sql`` : sql` and column_id in (${sql.join(columnIds)})`
      const finished = sql`status in ('done', 'error')`
      const used = sql`tokens_in + tokens_out > 0`
      /** The number of columns a finished row has a finished cell in. */
      const every =
        columnIds === null
          ? sql`(select count(distinct column_id) from cell_results
              where run_id = ${runId} and ${finished})`
          : sql`${columnIds.length}`
      const perStatus = CELL_STATUSES.map(
        (status) =>
          sql`sum(case when status = ${sql.lit(status)} then 1 else 0 end) as ${sql.ref(status)}`,
      )
      const totals = CELL_STATUSES.map(
        (status) => sql`sum(${sql.ref(status)}) as ${sql.ref(status)}`,
      )
      type Total = number | string | null
      const { rows } = await sql<Record<CellStatus, Total> & Record<string, Total>>`
        select ${sql.join(totals)},
          sum(case when finished > 0 then 1 else 0 end) as finished_any,
          sum(case when finished > 0 and finished >= ${every} then 1 else 0 end) as finished_all,
          sum(cached) as cached, sum(generations) as generations,
          sum(tokens_in) as tokens_in, sum(tokens_out) as tokens_out,
          sum(cost) as cost, sum(unknown_cost) as unknown_cost
        from (
          select row_id, ${sql.join(perStatus)},
            sum(case when ${finished} then 1 else 0 end) as finished,
            sum(case when status = 'done' and cached = 1 then 1 else 0 end) as cached,
            sum(case when ${finished} and ${used} then 1 else 0 end) as generations,
            sum(tokens_in) as tokens_in, sum(tokens_out) as tokens_out, sum(cost) as cost,
            sum(case when cost is null and ${used} then 1 else 0 end) as unknown_cost
          from cell_results
          where run_id = ${runId}${inColumns}
          group by row_id
        ) per_row
      `.execute(db)
      const found = rows[0]
      if (!found) return counts
      for (const status of CELL_STATUSES) byStatus[status] = Number(found[status] ?? 0)
      counts.cached = Number(found.cached ?? 0)
      counts.generations = Number(found.generations ?? 0)
      counts.tokensIn = Number(found.tokens_in ?? 0)
      counts.tokensOut = Number(found.tokens_out ?? 0)
      counts.cost = Number(found.cost ?? 0)
      counts.unknownCost = Number(found.unknown_cost ?? 0)
      counts.rows = Number(found.finished_any ?? 0)
      counts.finishedRows = Number(found.finished_all ?? 0)
      return counts
    },
  }
}
