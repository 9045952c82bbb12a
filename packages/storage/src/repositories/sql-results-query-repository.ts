import {
  type AggregateGroup,
  AssayError,
  agreementOfPairs,
  type CellResult,
  type CellVerdictChange,
  type ColumnAggregate,
  type ColumnComparison,
  type ColumnScales,
  checkPageStart,
  columnAggregate,
  comparedColumns,
  decodeCursor,
  encodeCursor,
  fallbackScale,
  foldAscii,
  labelValue,
  listingSignature,
  type PlannedColumn,
  type PlannedFilter,
  type PlannedSort,
  parseQuery,
  planColumns,
  planFilters,
  planSort,
  type ResultCellView,
  ResultsAggregateQuerySchema,
  type ResultsQueryRepository,
  ResultsQuerySchema,
  type ResultsRow,
  RunComparisonQuerySchema,
  type SortKey,
  thumbsScore,
} from '@assay/core'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database, Dialect } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { parseJson } from './sql-checks.js'
import { createSqlColumnRepository } from './sql-column-repository.js'
import { VERDICT_CODE } from './sql-latest-results.js'
import { rowIdOf } from './sql-row-id.js'

/*
 * The results table's read side in SQL, one implementation for SQLite and PostgreSQL. A query is
 * `rows r` plus one LEFT JOIN per column a filter or the sort reads: `latest_results` (the
 * latest finished result per cell, kept by the cell result writes) or, for one run,
 * `cell_results` by its primary key; `cell_values` for manual and human cells. The WHERE clause
 * translates core's filter meanings (results/plan.ts) clause by clause. The page's cells are
 * then read for its rows only. Aggregates group the matching rows' cells by verdict and score
 * in SQL and feed the groups to core's aggregator.
 */

type Sql = RawBuilder<unknown>

/** The unparseable-judge error code, as the stored error JSON starts (see CellErrorSchema). */
const UNPARSEABLE_LIKE = sql`'{"code":"judge^_unparseable"%' escape '^'`

type Context = {
  evaluationId: string
  rowCount: number
  columns: Map<string, PlannedColumn>
  /** Null: the latest finished result of each cell; else that run's results. */
  runId: string | null
  dialect: Dialect
}

/** The LEFT JOINs a query needs, one per (source, column), each with its own alias. */
class Joins {
  readonly #parts: Sql[] = []
  readonly #aliases = new Map<string, string>()

  /** The row id the joins hang off: `r.id`, or the anchor's row id when there is no `rows r`. */
  readonly rowRef: Sql

  constructor(
    readonly ctx: Context,
    anchor?: { columnId: string; alias: string },
  ) {
    this.rowRef = sql.raw(anchor ? `${anchor.alias}.row_id` : 'r.id')
    if (anchor) this.#aliases.set(`result:${anchor.columnId}`, anchor.alias)
  }

  #alias(key: string, make: (alias: Sql) => Sql): string {
    let alias = this.#aliases.get(key)
    if (alias === undefined) {
      alias = `j${this.#aliases.size}`
      this.#aliases.set(key, alias)
      this.#parts.push(make(sql.raw(alias)))
    }
    return alias
  }

  /** A generator/evaluator column's result: latest_results (latest) or cell_results (a run). */
  result(columnId: string): string {
    const runId = this.ctx.runId
    return this.#alias(`result:${columnId}`, (a) =>
      runId === null
        ? sql`left join latest_results ${a} on ${a}.column_id = ${columnId} and ${a}.row_id = ${this.rowRef}`
        : sql`left join cell_results ${a} on ${a}.run_id = ${runId} and ${a}.column_id = ${columnId} and ${a}.row_id = ${this.rowRef}`,
    )
  }

  /** The full cell_results record of a column's result (its text), in either mode. */
  record(columnId: string): string {
    if (this.ctx.runId !== null) return this.result(columnId)
    const latest = this.result(columnId)
    return this.#alias(
      `record:${columnId}`,
      (a) =>
        sql`left join cell_results ${a} on ${a}.run_id = ${sql.raw(latest)}.run_id and ${a}.column_id = ${sql.raw(latest)}.column_id and ${a}.row_id = ${sql.raw(latest)}.row_id`,
    )
  }

  value(columnId: string): string {
    return this.#alias(
      `value:${columnId}`,
      (a) =>
        sql`left join cell_values ${a} on ${a}.column_id = ${columnId} and ${a}.row_id = ${this.rowRef}`,
    )
  }

  sql(): Sql {
    return this.#parts.length === 0 ? sql`` : sql.join(this.#parts, sql` `)
  }
}

const ref = (alias: string, column: string) => sql.raw(`${alias}.${column}`)

/** The verdict code of a column's cell (latest_results.verdict's codes), null when pending. */
function verdictExpr(joins: Joins, columnId: string): Sql {
  const a = joins.result(columnId)
  if (joins.ctx.runId === null) return ref(a, 'verdict')
  return sql`(case when ${ref(a, 'status')} = 'done' then coalesce(${ref(a, 'pass')}, ${VERDICT_CODE.none}) when ${ref(a, 'status')} = 'error' then ${VERDICT_CODE.error} end)`
}

/** The score of a done cell, else null. */
function scoreExpr(joins: Joins, columnId: string): Sql {
  const a = joins.result(columnId)
  if (joins.ctx.runId === null) {
    return sql`(case when ${ref(a, 'verdict')} < ${VERDICT_CODE.error} then ${ref(a, 'value_num')} end)`
  }
  return sql`(case when ${ref(a, 'status')} = 'done' then ${ref(a, 'value_num')} end)`
}

function dataExpr(dialect: Dialect, index: number): Sql {
  return dialect === 'postgres'
    ? sql`(r.data::json ->> ${sql.lit(index)})`
    : sql`json_extract(r.data, ${sql.lit(`$[${index}]`)})`
}

/** The text a text filter or text sort reads. */
function textExpr(joins: Joins, column: PlannedColumn): Sql {
  const role = column.role
  if (role.kind === 'data') return dataExpr(joins.ctx.dialect, role.index)
  if (role.kind === 'generated') {
    const a = joins.record(column.column.id)
    return sql`(case when ${ref(a, 'status')} = 'done' then ${ref(a, 'value_text')} end)`
  }
  return ref(joins.value(column.column.id), 'value')
}

function thumbsExpr(joins: Joins, columnId: string): Sql {
  const value = ref(joins.value(columnId), 'value')
  return sql`(case ${value} when '1' then 1 when '0' then 0 end)`
}

/** Text in code point order on both dialects. */
function collated(dialect: Dialect, expr: Sql): Sql {
  return dialect === 'postgres' ? sql`(${expr} collate "C")` : expr
}

function filterExpr(joins: Joins, { filter, column }: PlannedFilter): Sql {
  const dialect = joins.ctx.dialect
  switch (filter.type) {
    case 'text': {
      const text = textExpr(joins, column)
      const value = filter.value ?? ''
      switch (filter.op) {
        case 'empty':
          return sql`(${text} is null or ${text} = '')`
        case 'not_empty':
          return sql`(${text} is not null and ${text} <> '')`
        case 'equals':
          return sql`(${text} = ${value})`
        case 'contains': {
          const needle = foldAscii(value)
          if (dialect === 'postgres') {
            return sql`(strpos(lower(${collated(dialect, text)}), ${needle}) > 0)`
          }
          const exact = sql`(instr(lower(${text}), ${needle}) > 0)`
          // A data value is a substring of the row's JSON text when the needle holds nothing
          // JSON escapes; SQLite's LIKE folds ASCII case as `contains` does. So a cheap LIKE on
          // the whole text first spares most rows the JSON parse.
          if (column.role.kind !== 'data' || /["\\\u0000-\u001f]/.test(value)) return exact
          const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
          return sql`(r.data like ${pattern} escape '\\' and ${exact})`
        }
      }
      break
    }
    case 'score': {
      const score = scoreExpr(joins, column.column.id)
      const v = filter.value
      switch (filter.op) {
        case 'between':
          return sql`(${score} >= ${v} and ${score} <= ${filter.to ?? v})`
        case '>':
          return sql`(${score} > ${v})`
        case '>=':
          return sql`(${score} >= ${v})`
        case '<':
          return sql`(${score} < ${v})`
        case '<=':
          return sql`(${score} <= ${v})`
        case '=':
          return sql`(${score} = ${v})`
      }
      break
    }
    case 'verdict': {
      const verdict = verdictExpr(joins, column.column.id)
      const codes: number[] = []
      for (const value of filter.values) {
        if (value === 'pass') codes.push(VERDICT_CODE.pass)
        if (value === 'fail') codes.push(VERDICT_CODE.fail)
        if (value === 'error') codes.push(VERDICT_CODE.error, VERDICT_CODE.unparseable)
      }
      const parts: Sql[] = []
      if (codes.length > 0)
        parts.push(sql`${verdict} in (${sql.join(codes.map((c) => sql.lit(c)))})`)
      if (filter.values.includes('pending')) parts.push(sql`${verdict} is null`)
      return sql`(${sql.join(parts, sql` or `)})`
    }
    case 'thumbs': {
      const value = ref(joins.value(column.column.id), 'value')
      const parts: Sql[] = []
      if (filter.values.includes('up')) parts.push(sql`${value} = '1'`)
      if (filter.values.includes('down')) parts.push(sql`${value} = '0'`)
      if (filter.values.includes('none'))
        parts.push(sql`(${value} is null or ${value} not in ('1', '0'))`)
      return sql`(${sql.join(parts, sql` or `)})`
    }
  }
  throw new AssayError('internal', 'unknown filter')
}

function sortKeyExpr(joins: Joins, sort: PlannedSort): Sql {
  const column = sort.column
  if (column.role.kind === 'evaluator') return scoreExpr(joins, column.column.id)
  if (column.role.kind === 'thumbs') return thumbsExpr(joins, column.column.id)
  return collated(joins.ctx.dialect, textExpr(joins, column))
}

/** `where` of the rows matching the filters. */
function whereOf(joins: Joins, filters: readonly PlannedFilter[]): Sql {
  const parts = [sql`r.evaluation_id = ${joins.ctx.evaluationId}`]
  for (const filter of filters) parts.push(filterExpr(joins, filter))
  return sql.join(parts, sql` and `)
}

/** Rows after the cursor position in the sort order (empty keys last, then row index). */
function afterExpr(
  sort: PlannedSort | null,
  key: Sql,
  cursorKey: SortKey,
  cursorIndex: number,
): Sql {
  if (sort === null) return sql`r.idx > ${cursorIndex}`
  if (cursorKey === null) return sql`(${key} is null and r.idx > ${cursorIndex})`
  const beyond = sort.direction === 'asc' ? sql`>` : sql`<`
  return sql`((${key} is not null and (${key} ${beyond} ${cursorKey} or (${key} = ${cursorKey} and r.idx > ${cursorIndex}))) or ${key} is null)`
}

type ResultRecord = {
  run_id: string
  column_id: string
  row_id: number | string
  status: string
  value_num: number | null
  value_text: string | null
  pass: number | null
  explanation: string | null
  tokens_in: number | string
  tokens_out: number | string
  cost: number | null
  latency_ms: number | string | null
  attempts: number | string
  error: string | null
  model: string | null
  cached: number
  finished_at: string
}

function toView(record: ResultRecord): ResultCellView {
  return {
    runId: record.run_id,
    status: record.status as CellResult['status'],
    value: record.value_num !== null ? Number(record.value_num) : record.value_text,
    pass: record.pass === null ? null : Number(record.pass) === 1,
    explanation: record.explanation,
    error: record.error === null ? null : (JSON.parse(record.error) as CellResult['error']),
    tokensIn: Number(record.tokens_in),
    tokensOut: Number(record.tokens_out),
    cost: record.cost === null ? null : Number(record.cost),
    latencyMs: record.latency_ms === null ? null : Number(record.latency_ms),
    attempts: Number(record.attempts),
    cached: Number(record.cached) === 1,
    model: record.model,
    finishedAt: record.finished_at,
  }
}

const RESULT_FIELDS = sql.raw(
  [
    'run_id',
    'column_id',
    'row_id',
    'status',
    'value_num',
    'value_text',
    'pass',
    'explanation',
    'tokens_in',
    'tokens_out',
    'cost',
    'latency_ms',
    'attempts',
    'error',
    'model',
    'cached',
    'finished_at',
  ]
    .map((c) => `c.${c}`)
    .join(', '),
)

type PageRecord = {
  id: number | string
  idx: number | string
  data: string
  k: SortKey
}

type GroupRecord = {
  k: number | string
  status: string | null
  pass: number | string | null
  value_num: number | null
  unparseable: number | string | null
  n: number | string
  tokens_in: number | string | null
  tokens_out: number | string | null
  cost: number | null
  unknown_cost: number | string | null
}

export function createSqlResultsQueryRepository(deps: SqlDeps): ResultsQueryRepository {
  const { db, dialect } = deps
  const columnRepository = createSqlColumnRepository(deps)

  async function contextOf(evaluationId: string, runId: string | null): Promise<Context> {
    const evaluation = await db
      .selectFrom('evaluations')
      .select('row_count')
      .where('id', '=', evaluationId)
      .executeTakeFirst()
    if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
    if (runId !== null) await requireRun(db, evaluationId, runId)
    const columns = planColumns(await columnRepository.list(evaluationId))
    return { evaluationId, rowCount: Number(evaluation.row_count), columns, runId, dialect }
  }

  async function count(ctx: Context, filters: readonly PlannedFilter[]): Promise<number> {
    if (filters.length === 0) return ctx.rowCount
    const { rows } = await sql<{ n: number | string }>`
      select count(*) as n from (${matchingIds(ctx, filters)}) matching
    `.execute(db)
    return Number(rows[0]?.n ?? 0)
  }

  /**
   * `select … as id … where <filters>`: the matching rows' ids, as a subquery. When a filter
   * only lets through cells with a result (a score, or verdicts without pending) and none reads
   * the row's data, the query starts from that column's results (an index range) instead of
   * every row of the evaluation: they belong to it anyway.
   */
  function matchingIds(ctx: Context, filters: readonly PlannedFilter[]): Sql {
    const anchor = filters.find(
      ({ filter }) =>
        filter.type === 'score' ||
        (filter.type === 'verdict' && !filter.values.includes('pending')),
    )
    const readsData = filters.some(({ column }) => column.role.kind === 'data')
    if (anchor && !readsData) {
      const columnId = anchor.column.column.id
      const joins = new Joins(ctx, { columnId, alias: 'a' })
      const conditions = filters.map((filter) => filterExpr(joins, filter))
      const from = ctx.runId === null ? sql`latest_results a` : sql`cell_results a`
      const own =
        ctx.runId === null
          ? sql`a.column_id = ${columnId}`
          : sql`a.run_id = ${ctx.runId} and a.column_id = ${columnId}`
      return sql`select a.row_id as id from ${from} ${joins.sql()} where ${own} and ${sql.join(conditions, sql` and `)}`
    }
    const joins = new Joins(ctx)
    const where = whereOf(joins, filters)
    return sql`select r.id as id from rows r ${joins.sql()} where ${where}`
  }

  /** The generator/evaluator results and manual/human values of some rows, by row id. */
  async function cellsOf(ctx: Context, rowKeys: number[], views: Map<number, ResultsRow>) {
    if (rowKeys.length === 0) return
    const resultColumns: string[] = []
    const valueColumns = new Set<string>()
    for (const { column, role } of ctx.columns.values()) {
      if (role.kind === 'generated' || role.kind === 'evaluator') resultColumns.push(column.id)
      if (role.kind === 'text-value' || role.kind === 'thumbs') valueColumns.add(column.id)
    }
    const keys = sql.join(rowKeys)
    if (resultColumns.length > 0) {
      const columns = sql.join(resultColumns)
      const query =
        ctx.runId === null
          ? sql<ResultRecord>`
              select ${RESULT_FIELDS} from latest_results l
              join cell_results c
                on c.run_id = l.run_id and c.column_id = l.column_id and c.row_id = l.row_id
              where l.column_id in (${columns}) and l.row_id in (${keys})`
          : sql<ResultRecord>`
              select ${RESULT_FIELDS} from cell_results c
              where c.run_id = ${ctx.runId} and c.column_id in (${columns})
                and c.row_id in (${keys})`
      for (const record of (await query.execute(db)).rows) {
        const view = views.get(Number(record.row_id))
        if (view) view.results[record.column_id] = toView(record)
      }
    }
    if (valueColumns.size > 0) {
      const { rows } = await sql<{
        column_id: string
        row_id: number | string
        value: string | null
        edited_by: string | null
        edited_at: string
      }>`
        select column_id, row_id, value, edited_by, edited_at from cell_values
        where row_id in (${keys})
      `.execute(db)
      for (const record of rows) {
        const view = views.get(Number(record.row_id))
        if (!view || !valueColumns.has(record.column_id)) continue
        view.values[record.column_id] = {
          value: record.value,
          editedBy: record.edited_by,
          editedAt: record.edited_at,
        }
      }
    }
  }

  /** Per column, its cells among the matching rows grouped by verdict and score. */
  async function groupsOf(
    ctx: Context,
    filters: readonly PlannedFilter[],
    columns: readonly PlannedColumn[],
  ): Promise<{ matching: number; groups: Map<number, AggregateGroup[]> }> {
    const filtered = filters.length > 0
    const inMatching = (alias: string) =>
      filtered ? sql` and ${sql.raw(alias)}.row_id in (select id from f)` : sql``
    const branches: Sql[] = []
    columns.forEach(({ column, role }, k) => {
      if (role.kind === 'thumbs') {
        branches.push(sql`
          select ${sql.lit(k)} as k, 'done' as status,
            (case v.value when '1' then 1 else 0 end) as pass,
            (case v.value when '1' then 1.0 else 0.0 end) as value_num,
            0 as unparseable, count(*) as n, 0 as tokens_in, 0 as tokens_out,
            0.0 as cost, 0 as unknown_cost
          from cell_values v
          where v.column_id = ${column.id} and v.value in ('1', '0')${inMatching('v')}
          group by v.value`)
      } else if (ctx.runId === null) {
        branches.push(sql`
          select ${sql.lit(k)} as k,
            (case when l.verdict >= ${VERDICT_CODE.error} then 'error' else 'done' end) as status,
            (case l.verdict when ${VERDICT_CODE.pass} then 1 when ${VERDICT_CODE.fail} then 0 end)
              as pass,
            l.value_num as value_num,
            sum(case when l.verdict = ${VERDICT_CODE.unparseable} then 1 else 0 end) as unparseable,
            count(*) as n, sum(l.tokens_in) as tokens_in, sum(l.tokens_out) as tokens_out,
            sum(l.cost) as cost,
            sum(case when l.cost is null and l.tokens_in + l.tokens_out > 0 then 1 else 0 end)
              as unknown_cost
          from latest_results l
          where l.column_id = ${column.id}${inMatching('l')}
          group by l.verdict, l.value_num`)
      } else {
        branches.push(sql`
          select ${sql.lit(k)} as k, c.status as status, c.pass as pass, c.value_num as value_num,
            sum(case when c.status = 'error' and c.error like ${UNPARSEABLE_LIKE} then 1 else 0 end)
              as unparseable,
            count(*) as n, sum(c.tokens_in) as tokens_in, sum(c.tokens_out) as tokens_out,
            sum(c.cost) as cost,
            sum(case when c.cost is null and c.tokens_in + c.tokens_out > 0 then 1 else 0 end)
              as unknown_cost
          from cell_results c
          where c.run_id = ${ctx.runId} and c.column_id = ${column.id}${inMatching('c')}
          group by c.status, c.pass, c.value_num`)
      }
    })
    if (filtered) {
      branches.push(sql`
        select -1 as k, null as status, null as pass, null as value_num, null as unparseable,
          count(*) as n, null as tokens_in, null as tokens_out, null as cost, null as unknown_cost
        from f`)
    }
    const groups = new Map<number, AggregateGroup[]>()
    let matching = ctx.rowCount
    if (branches.length === 0) return { matching: await count(ctx, filters), groups }
    const union = sql.join(branches, sql` union all `)
    const query = filtered
      ? sql<GroupRecord>`with f as materialized (${matchingIds(ctx, filters)}) ${union}`
      : sql<GroupRecord>`${union}`
    for (const record of (await query.execute(db)).rows) {
      const k = Number(record.k)
      if (k === -1) {
        matching = Number(record.n)
        continue
      }
      const list = groups.get(k) ?? []
      list.push({
        status: record.status as CellResult['status'],
        pass: record.pass === null ? null : Number(record.pass) === 1,
        score: record.value_num === null ? null : Number(record.value_num),
        count: Number(record.n),
        unparseable: Number(record.unparseable ?? 0),
        tokensIn: Number(record.tokens_in ?? 0),
        tokensOut: Number(record.tokens_out ?? 0),
        cost: Number(record.cost ?? 0),
        unknownCost: Number(record.unknown_cost ?? 0),
      })
      groups.set(k, list)
    }
    return { matching, groups }
  }

  /**
   * The page `offset` rows into a listing. Only the rows' ids, indexes and sort keys go through
   * the sorter and the skipped rows (a skipped row costs an index step, or a sort entry, not its
   * data); the page's data is read afterwards by id. In plain row order (no sort, no filter) over
   * dense row indexes 0..n−1, the offset is the first index itself: one index seek.
   */
  async function atOffset(
    ctx: Context,
    q: {
      joins: Joins
      where: Sql
      key: Sql
      order: Sql
      offset: number
      limit: number
      plain: boolean
    },
  ): Promise<PageRecord[]> {
    let ordered: Omit<PageRecord, 'data'>[]
    if (q.plain && (await denseIndexes(ctx))) {
      ordered = (
        await sql<Omit<PageRecord, 'data'>>`
          select r.id as id, r.idx as idx, null as k from rows r
          where r.evaluation_id = ${ctx.evaluationId} and r.idx >= ${q.offset}
          order by r.idx
          limit ${q.limit}
        `.execute(db)
      ).rows
    } else {
      ordered = (
        await sql<Omit<PageRecord, 'data'>>`
          select r.id as id, r.idx as idx, ${q.key} as k
          from rows r ${q.joins.sql()}
          where ${q.where}
          order by ${q.order}
          limit ${q.limit} offset ${q.offset}
        `.execute(db)
      ).rows
    }
    if (ordered.length === 0) return []
    const { rows: data } = await sql<{ id: number | string; data: string }>`
      select r.id as id, r.data as data from rows r
      where r.id in (${sql.join(ordered.map((r) => Number(r.id)))})
    `.execute(db)
    const dataOf = new Map(data.map((r) => [Number(r.id), r.data]))
    return ordered.map((r) => ({ ...r, data: dataOf.get(Number(r.id)) ?? '[]' }))
  }

  /**
   * Whether the evaluation's row indexes are exactly 0..rowCount−1 (as imports number them; a
   * row deleted some day would leave a hole): they are distinct, so the smallest being 0 and the
   * largest rowCount−1 proves it. Two index seeks.
   */
  async function denseIndexes(ctx: Context): Promise<boolean> {
    if (ctx.rowCount === 0) return true
    // One min() or max() per select: what both planners answer from the index's ends.
    const { rows } = await sql<{ lo: number | string | null; hi: number | string | null }>`
      select
        (select min(idx) from rows where evaluation_id = ${ctx.evaluationId}) as lo,
        (select max(idx) from rows where evaluation_id = ${ctx.evaluationId}) as hi
    `.execute(db)
    return Number(rows[0]?.lo) === 0 && Number(rows[0]?.hi) === ctx.rowCount - 1
  }

  return {
    async page(evaluationId, input) {
      const query = parseQuery(ResultsQuerySchema, input)
      checkPageStart(query)
      const ctx = await contextOf(evaluationId, query.runId)
      const filters = planFilters(ctx.columns, query.filters)
      const sort = planSort(ctx.columns, query.sort)
      const signature = listingSignature(sort, query.filters, query.runId)
      const joins = new Joins(ctx)
      const where = whereOf(joins, filters)
      const key = sort === null ? sql`null` : sortKeyExpr(joins, sort)
      const conditions = [where]
      let total: number | undefined
      if (query.cursor !== null) {
        const cursor = decodeCursor(query.cursor, signature)
        total = cursor.total
        let cursorKey: SortKey = null
        if ('key' in cursor) cursorKey = cursor.key
        else if (sort !== null) {
          const lookup = new Joins(ctx)
          const lookupKey = sortKeyExpr(lookup, sort)
          const { rows } = await sql<{ k: SortKey }>`
            select ${lookupKey} as k from rows r ${lookup.sql()}
            where r.evaluation_id = ${evaluationId} and r.idx = ${cursor.index}
          `.execute(db)
          const found = rows[0]
          if (!found) {
            throw new AssayError('invalid_input', 'the cursor row is gone; start again', {
              position: { field: 'cursor' },
            })
          }
          cursorKey = found.k
        }
        conditions.push(afterExpr(sort, key, cursorKey, cursor.index))
      }
      const order =
        sort === null ? sql`r.idx` : sql`(${key} is null), ${key} ${sql.raw(sort.direction)}, r.idx`
      const records =
        query.offset === null
          ? (
              await sql<PageRecord>`
                select r.id as id, r.idx as idx, r.data as data, ${key} as k
                from rows r ${joins.sql()}
                where ${sql.join(conditions, sql` and `)}
                order by ${order}
                limit ${query.limit + 1}
              `.execute(db)
            ).rows
          : await atOffset(ctx, {
              joins,
              where,
              key,
              order,
              offset: query.offset,
              limit: query.limit + 1,
              plain: sort === null && filters.length === 0,
            })
      const more = records.length > query.limit
      const pageRecords = records.slice(0, query.limit)
      const views = new Map<number, ResultsRow>()
      const dataColumns = [...ctx.columns.values()].filter((c) => c.role.kind === 'data')
      for (const record of pageRecords) {
        const values = parseJson(record.data, `row ${record.id}`) as string[]
        const view: ResultsRow = {
          id: rowIdOf(Number(record.id)),
          index: Number(record.idx),
          data: {},
          values: {},
          results: {},
        }
        for (const { column, role } of dataColumns) {
          if (role.kind === 'data') view.data[column.id] = values[role.index] ?? ''
        }
        views.set(Number(record.id), view)
      }
      await cellsOf(ctx, [...views.keys()], views)
      const last = pageRecords[pageRecords.length - 1]
      const lastKey: SortKey =
        last === undefined || last.k === null
          ? null
          : typeof last.k === 'string'
            ? last.k
            : Number(last.k)
      // A first page that holds every match needs no count, nor does a last page at an offset
      // (the rows before it exist); later pages reuse the count their cursor carries.
      if (total === undefined) {
        const offset = query.offset ?? 0
        total =
          query.cursor === null && !more && (offset === 0 || records.length > 0)
            ? offset + records.length
            : await count(ctx, filters)
      }
      return {
        rows: [...views.values()],
        nextCursor:
          more && last
            ? encodeCursor(signature, Number(last.idx), sort ? lastKey : null, total)
            : null,
        total,
        rowCount: ctx.rowCount,
      }
    },

    async aggregate(evaluationId, input, options = {}) {
      const query = parseQuery(ResultsAggregateQuerySchema, input)
      const ctx = await contextOf(evaluationId, query.runId)
      const filters = planFilters(ctx.columns, query.filters)
      const scales: ColumnScales = options.scales ?? {}
      const columns = [...ctx.columns.values()]
        .filter((c) => c.role.kind === 'evaluator' || c.role.kind === 'thumbs')
        .sort((a, b) => a.column.position - b.column.position)
      const { matching, groups } = await groupsOf(ctx, filters, columns)
      const aggregates: ColumnAggregate[] = columns.map(({ column, role }, k) => {
        const head =
          role.kind === 'evaluator'
            ? {
                columnId: column.id,
                kind: 'evaluator' as const,
                scale: scales[column.id] ?? fallbackScale(role.threshold),
                threshold: role.threshold,
              }
            : {
                columnId: column.id,
                kind: 'human' as const,
                scale: { kind: 'boolean' as const },
                threshold: null,
              }
        return columnAggregate(head, matching, groups.get(k) ?? [])
      })
      return { rows: matching, rowCount: ctx.rowCount, columns: aggregates }
    },

    async agreement(evaluationId, evaluatorColumnId, labelColumnId, input) {
      const query = parseQuery(ResultsAggregateQuerySchema, input)
      const ctx = await contextOf(evaluationId, query.runId)
      const judge = ctx.columns.get(evaluatorColumnId)
      if (!judge || judge.role.kind !== 'evaluator') {
        throw new AssayError('invalid_input', 'agreement needs an evaluator column', {
          position: { field: 'evaluatorColumnId' },
        })
      }
      const label = ctx.columns.get(labelColumnId)
      if (!label || labelColumnId === evaluatorColumnId) {
        throw new AssayError('invalid_input', 'agreement needs another column of the evaluation', {
          position: { field: 'labelColumnId' },
        })
      }
      const filters = planFilters(ctx.columns, query.filters)
      // Only rows with a judge score count, so without data to read the query starts from the
      // judge's results rather than from every row.
      const anchored =
        label.role.kind !== 'data' && !filters.some(({ column }) => column.role.kind === 'data')
      const joins = anchored
        ? new Joins(ctx, { columnId: evaluatorColumnId, alias: 'a' })
        : new Joins(ctx)
      const score = scoreExpr(joins, evaluatorColumnId)
      const conditions = filters.map((filter) => filterExpr(joins, filter))
      const source = anchored
        ? ctx.runId === null
          ? sql`latest_results a`
          : sql`cell_results a`
        : sql`rows r`
      conditions.unshift(
        anchored
          ? ctx.runId === null
            ? sql`a.column_id = ${evaluatorColumnId}`
            : sql`a.run_id = ${ctx.runId} and a.column_id = ${evaluatorColumnId}`
          : sql`r.evaluation_id = ${ctx.evaluationId}`,
      )
      const where = sql.join(conditions, sql` and `)
      const labelKind = label.role.kind
      const labelExpr =
        labelKind === 'evaluator'
          ? scoreExpr(joins, labelColumnId)
          : labelKind === 'thumbs'
            ? ref(joins.value(labelColumnId), 'value')
            : textExpr(joins, label)
      // Distinct (score, label) pairs with their counts: few, whatever the number of rows.
      const { rows } = await sql<{
        s: number | null
        l: number | string | null
        n: number | string
      }>`
        select s, l, count(*) as n from (
          select ${score} as s, ${labelExpr} as l from ${source} ${joins.sql()}
          where ${where} and ${score} is not null and ${labelExpr} is not null
        ) pairs
        group by s, l
      `.execute(db)
      const distinct = rows.map((record) => {
        const l = record.l
        const value =
          labelKind === 'evaluator'
            ? l === null
              ? null
              : Number(l)
            : labelKind === 'thumbs'
              ? thumbsScore(l === null ? null : String(l))
              : labelValue(l === null ? null : String(l))
        return [record.s === null ? null : Number(record.s), value] as const
      })
      const pairs: (readonly [number | null, number | null])[] = []
      distinct.forEach((pair, i) => {
        for (let k = Number(rows[i]?.n ?? 0); k > 0; k--) pairs.push(pair)
      })
      const threshold = judge.role.threshold
      return {
        evaluatorColumnId,
        labelColumnId,
        rows: await count(ctx, filters),
        ...agreementOfPairs(pairs, threshold),
      }
    },

    async compareRuns(runA, runB, input) {
      const query = parseQuery(RunComparisonQuerySchema, input)
      const runs = await db
        .selectFrom('runs')
        .select(['id', 'evaluation_id'])
        .where('id', 'in', [runA, runB])
        .execute()
      const a = runs.find((r) => r.id === runA)
      const b = runs.find((r) => r.id === runB)
      if (!a) throw new AssayError('not_found', `run ${runA} does not exist`)
      if (!b || b.evaluation_id !== a.evaluation_id) {
        throw new AssayError('not_found', `run ${runB} is not a run of the same evaluation`)
      }
      const ctx = await contextOf(a.evaluation_id, null)
      const compared = comparedColumns(ctx.columns, query.columnIds)
      const filters = planFilters(ctx.columns, query.filters)
      const filtered = filters.length > 0
      const matching = await count(ctx, filters)
      const head = filtered ? sql`with f as materialized (${matchingIds(ctx, filters)}) ` : sql``
      const inMatching = (alias: string) =>
        filtered ? sql` and ${sql.raw(alias)}.row_id in (select id from f)` : sql``
      const signature = 'compare:index'
      const after = query.cursor === null ? -1 : decodeCursor(query.cursor, signature).index
      if (compared.length === 0) {
        return {
          runA,
          runB,
          rows: matching,
          columns: [],
          changes: [],
          nextCursor: null,
          changedRows: 0,
        }
      }
      const columnList = sql.join(compared)
      const { rows: rates } = await sql<{
        column_id: string
        run_id: string
        pass: number | string | null
        fail: number | string | null
        error: number | string | null
      }>`${head}
        select c.column_id as column_id, c.run_id as run_id,
          sum(case when c.status = 'done' and c.pass = 1 then 1 else 0 end) as pass,
          sum(case when c.status = 'done' and c.pass = 0 then 1 else 0 end) as fail,
          sum(case when c.status = 'error' then 1 else 0 end) as error
        from cell_results c
        where c.run_id in (${runA}, ${runB}) and c.column_id in (${columnList})${inMatching('c')}
        group by c.column_id, c.run_id
      `.execute(db)
      /** The flips: a done cell with a verdict in both runs, the verdicts differing. */
      const flips = sql`
        from cell_results x
        join cell_results y on y.run_id = ${runB} and y.column_id = x.column_id
          and y.row_id = x.row_id
        join rows r on r.id = x.row_id
        where x.run_id = ${runA} and x.column_id in (${columnList})
          and x.status = 'done' and y.status = 'done' and x.pass is not null
          and y.pass is not null and x.pass <> y.pass${inMatching('x')}`
      // Every flip once, as small integer records; counts and the page are taken from them.
      const { rows: flipRows } = await sql<{
        column_id: string
        id: number | string
        idx: number | string
        pass_a: number | string
      }>`${head}
        select x.column_id as column_id, r.id as id, r.idx as idx, x.pass as pass_a
        ${flips}
      `.execute(db)
      const fixedOf = new Map<string, number>()
      const brokenOf = new Map<string, number>()
      const changedRows = new Map<number, number>()
      for (const flip of flipRows) {
        const counts = Number(flip.pass_a) === 1 ? brokenOf : fixedOf
        counts.set(flip.column_id, (counts.get(flip.column_id) ?? 0) + 1)
        changedRows.set(Number(flip.idx), Number(flip.id))
      }
      const flipCounts = compared.map((columnId) => ({
        column_id: columnId,
        fixed: fixedOf.get(columnId) ?? 0,
        broken: brokenOf.get(columnId) ?? 0,
      }))
      const changedCount = [{ n: changedRows.size }]
      const pageRows = [...changedRows]
        .filter(([idx]) => idx > after)
        .sort((x, y) => x[0] - y[0])
        .slice(0, query.limit + 1)
        .map(([idx, id]) => ({ idx, id }))
      const more = pageRows.length > query.limit
      const page = pageRows.slice(0, query.limit)
      const cells = new Map<number, CellVerdictChange[]>()
      if (page.length > 0) {
        const keys = sql.join(page.map((r) => Number(r.id)))
        const { rows: pairs } = await sql<{
          column_id: string
          row_id: number | string
          pass_a: number | string
          pass_b: number | string
          score_a: number | null
          score_b: number | null
        }>`${head}
          select x.column_id as column_id, x.row_id as row_id, x.pass as pass_a, y.pass as pass_b,
            x.value_num as score_a, y.value_num as score_b
          ${flips} and x.row_id in (${keys})
        `.execute(db)
        for (const pair of pairs) {
          const list = cells.get(Number(pair.row_id)) ?? []
          list.push({
            columnId: pair.column_id,
            a: Number(pair.pass_a) === 1 ? 'pass' : 'fail',
            b: Number(pair.pass_b) === 1 ? 'pass' : 'fail',
            scoreA: pair.score_a === null ? null : Number(pair.score_a),
            scoreB: pair.score_b === null ? null : Number(pair.score_b),
          })
          cells.set(Number(pair.row_id), list)
        }
      }
      const rate = (columnId: string, runId: string) => {
        const found = rates.find((r) => r.column_id === columnId && r.run_id === runId)
        const pass = Number(found?.pass ?? 0)
        const fail = Number(found?.fail ?? 0)
        const error = Number(found?.error ?? 0)
        return { pass, fail, error, passRate: pass + fail === 0 ? null : pass / (pass + fail) }
      }
      const columns: ColumnComparison[] = compared.map((columnId) => {
        const left = rate(columnId, runA)
        const right = rate(columnId, runB)
        const flipsOf = flipCounts.find((f) => f.column_id === columnId)
        return {
          columnId,
          a: left,
          b: right,
          change:
            left.passRate === null || right.passRate === null
              ? null
              : right.passRate - left.passRate,
          fixed: Number(flipsOf?.fixed ?? 0),
          broken: Number(flipsOf?.broken ?? 0),
        }
      })
      const last = page[page.length - 1]
      return {
        runA,
        runB,
        rows: matching,
        columns,
        changes: page.map((row) => ({
          index: Number(row.idx),
          rowId: rowIdOf(Number(row.id)),
          cells: (cells.get(Number(row.id)) ?? []).sort(
            (x, y) => compared.indexOf(x.columnId) - compared.indexOf(y.columnId),
          ),
        })),
        nextCursor: more && last ? encodeCursor(signature, Number(last.idx), null) : null,
        changedRows: Number(changedCount[0]?.n ?? 0),
      }
    },
  }
}

async function requireRun(db: Kysely<Database>, evaluationId: string, runId: string) {
  const run = await db
    .selectFrom('runs')
    .select('evaluation_id')
    .where('id', '=', runId)
    .executeTakeFirst()
  if (!run || run.evaluation_id !== evaluationId) {
    throw new AssayError('not_found', `run ${runId} is not a run of this evaluation`)
  }
}
