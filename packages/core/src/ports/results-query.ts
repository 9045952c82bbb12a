import type { Scale } from '../domain/evaluator.js'
import type {
  ResultsAggregate,
  ResultsAggregateQueryInput,
  ResultsAgreement,
  ResultsPage,
  ResultsQueryInput,
  RunComparison,
  RunComparisonQueryInput,
} from '../results/query.js'

/** Evaluator column id → its evaluator's scale (histogram bins); see `fallbackScale`. */
export type ColumnScales = Readonly<Record<string, Scale>>

/**
 * The read side of the results table (SPEC §5), for the HTTP API. Every method takes a query in
 * the shape of core's schemas (`ResultsQuerySchema`, …) and checks it: a malformed query, a
 * filter on a column of another kind or evaluation, or a cursor made for another sort is
 * `invalid_input`; a missing evaluation or run (or a run of another evaluation) is `not_found`.
 *
 * A cell's result is, unless a `runId` is given, the latest finished one (done or error) across
 * runs, exactly as `CellResultRepository.latestForRows` picks it; with a `runId`, that run's
 * result (a cell it has none for is pending). Filters are ANDed and apply to every method alike.
 */
export interface ResultsQueryRepository {
  /**
   * One page of rows with their data, manual/human values and results. Keyset pagination:
   * sorted by the sort column (empty cells last) then row index, or by row index alone; pass
   * `nextCursor` back with the same sort to get the next page.
   */
  page(evaluationId: string, query?: ResultsQueryInput): Promise<ResultsPage>
  /**
   * Footers and Insights: per evaluator column and human thumbs column, core's aggregate of the
   * matching rows' cells plus health (unparseable answers, tokens, cost). `scales` gives each
   * evaluator column's scale; a column left out gets `fallbackScale(threshold)`.
   */
  aggregate(
    evaluationId: string,
    query?: ResultsAggregateQueryInput,
    options?: { scales?: ColumnScales },
  ): Promise<ResultsAggregate>
  /**
   * Agreement (accuracy, Cohen's kappa, Spearman, …) between an evaluator column's done scores
   * and a label column (human thumbs, manual, data or generated text read by `labelValue`) over
   * the matching rows that have both.
   */
  agreement(
    evaluationId: string,
    evaluatorColumnId: string,
    labelColumnId: string,
    query?: ResultsAggregateQueryInput,
  ): Promise<ResultsAgreement>
  /**
   * Two runs of one evaluation side by side: each evaluator column's pass rate in both and the
   * change, and a page (in row order) of the rows whose pass/fail flipped.
   */
  compareRuns(runA: string, runB: string, query?: RunComparisonQueryInput): Promise<RunComparison>
}
