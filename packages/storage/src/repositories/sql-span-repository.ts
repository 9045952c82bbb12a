import {
  AssayError,
  checkSpanPage,
  facetLimit,
  normalizeInstant,
  normalizeSpanFilter,
  SPAN_STATUSES,
  type Span,
  type SpanFilter,
  SpanInputSchema,
  type SpanRepository,
  type SpanStatus,
} from '@assay/core'
import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely'
import type { Database, SpansTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { parseInput, requireProject } from './sql-checks.js'

/** 19 parameters a span: 200 spans keep an INSERT far below SQLite's 32766 parameters. */
const SPANS_PER_INSERT = 200

function toSpan(record: Selectable<SpansTable>): Span {
  if (!(SPAN_STATUSES as readonly string[]).includes(record.status)) {
    throw new AssayError('storage_failed', `stored span ${record.id} has status "${record.status}"`)
  }
  return {
    id: record.id,
    projectId: record.project_id,
    traceId: record.trace_id,
    spanId: record.span_id,
    parentSpanId: record.parent_span_id,
    serviceName: record.service_name,
    spanName: record.span_name,
    model: record.model,
    startTime: record.start_time,
    endTime: record.end_time,
    latencyMs: Number(record.latency_ms),
    status: record.status as SpanStatus,
    statusMessage: record.status_message,
    inputTokens: record.input_tokens === null ? null : Number(record.input_tokens),
    outputTokens: record.output_tokens === null ? null : Number(record.output_tokens),
    input: record.input,
    output: record.output,
    requestId: record.request_id,
    receivedAt: record.received_at,
  }
}

/** The WHERE of a span filter (already normalized). */
function filtered<O>(
  query: SelectQueryBuilder<Database, 'spans', O>,
  filter: SpanFilter,
): SelectQueryBuilder<Database, 'spans', O> {
  let q = query
    .where('project_id', '=', filter.projectId)
    .where('start_time', '>=', filter.from)
    .where('start_time', '<', filter.to)
  const { model, source } = filter
  if (model !== undefined) q = q.where('model', '=', model)
  if (source !== undefined) {
    q = q.where((eb) => eb.or([eb('service_name', '=', source), eb('span_name', '=', source)]))
  }
  return q
}

/**
 * Production spans. `insertMany` writes a batch in one transaction with multi-row INSERTs that
 * skip a (project, trace, span) already stored, so a re-sent export changes nothing.
 */
export function createSqlSpanRepository(deps: SqlDeps): SpanRepository {
  const { db } = deps

  async function distinct(
    column: 'model' | 'service_name' | 'span_name',
    projectId: string,
    from: string | undefined,
    to: string | undefined,
    limit: number,
  ): Promise<string[]> {
    let q = db
      .selectFrom('spans')
      .select(column)
      .distinct()
      .where('project_id', '=', projectId)
      .where(column, 'is not', null)
    if (from !== undefined) q = q.where('start_time', '>=', from)
    if (to !== undefined) q = q.where('start_time', '<', to)
    const rows = await q.orderBy(column).limit(limit).execute()
    return rows.map((r) => (r as Record<string, string>)[column] as string)
  }

  return {
    async insertMany(spans) {
      if (!Array.isArray(spans)) throw new AssayError('invalid_input', 'spans must be an array')
      const parsed = spans.map((span, i) => parseInput(SpanInputSchema, span, `span ${i + 1}`))
      if (parsed.length === 0) return { inserted: 0, duplicates: 0 }
      return db.transaction().execute(async (trx: Kysely<Database>) => {
        for (const projectId of new Set(parsed.map((s) => s.projectId))) {
          await requireProject(trx, projectId)
        }
        let inserted = 0
        for (let i = 0; i < parsed.length; i += SPANS_PER_INSERT) {
          const values = parsed.slice(i, i + SPANS_PER_INSERT).map((s) => ({
            id: deps.ids.next('spn'),
            project_id: s.projectId,
            trace_id: s.traceId,
            span_id: s.spanId,
            parent_span_id: s.parentSpanId,
            service_name: s.serviceName,
            span_name: s.spanName,
            model: s.model,
            start_time: s.startTime,
            end_time: s.endTime,
            latency_ms: s.latencyMs,
            status: s.status,
            status_message: s.statusMessage,
            input_tokens: s.inputTokens,
            output_tokens: s.outputTokens,
            input: s.input,
            output: s.output,
            request_id: s.requestId,
            received_at: s.receivedAt,
          }))
          const result = await trx
            .insertInto('spans')
            .values(values)
            .onConflict((oc) => oc.columns(['project_id', 'trace_id', 'span_id']).doNothing())
            .executeTakeFirst()
          inserted += Number(result.numInsertedOrUpdatedRows ?? 0)
        }
        return { inserted, duplicates: parsed.length - inserted }
      })
    },

    async find(projectId, traceId, spanId) {
      const record = await db
        .selectFrom('spans')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('trace_id', '=', traceId)
        .where('span_id', '=', spanId)
        .executeTakeFirst()
      return record ? toSpan(record) : undefined
    },

    async query(filter, page) {
      const normalized = normalizeSpanFilter(filter)
      checkSpanPage(page.limit, page.after)
      let q = filtered(db.selectFrom('spans').selectAll(), normalized)
      const after = page.after
      if (after !== undefined) {
        q = q.where((eb) =>
          eb(eb.refTuple('start_time', 'id'), '>', eb.tuple(after.startTime, after.id)),
        )
      }
      // One more than asked tells whether there is a next page.
      const records = await q
        .orderBy('start_time')
        .orderBy('id')
        .limit(page.limit + 1)
        .execute()
      const spans = records.slice(0, page.limit).map(toSpan)
      const last = spans[spans.length - 1]
      const next =
        records.length > page.limit && last ? { startTime: last.startTime, id: last.id } : null
      return { spans, next }
    },

    async count(filter) {
      const normalized = normalizeSpanFilter(filter)
      const row = await filtered(
        db.selectFrom('spans').select((eb) => eb.fn.countAll().as('n')),
        normalized,
      ).executeTakeFirst()
      return Number(row?.n ?? 0)
    },

    async facets(projectId, options = {}) {
      const from = options.from === undefined ? undefined : normalizeInstant(options.from, 'from')
      const to = options.to === undefined ? undefined : normalizeInstant(options.to, 'to')
      const limit = facetLimit(options.limit)
      const [models, services, names] = await Promise.all([
        distinct('model', projectId, from, to, limit),
        distinct('service_name', projectId, from, to, limit),
        distinct('span_name', projectId, from, to, limit),
      ])
      const sources = [...new Set([...services, ...names])].sort(compareCodePoints).slice(0, limit)
      return { models: models.sort(compareCodePoints), sources }
    },
  }
}

/** Code point order (what SQLite and PostgreSQL's C collation sort text by). */
function compareCodePoints(a: string, b: string): number {
  const left = [...a]
  const right = [...b]
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]?.codePointAt(0) ?? 0
    const y = right[i]?.codePointAt(0) ?? 0
    if (x !== y) return x < y ? -1 : 1
  }
  return left.length - right.length
}
