import { z } from 'zod'
import { CellStatusSchema } from '../domain/cell.js'
import { ThresholdSchema } from '../domain/column.js'
import { RunStatusSchema } from '../domain/run.js'
import type {
  ColumnAggregate,
  ResultsAggregate,
  ResultsAgreement,
  ResultsPage,
  RunComparison,
} from './query.js'

/*
 * The answers of the results API (page, aggregate, agreement, compare runs) and of a run's
 * progress, as zod schemas, so the OpenAPI document describes them in full. Each carries an `id`
 * in its metadata: the name of its component in the document. They describe exactly what the
 * types in query.ts (and the engine's RunProgress) already hold; `satisfies` checks below keep
 * the two from drifting apart.
 */

const n = z.number()
const count = z.number().int().nonnegative()

/** The scale as answered (no refinements: an answer is not validated, only described). */
export const ScaleViewSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('score'), min: n, max: n }),
    z.object({ kind: z.literal('boolean') }),
  ])
  .meta({ id: 'Scale' })

export const ManualCellViewSchema = z
  .object({ value: z.string().nullable(), editedBy: z.string().nullable(), editedAt: z.string() })
  .meta({ id: 'ManualCellView' })

export const ResultCellViewSchema = z
  .object({
    runId: z.string(),
    status: CellStatusSchema,
    value: z.union([n, z.string()]).nullable(),
    pass: z.boolean().nullable(),
    explanation: z.string().nullable(),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    tokensIn: count,
    tokensOut: count,
    cost: n.nullable(),
    latencyMs: n.nullable(),
    attempts: count,
    cached: z.boolean(),
    model: z.string().nullable(),
    finishedAt: z.string(),
  })
  .meta({ id: 'ResultCellView' })

export const ResultsRowSchema = z
  .object({
    id: z.string(),
    index: count,
    /** Data column id → imported text. */
    data: z.record(z.string(), z.string()),
    /** Manual / human column id → stored value; absent when never edited. */
    values: z.record(z.string(), ManualCellViewSchema),
    /** Generator / evaluator column id → result; absent when there is none. */
    results: z.record(z.string(), ResultCellViewSchema),
  })
  .meta({ id: 'ResultsRow' })

export const ResultsPageSchema = z
  .object({
    rows: z.array(ResultsRowSchema),
    /** Pass it back as `cursor` for the next page; null on the last page. */
    nextCursor: z.string().nullable(),
    /** Rows matching the filters. */
    total: count,
    /** Rows of the evaluation. */
    rowCount: count,
  })
  .meta({ id: 'ResultsPage' })

export const HistogramSchema = z
  .object({
    kind: z.enum(['boolean', 'integer', 'equal-width']),
    bins: z.array(z.object({ lo: n, hi: n, count })),
  })
  .meta({ id: 'Histogram' })

export const ColumnAggregateSchema = z
  .object({
    columnId: z.string(),
    kind: z.enum(['evaluator', 'human']),
    scale: ScaleViewSchema,
    threshold: ThresholdSchema.nullable(),
    total: count,
    pass: count,
    fail: count,
    noVerdict: count,
    error: count,
    pending: count,
    stopped: count,
    skipped: count,
    scored: count,
    outOfScale: count,
    passRate: n.nullable(),
    failRate: n.nullable(),
    avg: n.nullable(),
    min: n.nullable(),
    max: n.nullable(),
    histogram: HistogramSchema,
    /** Error cells whose code is `judge_unparseable` (also counted in `error`). */
    unparseable: count,
    tokensIn: count,
    tokensOut: count,
    /** Null when some result used tokens at an unknown price. */
    cost: n.nullable(),
  })
  .meta({ id: 'ColumnAggregate' })

export const ResultsAggregateSchema = z
  .object({ rows: count, rowCount: count, columns: z.array(ColumnAggregateSchema) })
  .meta({ id: 'ResultsAggregate' })

export const ResultsAgreementSchema = z
  .object({
    n: count,
    accuracy: n.nullable(),
    kappa: n.nullable(),
    weightedKappa: n.nullable(),
    spearman: n.nullable(),
    pearson: n.nullable(),
    evaluatorColumnId: z.string(),
    labelColumnId: z.string(),
    mode: z.enum(['verdict', 'value']),
    rows: count,
  })
  .meta({ id: 'ResultsAgreement' })

export const RunPassRateSchema = z
  .object({ pass: count, fail: count, error: count, passRate: n.nullable() })
  .meta({ id: 'RunPassRate' })

const VerdictSchema = z.enum(['pass', 'fail'])

export const RunComparisonSchema = z
  .object({
    runA: z.string(),
    runB: z.string(),
    rows: count,
    columns: z.array(
      z.object({
        columnId: z.string(),
        a: RunPassRateSchema,
        b: RunPassRateSchema,
        change: n.nullable(),
        fixed: count,
        broken: count,
      }),
    ),
    changes: z.array(
      z.object({
        index: count,
        rowId: z.string(),
        cells: z.array(
          z.object({
            columnId: z.string(),
            a: VerdictSchema,
            b: VerdictSchema,
            scoreA: n.nullable(),
            scoreB: n.nullable(),
          }),
        ),
      }),
    ),
    nextCursor: z.string().nullable(),
    changedRows: count,
  })
  .meta({ id: 'RunComparison' })

export const BackoffStateSchema = z
  .object({
    connectionId: z.string(),
    connectionName: z.string(),
    inFlight: count,
    queued: count,
    /** Epoch ms until which a 429 or 5xx paused the connection; null when not paused. */
    pausedUntil: n.nullable(),
  })
  .meta({ id: 'BackoffState' })

/** A run's counts: live while it executes here, else read from its stored results. */
export const RunProgressSchema = z
  .object({
    runId: z.string(),
    status: RunStatusSchema,
    rows: z.object({ total: count, processed: count }),
    cells: z.object({
      total: count,
      done: count,
      error: count,
      cached: count,
      stopped: count,
      pending: count,
    }),
    /** Model calls that returned an answer (live); stored cells that used tokens (from storage). */
    generations: count,
    tokens: z.object({ input: count, output: count }),
    /** Null when a price is unknown: an unknown cost is never shown as 0. */
    cost: n.nullable(),
    elapsedMs: n,
    cellsPerSecond: n,
    backoff: z.array(BackoffStateSchema),
  })
  .meta({ id: 'RunProgress' })
export type RunProgressView = z.infer<typeof RunProgressSchema>

// The schemas describe the domain's answer types: an answer of those types fits them.
type Fits<T, S extends z.ZodType> = T extends z.input<S> ? true : false
const fits: [
  Fits<ResultsPage, typeof ResultsPageSchema>,
  Fits<ColumnAggregate, typeof ColumnAggregateSchema>,
  Fits<ResultsAggregate, typeof ResultsAggregateSchema>,
  Fits<ResultsAgreement, typeof ResultsAgreementSchema>,
  Fits<RunComparison, typeof RunComparisonSchema>,
] = [true, true, true, true, true]
void fits
