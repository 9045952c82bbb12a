import { z } from 'zod'
import type { CellResult, CellStatus } from '../domain/cell.js'
import type { Threshold } from '../domain/column.js'
import type { Scale } from '../domain/evaluator.js'
import { IdSchema } from '../domain/ids.js'
import type { Aggregate } from '../stats/aggregate.js'
import type { Agreement } from '../stats/agreement.js'

/*
 * The read side of the results table (SPEC §5): which rows to show, in which order, a page at a
 * time, and the footer / Insights / agreement / compare-runs numbers over the same filtered rows.
 * These schemas are what the HTTP API accepts; `ResultsQueryRepository` answers them.
 */

export const RESULTS_PAGE_MAX = 500
export const RESULTS_PAGE_DEFAULT = 100
export const RESULTS_FILTERS_MAX = 50
export const RESULTS_FILTER_TEXT_MAX = 1000
/** The largest `offset` a page query takes (row indexes are 32-bit integers in storage). */
export const RESULTS_OFFSET_MAX = 2_147_483_647

/** Text filters: `contains` ignores ASCII case, `equals` is exact; `empty` is null or ''. */
export const TEXT_FILTER_OPS = ['contains', 'equals', 'empty', 'not_empty'] as const
export type TextFilterOp = (typeof TEXT_FILTER_OPS)[number]

/** Score filters on an evaluator column; `between` is inclusive at both ends. */
export const SCORE_FILTER_OPS = ['>', '>=', '<', '<=', '=', 'between'] as const
export type ScoreFilterOp = (typeof SCORE_FILTER_OPS)[number]

/**
 * An evaluator cell's verdict. `pass` / `fail`: a done cell with that stored verdict; `error`: an
 * error cell; `pending`: no finished result (none yet, or pending / running / stopped / skipped in
 * the run asked for). A done cell without a verdict (a score column without a threshold) matches
 * none of them.
 */
export const VERDICTS = ['pass', 'fail', 'error', 'pending'] as const
export type Verdict = (typeof VERDICTS)[number]

/** A human thumbs cell: `up` is '1', `down` is '0', `none` is anything else (no value). */
export const THUMBS = ['up', 'down', 'none'] as const
export type Thumbs = (typeof THUMBS)[number]

export const ResultsFilterSchema = z
  .discriminatedUnion('type', [
    /** Any data, manual, generated or human text (better output, comment) column. */
    z.object({
      type: z.literal('text'),
      columnId: IdSchema,
      op: z.enum(TEXT_FILTER_OPS),
      value: z.string().max(RESULTS_FILTER_TEXT_MAX).optional(),
    }),
    /** An evaluator column's score, on done cells only. */
    z.object({
      type: z.literal('score'),
      columnId: IdSchema,
      op: z.enum(SCORE_FILTER_OPS),
      value: z.number().finite(),
      /** The upper end of `between`. */
      to: z.number().finite().optional(),
    }),
    /** An evaluator column's verdict: any of `values`. */
    z.object({
      type: z.literal('verdict'),
      columnId: IdSchema,
      values: z.array(z.enum(VERDICTS)).min(1).max(VERDICTS.length),
    }),
    /** A human thumbs column: any of `values`. */
    z.object({
      type: z.literal('thumbs'),
      columnId: IdSchema,
      values: z.array(z.enum(THUMBS)).min(1).max(THUMBS.length),
    }),
  ])
  .superRefine((filter, ctx) => {
    if (filter.type === 'text' && (filter.op === 'contains' || filter.op === 'equals')) {
      if (filter.value === undefined || filter.value === '') {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `'${filter.op}' needs a value` })
      }
      if (filter.value?.includes('\u0000')) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'a NUL character cannot match' })
      }
    }
    if (filter.type === 'score' && filter.op === 'between') {
      if (filter.to === undefined) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: `'between' needs an upper end` })
      } else if (filter.to < filter.value) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'the upper end is below the lower' })
      }
    }
  })
export type ResultsFilter = z.output<typeof ResultsFilterSchema>

/** Sort by a column (score, thumbs 1/0, or text in code point order); empty cells go last. */
export const ResultsSortSchema = z.object({
  columnId: IdSchema,
  direction: z.enum(['asc', 'desc']).default('asc'),
})
export type ResultsSort = z.output<typeof ResultsSortSchema>

const FiltersSchema = z.array(ResultsFilterSchema).max(RESULTS_FILTERS_MAX).default([])
const CursorSchema = z.string().min(1).max(4096).nullable().default(null)
const LimitSchema = z.number().int().min(1).max(RESULTS_PAGE_MAX).default(RESULTS_PAGE_DEFAULT)
/** Null: per cell, the latest finished result across runs (what the table shows). */
const RunIdSchema = IdSchema.nullable().default(null)

/**
 * One page of the table: filters (AND), sort (null: row order), and where it starts: after a
 * keyset `cursor` (the next page of a listing), or at `offset` rows into the filtered and sorted
 * listing (random access, e.g. the scrollbar dragged far down). Neither: the first page. Both:
 * refused (`invalid_input`).
 */
export const ResultsQuerySchema = z.object({
  filters: FiltersSchema,
  sort: ResultsSortSchema.nullable().default(null),
  cursor: CursorSchema,
  /** Rows of the listing to skip; the page's `nextCursor` continues from there. */
  offset: z.number().int().min(0).max(RESULTS_OFFSET_MAX).nullable().default(null),
  limit: LimitSchema,
  runId: RunIdSchema,
})
export type ResultsQuery = z.output<typeof ResultsQuerySchema>
export type ResultsQueryInput = z.input<typeof ResultsQuerySchema>

export const ResultsAggregateQuerySchema = z.object({
  filters: FiltersSchema,
  runId: RunIdSchema,
})
export type ResultsAggregateQueryInput = z.input<typeof ResultsAggregateQuerySchema>

export const RunComparisonQuerySchema = z.object({
  /** Which rows: evaluated against the table's results (latest across runs). */
  filters: FiltersSchema,
  /** Only these evaluator columns; null: all of them. */
  columnIds: z.array(IdSchema).min(1).nullable().default(null),
  cursor: CursorSchema,
  limit: LimitSchema,
})
export type RunComparisonQueryInput = z.input<typeof RunComparisonQuerySchema>

/** What the table shows of a manual or human cell. */
export type ManualCellView = { value: string | null; editedBy: string | null; editedAt: string }

/** What the table shows of a generator or evaluator cell (the raw answer is fetched apart). */
export type ResultCellView = {
  runId: string
  status: CellStatus
  value: number | string | null
  pass: boolean | null
  explanation: string | null
  error: CellResult['error']
  tokensIn: number
  tokensOut: number
  cost: number | null
  latencyMs: number | null
  attempts: number
  cached: boolean
  model: string | null
  finishedAt: string
}

export type ResultsRow = {
  id: string
  index: number
  /** Data column id → imported text. */
  data: Record<string, string>
  /** Manual / human column id → stored value; absent when never edited. */
  values: Record<string, ManualCellView>
  /** Generator / evaluator column id → result; absent when there is none. */
  results: Record<string, ResultCellView>
}

export type ResultsPage = {
  rows: ResultsRow[]
  /** Pass it back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
  /**
   * Rows matching the filters: counted for the first page (or a page at an offset) and carried
   * by the cursor, so the pages of one listing agree (and do not count again).
   */
  total: number
  /** Rows of the evaluation. */
  rowCount: number
}

/**
 * Footer and Insights numbers of one evaluator or human thumbs column over the matching rows:
 * core's {@link Aggregate} of the cells (a row without a result is a pending cell), plus health.
 */
export type ColumnAggregate = Aggregate & {
  columnId: string
  kind: 'evaluator' | 'human'
  scale: Scale
  threshold: Threshold | null
  /** Error cells whose code is `judge_unparseable` (also counted in `error`). */
  unparseable: number
  tokensIn: number
  tokensOut: number
  /** Null when some result used tokens at an unknown price. */
  cost: number | null
}

export type ResultsAggregate = {
  /** Rows matching the filters (each column's `total`). */
  rows: number
  rowCount: number
  columns: ColumnAggregate[]
}

export type ResultsAgreement = Agreement & {
  evaluatorColumnId: string
  labelColumnId: string
  /**
   * `verdict`: a thresholded score judge against a 1/0 label; accuracy and kappa compare the
   * judge's pass/fail with the label, Spearman and Pearson the raw score. `value`: the values
   * themselves are compared.
   */
  mode: 'verdict' | 'value'
  /** Rows matching the filters. */
  rows: number
}

export type RunPassRate = {
  pass: number
  fail: number
  error: number
  passRate: number | null
}

export type ColumnComparison = {
  columnId: string
  a: RunPassRate
  b: RunPassRate
  /** b.passRate − a.passRate; null when either is undefined. */
  change: number | null
  /** Rows that failed in run A and pass in run B. */
  fixed: number
  /** Rows that passed in run A and fail in run B. */
  broken: number
}

export type CellVerdictChange = {
  columnId: string
  a: 'pass' | 'fail'
  b: 'pass' | 'fail'
  scoreA: number | null
  scoreB: number | null
}

export type RunComparison = {
  runA: string
  runB: string
  /** Rows matching the filters. */
  rows: number
  columns: ColumnComparison[]
  /** Rows whose pass/fail flipped between the runs in some compared column, in row order. */
  changes: { index: number; rowId: string; cells: CellVerdictChange[] }[]
  nextCursor: string | null
  /** Rows (matching the filters) with at least one flip. */
  changedRows: number
}
