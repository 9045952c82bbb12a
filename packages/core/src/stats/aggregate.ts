import type { CellStatus } from '../domain/cell.js'
import type { Scale } from '../domain/evaluator.js'
import { AssayError } from '../errors.js'
import {
  binOf,
  type Histogram,
  type HistogramLayout,
  type HistogramSpec,
  histogramOf,
  resolveHistogramLayout,
  sameLayout,
} from './histogram.js'

/** What the footers and Insights need from one evaluator cell. */
export type AggregateCell = {
  status: CellStatus
  /** The score (or boolean 1/0); `null` when there is none. */
  score: number | null
  /** The stored verdict; `null` when the cell has none. */
  pass: boolean | null
}

/**
 * Footer metrics (SPEC §5, reference §7.2) and the Insights tile numbers (§7.3) for any subset of
 * one column's cells (the filtered view, a partial run).
 *
 * Counting:
 * - every cell is in `total` and in exactly one of `pass`, `fail`, `noVerdict` (done cells without
 *   a verdict, e.g. a score column with no threshold), `error`, `pending` (pending + running),
 *   `stopped`, `skipped`;
 * - pass/fail come from the cell's stored `pass` of `done` cells only;
 * - `passRate` / `failRate` are fractions (0..1) over `pass + fail` only: errors, skipped, pending,
 *   stopped and verdict-less cells are counted but never in a percentage. Both are `null`, never
 *   NaN, when no cell passed or failed;
 * - `scored`, `avg`, `min`, `max` and the histogram cover `done` cells whose score is a finite
 *   number (NaN, ±∞ and null are left out); avg/min/max are `null` when there are none;
 * - scores outside the scale stay as they are in avg/min/max, go into the nearest edge bin of the
 *   histogram, and are counted in `outOfScale`.
 */
export type Aggregate = {
  total: number
  pass: number
  fail: number
  noVerdict: number
  error: number
  pending: number
  stopped: number
  skipped: number
  scored: number
  outOfScale: number
  passRate: number | null
  failRate: number | null
  avg: number | null
  min: number | null
  max: number | null
  histogram: Histogram
}

/**
 * The running totals of an aggregator: plain, JSON-safe data whose size depends only on the
 * number of histogram bins, never on the number of cells.
 */
export type AggregatorState = {
  layout: HistogramLayout
  total: number
  pass: number
  fail: number
  noVerdict: number
  error: number
  pending: number
  stopped: number
  skipped: number
  scored: number
  outOfScale: number
  /** Neumaier-compensated sum of the scores: the true sum is `sum + compensation`. */
  sum: number
  compensation: number
  min: number | null
  max: number | null
  counts: number[]
}

/** A streaming accumulator: O(1) memory, cells are added one at a time. */
export type Aggregator = {
  add(cell: AggregateCell): void
  result(): Aggregate
  /** A copy of the running totals, to store or send; `restoreAggregator` reads it back. */
  state(): AggregatorState
}

export type AggregateOptions = { histogram?: HistogramSpec }

export function createAggregator(scale: Scale, options: AggregateOptions = {}): Aggregator {
  return new StreamingAggregator(emptyState(resolveHistogramLayout(scale, options.histogram)))
}

export function restoreAggregator(state: AggregatorState): Aggregator {
  if (state.counts.length !== state.layout.bins) {
    throw new AssayError('invalid_input', 'the aggregate state does not match its histogram bins')
  }
  return new StreamingAggregator(copyState(state))
}

/** Aggregates all cells at once; same as adding each to `createAggregator(scale, options)`. */
export function aggregate(
  cells: Iterable<AggregateCell>,
  scale: Scale,
  options: AggregateOptions = {},
): Aggregate {
  const aggregator = createAggregator(scale, options)
  for (const cell of cells) aggregator.add(cell)
  return aggregator.result()
}

/**
 * Combines two partial aggregates of the same column into a new aggregator (neither input is
 * changed): `merge(a, b).result()` equals the aggregate of the union of their cells, up to
 * floating-point rounding in `avg`. Throws when the two were made with different scales or bins.
 */
export function merge(a: Aggregator, b: Aggregator): Aggregator {
  const x = a.state()
  const y = b.state()
  if (!sameLayout(x.layout, y.layout)) {
    throw new AssayError('invalid_input', 'cannot merge aggregates with different histogram bins')
  }
  const sum = neumaier(x.sum, x.compensation + y.compensation, y.sum)
  return new StreamingAggregator({
    layout: x.layout,
    total: x.total + y.total,
    pass: x.pass + y.pass,
    fail: x.fail + y.fail,
    noVerdict: x.noVerdict + y.noVerdict,
    error: x.error + y.error,
    pending: x.pending + y.pending,
    stopped: x.stopped + y.stopped,
    skipped: x.skipped + y.skipped,
    scored: x.scored + y.scored,
    outOfScale: x.outOfScale + y.outOfScale,
    sum: sum.sum,
    compensation: sum.compensation,
    min: x.min === null ? y.min : y.min === null ? x.min : Math.min(x.min, y.min),
    max: x.max === null ? y.max : y.max === null ? x.max : Math.max(x.max, y.max),
    counts: x.counts.map((count, i) => count + (y.counts[i] ?? 0)),
  })
}

class StreamingAggregator implements Aggregator {
  readonly #s: AggregatorState

  constructor(state: AggregatorState) {
    this.#s = state
  }

  add(cell: AggregateCell): void {
    const s = this.#s
    s.total++
    switch (cell.status) {
      case 'pending':
      case 'running':
        s.pending++
        return
      case 'error':
        s.error++
        return
      case 'stopped':
        s.stopped++
        return
      case 'skipped':
        s.skipped++
        return
      case 'done':
        this.#addDone(cell)
        return
      default:
        // Not a status the schema knows: counted in `total` only.
        return
    }
  }

  #addDone(cell: AggregateCell): void {
    const s = this.#s
    if (cell.pass === true) s.pass++
    else if (cell.pass === false) s.fail++
    else s.noVerdict++
    const score = cell.score
    if (typeof score !== 'number' || !Number.isFinite(score)) return
    s.scored++
    const next = neumaier(s.sum, s.compensation, score)
    s.sum = next.sum
    s.compensation = next.compensation
    s.min = s.min === null || score < s.min ? score : s.min
    s.max = s.max === null || score > s.max ? score : s.max
    const bin = binOf(score, s.layout)
    s.counts[bin.index] = (s.counts[bin.index] ?? 0) + 1
    if (bin.outOfScale) s.outOfScale++
  }

  result(): Aggregate {
    const s = this.#s
    const judged = s.pass + s.fail
    let avg: number | null = null
    if (s.scored > 0 && s.min !== null && s.max !== null) {
      // Rounding can push a mean a hair outside the observed range (all scores 0.7); keep it in.
      avg = Math.min(s.max, Math.max(s.min, (s.sum + s.compensation) / s.scored))
    }
    return {
      total: s.total,
      pass: s.pass,
      fail: s.fail,
      noVerdict: s.noVerdict,
      error: s.error,
      pending: s.pending,
      stopped: s.stopped,
      skipped: s.skipped,
      scored: s.scored,
      outOfScale: s.outOfScale,
      passRate: judged === 0 ? null : s.pass / judged,
      failRate: judged === 0 ? null : s.fail / judged,
      avg,
      min: s.min,
      max: s.max,
      histogram: histogramOf(s.layout, s.counts),
    }
  }

  state(): AggregatorState {
    return copyState(this.#s)
  }
}

function emptyState(layout: HistogramLayout): AggregatorState {
  return {
    layout,
    total: 0,
    pass: 0,
    fail: 0,
    noVerdict: 0,
    error: 0,
    pending: 0,
    stopped: 0,
    skipped: 0,
    scored: 0,
    outOfScale: 0,
    sum: 0,
    compensation: 0,
    min: null,
    max: null,
    counts: new Array<number>(layout.bins).fill(0),
  }
}

function copyState(state: AggregatorState): AggregatorState {
  return { ...state, layout: { ...state.layout }, counts: [...state.counts] }
}

/** One step of Neumaier's compensated summation: adds `value` to `sum + compensation`. */
function neumaier(
  sum: number,
  compensation: number,
  value: number,
): { sum: number; compensation: number } {
  const total = sum + value
  const lost = Math.abs(sum) >= Math.abs(value) ? sum - total + value : value - total + sum
  return { sum: total, compensation: compensation + lost }
}
