import { z } from 'zod'
import { AssayError } from '../errors.js'
import { IdSchema, InstantSchema } from './ids.js'

/*
 * A production span: one LLM call received over OTLP/HTTP, reduced to what the *Import production
 * data* dialog filters on and imports. Instants are stored as `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly,
 * so that text order is time order in every adapter (memory, SQLite, PostgreSQL).
 */

export const SPAN_STATUSES = ['ok', 'error', 'unset'] as const
export const SpanStatusSchema = z.enum(SPAN_STATUSES)
export type SpanStatus = z.infer<typeof SpanStatusSchema>

/** The largest token count SQL storage keeps (a PostgreSQL `integer`). */
export const SPAN_MAX_TOKENS = 2_147_483_647

/** An instant in the one fixed form spans are stored and compared in (UTC, milliseconds). */
export const SpanInstantSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected YYYY-MM-DDTHH:MM:SS.mmmZ')
  .refine((text) => {
    const ms = Date.parse(text)
    return Number.isFinite(ms) && new Date(ms).toISOString() === text
  }, 'not a valid instant')

const noNul = (text: string) => !text.includes('\u0000')
/** Text storable alike everywhere (PostgreSQL text cannot hold NUL). */
const SpanTextSchema = z.string().refine(noNul, 'text cannot contain a NUL character')
const SpanKeySchema = SpanTextSchema.pipe(z.string().min(1).max(1024))

const tokens = z.number().int().min(0).max(SPAN_MAX_TOKENS).nullable()

/** What the OTLP receiver hands to storage; the repository adds the id. */
export const SpanInputSchema = z.object({
  projectId: IdSchema,
  /** 32 lowercase hex digits, not all zero. */
  traceId: z
    .string()
    .regex(/^(?!0{32})[0-9a-f]{32}$/, 'expected 32 lowercase hex digits, not all 0'),
  /** 16 lowercase hex digits, not all zero. */
  spanId: z
    .string()
    .regex(/^(?!0{16})[0-9a-f]{16}$/, 'expected 16 lowercase hex digits, not all 0'),
  parentSpanId: z
    .string()
    .regex(/^(?!0{16})[0-9a-f]{16}$/, 'expected 16 lowercase hex digits, not all 0')
    .nullable(),
  serviceName: SpanKeySchema,
  spanName: SpanKeySchema,
  /** `gen_ai.request.model`, else `gen_ai.response.model`. */
  model: SpanKeySchema.nullable(),
  startTime: SpanInstantSchema,
  endTime: SpanInstantSchema,
  /** End minus start, in milliseconds (fractions kept to the microsecond). */
  latencyMs: z.number().finite().nonnegative(),
  status: SpanStatusSchema,
  statusMessage: SpanTextSchema.nullable(),
  inputTokens: tokens,
  outputTokens: tokens,
  /** The prompt as text (see docs/production-data.md for how messages are rendered). */
  input: SpanTextSchema.nullable(),
  /** The completion as text. */
  output: SpanTextSchema.nullable(),
  /** `gen_ai.response.id`. */
  requestId: SpanTextSchema.nullable(),
  receivedAt: InstantSchema,
})
export type SpanInput = z.infer<typeof SpanInputSchema>

export const SpanSchema = SpanInputSchema.extend({ id: IdSchema })
export type Span = z.infer<typeof SpanSchema>

/**
 * Which spans a query reads: one project's, started in [from, to), optionally of one model
 * (exact) and one source (a service name or a span name, exact).
 */
export type SpanFilter = {
  projectId: string
  model?: string | undefined
  source?: string | undefined
  from: string
  to: string
}

/** Where the next page starts: after the span with this start time and id. */
export type SpanCursor = { startTime: string; id: string }

/** The most spans one query page returns. */
export const SPAN_PAGE_MAX = 1000

/**
 * Checks a filter and puts its instants in the stored form, so that every adapter compares
 * the same strings; `invalid_input` names the field.
 */
export function normalizeSpanFilter(filter: SpanFilter): SpanFilter {
  if (typeof filter.projectId !== 'string' || filter.projectId === '') {
    throw new AssayError('invalid_input', 'a span query needs a project', {
      position: { field: 'projectId' },
    })
  }
  const from = normalizeInstant(filter.from, 'from')
  const to = normalizeInstant(filter.to, 'to')
  const normalized: SpanFilter = { projectId: filter.projectId, from, to }
  for (const key of ['model', 'source'] as const) {
    const value = filter[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value === '') {
      throw new AssayError('invalid_input', `the ${key} filter must be a non-empty string`, {
        position: { field: key },
      })
    }
    normalized[key] = value
  }
  return normalized
}

/** Checks a page limit and cursor. */
export function checkSpanPage(limit: number, after: SpanCursor | undefined): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > SPAN_PAGE_MAX) {
    throw new AssayError('invalid_input', `limit must be an integer from 1 to ${SPAN_PAGE_MAX}`, {
      position: { field: 'limit' },
    })
  }
  if (after === undefined) return
  if (
    typeof after.id !== 'string' ||
    after.id === '' ||
    !SpanInstantSchema.safeParse(after.startTime).success
  ) {
    throw new AssayError('invalid_input', 'invalid span cursor', { position: { field: 'after' } })
  }
}

/** The facet limit (default 1000), checked alike by every adapter. */
export function facetLimit(limit: number | undefined): number {
  if (limit === undefined) return 1000
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new AssayError('invalid_input', 'limit must be an integer from 1 to 10000', {
      position: { field: 'limit' },
    })
  }
  return limit
}

/** The instants with a four-digit year, which keep text order equal to time order. */
const MIN_INSTANT_MS = -62_167_219_200_000 // 0000-01-01T00:00:00.000Z
const MAX_INSTANT_MS = 253_402_300_799_999 // 9999-12-31T23:59:59.999Z

/** Any ISO-8601 instant with an offset, as `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
export function normalizeInstant(value: string, field: string): string {
  if (typeof value !== 'string' || !InstantSchema.safeParse(value).success) {
    throw new AssayError('invalid_input', `${field} must be an ISO-8601 instant with an offset`, {
      position: { field },
    })
  }
  const ms = Date.parse(value)
  if (!Number.isFinite(ms) || ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) {
    throw new AssayError('invalid_input', `${field} is out of range`, { position: { field } })
  }
  return new Date(ms).toISOString()
}

/** True when the span matches the filter (the memory fake's query; SQL says the same in SQL). */
export function spanMatches(span: SpanInput, filter: SpanFilter): boolean {
  return (
    span.projectId === filter.projectId &&
    span.startTime >= filter.from &&
    span.startTime < filter.to &&
    (filter.model === undefined || span.model === filter.model) &&
    (filter.source === undefined ||
      span.serviceName === filter.source ||
      span.spanName === filter.source)
  )
}
