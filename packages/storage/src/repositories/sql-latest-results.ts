import { type CellResult, JUDGE_UNPARSEABLE } from '@assay/core'
import { CompiledQuery, type Kysely } from 'kysely'
import type { Database, Dialect } from '../schema.js'

/** `latest_results.verdict`: one small integer that filters, sorts and footers group by. */
export const VERDICT_CODE = { fail: 0, pass: 1, none: 2, error: 3, unparseable: 4 } as const

export function verdictCode(result: Pick<CellResult, 'status' | 'pass' | 'error'>): number {
  if (result.status === 'error') {
    return result.error?.code === JUDGE_UNPARSEABLE ? VERDICT_CODE.unparseable : VERDICT_CODE.error
  }
  if (result.pass === null) return VERDICT_CODE.none
  return result.pass ? VERDICT_CODE.pass : VERDICT_CODE.fail
}

const COLUMNS = [
  'column_id',
  'row_id',
  'run_id',
  'finished_at',
  'verdict',
  'value_num',
  'tokens_in',
  'tokens_out',
  'cost',
] as const

/** Rows per INSERT: a batch is cut greedily into these sizes, so few statement texts exist. */
const SIZES = [64, 16, 4, 1] as const

const sqlCache = new Map<string, string>()

function upsertSql(dialect: Dialect, rows: number): string {
  const cacheKey = `${dialect}:${rows}`
  let text = sqlCache.get(cacheKey)
  if (text === undefined) {
    const width = COLUMNS.length
    const tuples: string[] = []
    for (let r = 0; r < rows; r++) {
      const marks = COLUMNS.map((_, c) => (dialect === 'postgres' ? `$${r * width + c + 1}` : '?'))
      tuples.push(`(${marks.join(', ')})`)
    }
    const updates = COLUMNS.filter((c) => c !== 'column_id' && c !== 'row_id')
      .map((c) => `"${c}" = excluded."${c}"`)
      .join(', ')
    text =
      `insert into "latest_results" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values ` +
      `${tuples.join(', ')} on conflict ("column_id", "row_id") do update set ${updates} ` +
      `where excluded."finished_at" > "latest_results"."finished_at" or ` +
      `(excluded."finished_at" = "latest_results"."finished_at" and ` +
      `excluded."run_id" > "latest_results"."run_id")`
    sqlCache.set(cacheKey, text)
  }
  return text
}

/**
 * Keeps `latest_results` current: call it in the transaction that inserted `stored` into
 * cell_results, with only the results actually inserted. A done or error result replaces the
 * copy of its (column, row) when it is more recent — later finished_at, then the greater run id,
 * the order `latestForRows` ranks by; other statuses change nothing.
 */
export async function recordLatestResults(
  trx: Kysely<Database>,
  dialect: Dialect,
  stored: readonly { result: CellResult; rowKey: number }[],
): Promise<void> {
  // One row per (column, row) per statement: Postgres refuses to update a row twice in one.
  const newest = new Map<string, { result: CellResult; rowKey: number }>()
  for (const entry of stored) {
    const { result } = entry
    if (result.status !== 'done' && result.status !== 'error') continue
    const key = `${result.columnId}\u0000${entry.rowKey}`
    const found = newest.get(key)?.result
    if (
      !found ||
      result.finishedAt > found.finishedAt ||
      (result.finishedAt === found.finishedAt && result.runId > found.runId)
    ) {
      newest.set(key, entry)
    }
  }
  const entries = [...newest.values()]
  let at = 0
  while (at < entries.length) {
    const size = SIZES.find((n) => n <= entries.length - at) as number
    const params: unknown[] = []
    for (const { result, rowKey } of entries.slice(at, at + size)) {
      params.push(
        result.columnId,
        rowKey,
        result.runId,
        result.finishedAt,
        verdictCode(result),
        typeof result.value === 'number' ? result.value : null,
        result.tokensIn,
        result.tokensOut,
        result.cost,
      )
    }
    await trx.executeQuery(CompiledQuery.raw(upsertSql(dialect, size), params))
    at += size
  }
}
