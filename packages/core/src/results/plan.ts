import type { z } from 'zod'
import type { Column, Threshold } from '../domain/column.js'
import type { Scale } from '../domain/evaluator.js'
import { AssayError } from '../errors.js'
import { type AggregateCell, createAggregator } from '../stats/aggregate.js'
import { type Agreement, agreement } from '../stats/agreement.js'
import { passes } from '../stats/threshold.js'
import {
  type ColumnAggregate,
  type ResultsFilter,
  type ResultsSort,
  type Thumbs,
  VERDICTS,
  type Verdict,
} from './query.js'

/*
 * What every ResultsQueryRepository adapter shares: checking a query against the evaluation's
 * columns, the keyset cursor, and the exact meaning of each filter on one value, so the memory
 * fake and the SQL adapters cannot drift apart.
 */

/** Where a column's value lives, as far as filtering and sorting are concerned. */
export type ColumnRole =
  /** `rows.data[index]`: imported text. */
  | { kind: 'data'; index: number }
  /** A manual or human text column (cell values). */
  | { kind: 'text-value' }
  /** A human thumbs column (cell values '1' / '0'). */
  | { kind: 'thumbs' }
  /** A generator's output text (cell results). */
  | { kind: 'generated' }
  /** An evaluator's score and verdict (cell results). */
  | { kind: 'evaluator'; threshold: Threshold | null }

export type PlannedColumn = { column: Column; role: ColumnRole }

/** The columns of an evaluation by id, with their roles; data columns in position order. */
export function planColumns(columns: readonly Column[]): Map<string, PlannedColumn> {
  const planned = new Map<string, PlannedColumn>()
  const data = columns
    .filter((c) => c.config.kind === 'data')
    .sort((a, b) => a.position - b.position)
  data.forEach((column, index) => {
    planned.set(column.id, { column, role: { kind: 'data', index } })
  })
  for (const column of columns) {
    const config = column.config
    if (config.kind === 'manual') planned.set(column.id, { column, role: { kind: 'text-value' } })
    else if (config.kind === 'human') {
      const role = config.feedback === 'thumbs' ? 'thumbs' : 'text-value'
      planned.set(column.id, { column, role: { kind: role } })
    } else if (config.kind === 'generated') {
      planned.set(column.id, { column, role: { kind: 'generated' } })
    } else if (config.kind === 'evaluator') {
      const threshold = config.evaluator.threshold
      planned.set(column.id, { column, role: { kind: 'evaluator', threshold } })
    }
  }
  return planned
}

function refuse(message: string, field: string): never {
  throw new AssayError('invalid_input', message, { position: { field } })
}

function columnOf(
  columns: Map<string, PlannedColumn>,
  columnId: string,
  field: string,
): PlannedColumn {
  const column = columns.get(columnId)
  if (!column) refuse(`column ${columnId} is not a column of this evaluation`, field)
  return column
}

export type PlannedFilter = { filter: ResultsFilter; column: PlannedColumn }

/** Checks that each filter suits its column's kind; throws `invalid_input` naming the field. */
export function planFilters(
  columns: Map<string, PlannedColumn>,
  filters: readonly ResultsFilter[],
): PlannedFilter[] {
  return filters.map((filter, i) => {
    const field = `filters.${i}`
    const column = columnOf(columns, filter.columnId, `${field}.columnId`)
    const kind = column.role.kind
    const name = column.column.name
    if (filter.type === 'text' && kind !== 'data' && kind !== 'text-value' && kind !== 'generated')
      refuse(`column "${name}" holds no text to filter on`, field)
    if ((filter.type === 'score' || filter.type === 'verdict') && kind !== 'evaluator')
      refuse(`column "${name}" is not an evaluator column`, field)
    if (filter.type === 'thumbs' && kind !== 'thumbs')
      refuse(`column "${name}" is not a thumbs column`, field)
    return { filter, column }
  })
}

/** What a sort compares: numbers (scores, thumbs 1/0) or text (code point order). */
export type SortKeyKind = 'number' | 'text'

export type PlannedSort = {
  column: PlannedColumn
  direction: 'asc' | 'desc'
  keyKind: SortKeyKind
}

export function planSort(
  columns: Map<string, PlannedColumn>,
  sort: ResultsSort | null,
): PlannedSort | null {
  if (sort === null) return null
  const column = columnOf(columns, sort.columnId, 'sort.columnId')
  const kind = column.role.kind
  const keyKind: SortKeyKind = kind === 'evaluator' || kind === 'thumbs' ? 'number' : 'text'
  return { column, direction: sort.direction, keyKind }
}

// ---------------------------------------------------------------------------------------------
// Cursor: an opaque base64url JSON of the sort it belongs to, the last row's sort key and index.

export type SortKey = number | string | null

/** Longer text keys are not carried in the cursor; the adapter reads the row's key again. */
export const CURSOR_TEXT_KEY_MAX = 512

/** `total`: the matching rows counted for the first page, reused by the pages after it. */
export type Cursor = { index: number; total?: number } & ({ key: SortKey } | { lookup: true })

/** Identifies a sort, so that a cursor is only ever used with the sort it was made for. */
export function sortSignature(sort: PlannedSort | null, scope = 'rows'): string {
  return sort === null ? `${scope}:index` : `${scope}:${sort.column.column.id}:${sort.direction}`
}

/**
 * Identifies a listing (sort, filters and run), so a cursor, and the total it carries, is only
 * used for the query it was made for.
 */
export function listingSignature(
  sort: PlannedSort | null,
  filters: readonly unknown[],
  runId: string | null,
): string {
  // FNV-1a over the filters and run: short, stable, and enough to tell two listings apart.
  let hash = 0x811c9dc5
  for (const char of JSON.stringify([filters, runId])) {
    hash ^= char.codePointAt(0) ?? 0
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return `${sortSignature(sort)}:${hash.toString(36)}`
}

export function encodeCursor(
  signature: string,
  index: number,
  key: SortKey,
  total?: number,
): string {
  const body: Record<string, unknown> =
    typeof key === 'string' && key.length > CURSOR_TEXT_KEY_MAX
      ? { s: signature, i: index, l: 1 }
      : { s: signature, i: index, k: key }
  if (total !== undefined) body.t = total
  return toBase64Url(new TextEncoder().encode(JSON.stringify(body)))
}

export function decodeCursor(cursor: string, signature: string): Cursor {
  const bad = (why: string): never => refuse(`the cursor is not valid: ${why}`, 'cursor')
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(cursor)))
  } catch {
    return bad('it was not made by this API')
  }
  if (typeof body !== 'object' || body === null) return bad('it was not made by this API')
  const { s, i, k, l, t } = body as Record<string, unknown>
  if (s !== signature)
    return bad('it belongs to another sort or filter; start again without a cursor')
  if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0) return bad('no row index')
  const total = typeof t === 'number' && Number.isSafeInteger(t) && t >= 0 ? { total: t } : {}
  if (l === 1) return { index: i, lookup: true, ...total }
  if (k === null || typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)))
    return { index: i, key: k, ...total }
  return bad('no sort key')
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

function toBase64Url(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6))
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63]
  }
  return out
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('not base64url')
  const bytes: number[] = []
  for (let i = 0; i < text.length; i += 4) {
    const chunk = text.slice(i, i + 4)
    let n = 0
    for (let c = 0; c < 4; c++) n = (n << 6) | (c < chunk.length ? ALPHABET.indexOf(chunk[c]!) : 0)
    const count = Math.floor((chunk.length * 6) / 8)
    for (let b = 0; b < count; b++) bytes.push((n >> (16 - 8 * b)) & 255)
  }
  return new Uint8Array(bytes)
}

// ---------------------------------------------------------------------------------------------
// The meaning of each filter and sort on one value: the memory fake uses these directly, and
// the SQL adapters translate them clause by clause.

/** Lower-cases ASCII letters only: what SQLite's lower() and PostgreSQL's under "C" do. */
export function foldAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase())
}

export function textMatches(
  value: string | null,
  filter: Extract<ResultsFilter, { type: 'text' }>,
): boolean {
  const empty = value === null || value === ''
  switch (filter.op) {
    case 'empty':
      return empty
    case 'not_empty':
      return !empty
    case 'equals':
      return value === filter.value
    case 'contains':
      return value !== null && foldAscii(value).includes(foldAscii(filter.value ?? ''))
  }
}

/** `score` is the score of a done cell, null otherwise. */
export function scoreMatches(
  score: number | null,
  filter: Extract<ResultsFilter, { type: 'score' }>,
): boolean {
  if (score === null || !Number.isFinite(score)) return false
  const v = filter.value
  switch (filter.op) {
    case '>':
      return score > v
    case '>=':
      return score >= v
    case '<':
      return score < v
    case '<=':
      return score <= v
    case '=':
      return score === v
    case 'between':
      return score >= v && score <= (filter.to ?? v)
  }
}

/** A result's verdict for filtering; `none` is a done cell without one. */
export function verdictOf(
  result: { status: string; pass: boolean | null } | undefined,
): Verdict | 'none' {
  if (!result) return 'pending'
  if (result.status === 'done') return result.pass === null ? 'none' : result.pass ? 'pass' : 'fail'
  if (result.status === 'error') return 'error'
  return 'pending'
}

export function thumbsOf(value: string | null | undefined): Thumbs {
  return value === '1' ? 'up' : value === '0' ? 'down' : 'none'
}

export function thumbsScore(value: string | null | undefined): number | null {
  return value === '1' ? 1 : value === '0' ? 0 : null
}

/** Whether the verdict filter lets rows without a finished result through. */
export function verdictsIncludePending(values: readonly Verdict[]): boolean {
  return values.includes('pending')
}

export const VERDICT_SET = new Set<string>(VERDICTS)

const TRUE_LABELS = new Set(['true', 'yes', 'y', 'pass', 'passed', 'up', 'correct', 'good'])
const FALSE_LABELS = new Set(['false', 'no', 'n', 'fail', 'failed', 'down', 'incorrect', 'bad'])

/**
 * A label cell's value for agreement: a number as written ('4', '0.5'), or 1 / 0 for the usual
 * yes/no words (true, yes, pass, …, any case); null for anything else, empty included.
 */
export function labelValue(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null
  const trimmed = text.trim()
  if (trimmed === '') return null
  const number = Number(trimmed)
  if (Number.isFinite(number)) return number
  const word = foldAscii(trimmed)
  if (TRUE_LABELS.has(word)) return 1
  if (FALSE_LABELS.has(word)) return 0
  return null
}

// ---------------------------------------------------------------------------------------------
// Aggregates.

/**
 * The scale of a column whose evaluator scale the caller did not give: boolean without a
 * threshold, otherwise the smallest usual scale holding the threshold (0..1, 1..5, 1..10,
 * 0..100). Callers that know the evaluator should pass its scale.
 */
export function fallbackScale(threshold: Threshold | null): Scale {
  if (threshold === null) return { kind: 'boolean' }
  const v = threshold.value
  if (v >= 0 && v <= 1) return { kind: 'score', min: 0, max: 1 }
  if (v >= 1 && v < 5) return { kind: 'score', min: 1, max: 5 }
  if (v >= 1 && v < 10) return { kind: 'score', min: 1, max: 10 }
  return {
    kind: 'score',
    min: Math.min(0, Math.floor(v) - 1),
    max: Math.max(100, Math.ceil(v) + 1),
  }
}

/** One group of identical cells of a column, as an adapter counts them. */
export type AggregateGroup = AggregateCell & {
  count: number
  /** How many of them are errors coded `judge_unparseable`. */
  unparseable: number
  tokensIn: number
  tokensOut: number
  /** Sum of the known costs. */
  cost: number
  /** How many used tokens at an unknown price. */
  unknownCost: number
}

/**
 * Builds a column's footer / Insights numbers from grouped cells; `matching` rows without any
 * group are pending. Feeds core's aggregator, so the numbers are exactly `aggregate()`'s.
 */
export function columnAggregate(
  head: Pick<ColumnAggregate, 'columnId' | 'kind' | 'scale' | 'threshold'>,
  matching: number,
  groups: Iterable<AggregateGroup>,
): ColumnAggregate {
  const aggregator = createAggregator(head.scale)
  let cells = 0
  let unparseable = 0
  let tokensIn = 0
  let tokensOut = 0
  let cost = 0
  let unknownCost = 0
  for (const group of groups) {
    const cell: AggregateCell = { status: group.status, score: group.score, pass: group.pass }
    for (let i = 0; i < group.count; i++) aggregator.add(cell)
    cells += group.count
    unparseable += group.unparseable
    tokensIn += group.tokensIn
    tokensOut += group.tokensOut
    cost += group.cost
    unknownCost += group.unknownCost
  }
  const pending: AggregateCell = { status: 'pending', score: null, pass: null }
  for (let i = cells; i < matching; i++) aggregator.add(pending)
  return {
    ...head,
    ...aggregator.result(),
    unparseable,
    tokensIn,
    tokensOut,
    cost: unknownCost > 0 ? null : cost,
  }
}

/** Parses with a core schema; a failure is `invalid_input` naming the field. */
export function parseQuery<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value ?? {})
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue?.path.map(String).join('.') ?? ''
  return refuse(`invalid query: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`, field)
}

export const JUDGE_UNPARSEABLE = 'judge_unparseable'

/** A page starts after a cursor or at an offset, not both: `invalid_input` naming `offset`. */
export function checkPageStart(query: { cursor: string | null; offset: number | null }): void {
  if (query.cursor !== null && query.offset !== null) {
    refuse(
      'give either a cursor (the next page) or an offset (a position in the listing), not both',
      'offset',
    )
  }
}

/**
 * Agreement of a judge column with a label column from per-row pairs (judge score of a done
 * cell, label value), each possibly null. `verdict` mode when the judge has a threshold and every
 * label present is 0 or 1: the judge's pass/fail is compared with the label.
 */
export function agreementOfPairs(
  pairs: readonly (readonly [number | null, number | null])[],
  threshold: Threshold | null,
): Agreement & { mode: 'verdict' | 'value' } {
  let binary = true
  for (const [, label] of pairs) if (label !== null && label !== 0 && label !== 1) binary = false
  if (threshold !== null && binary) {
    return {
      mode: 'verdict',
      ...agreement(pairs, { judgeVerdict: (score) => passes(score, threshold) }),
    }
  }
  return { mode: 'value', ...agreement(pairs) }
}

/** The evaluator columns a comparison covers, in position order. */
export function comparedColumns(
  columns: Map<string, PlannedColumn>,
  columnIds: readonly string[] | null,
): string[] {
  const evaluators = [...columns.values()]
    .filter((c) => c.role.kind === 'evaluator')
    .sort((x, y) => x.column.position - y.column.position)
    .map((c) => c.column.id)
  if (columnIds === null) return evaluators
  columnIds.forEach((id, i) => {
    if (!evaluators.includes(id)) {
      throw new AssayError('invalid_input', `column ${id} is not an evaluator column`, {
        position: { field: `columnIds.${i}` },
      })
    }
  })
  return evaluators.filter((id) => columnIds.includes(id))
}
