import type { Scale } from '../domain/evaluator.js'
import { AssayError } from '../errors.js'

/**
 * How to bin scores. `integer`: one bin per whole value from min to max (a 1..5 scale gets 5
 * bins). `equal-width`: `bins` equal bins [lo, hi), the last one closed [lo, max].
 */
export type HistogramSpec = { kind: 'integer' } | { kind: 'equal-width'; bins: number }

/**
 * The resolved bins of one column. `integer` and `boolean` bins are single values
 * (`lo === hi`); `equal-width` bins run from `lo` to `hi`.
 */
export type HistogramLayout =
  | { kind: 'boolean'; min: 0; max: 1; bins: 2 }
  | { kind: 'integer'; min: number; max: number; bins: number }
  | { kind: 'equal-width'; min: number; max: number; bins: number }

export type HistogramBin = { lo: number; hi: number; count: number }
export type Histogram = { kind: HistogramLayout['kind']; bins: HistogramBin[] }

/** Default integer bins only while they stay readable: 1..10 yes, 1..100 gets 10 equal bins. */
export const MAX_DEFAULT_INTEGER_BINS = 20
export const DEFAULT_EQUAL_WIDTH_BINS = 10
export const MAX_HISTOGRAM_BINS = 1000

/**
 * Boolean → bins 0 and 1. Score scale with whole-number ends at least 2 apart and at most
 * {@link MAX_DEFAULT_INTEGER_BINS} values (1..5, 1..10, 0..10) → one bin per integer. Anything
 * else (0..1 ratio scales, 1..100) → 10 equal-width bins. A spec overrides the default for score
 * scales and is ignored for boolean ones. Throws on a malformed scale or spec (a caller bug; the
 * domain schemas already refuse both).
 */
export function resolveHistogramLayout(scale: Scale, spec?: HistogramSpec): HistogramLayout {
  if (scale.kind === 'boolean') return { kind: 'boolean', min: 0, max: 1, bins: 2 }
  const { min, max } = scale
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    throw new AssayError('invalid_input', `the scale ${min}..${max} is not valid`)
  }
  const wholeEnds = Number.isInteger(min) && Number.isInteger(max)
  if (spec?.kind === 'integer') {
    if (!wholeEnds) {
      throw new AssayError('invalid_input', `integer bins need whole-number scale ends`)
    }
    const bins = max - min + 1
    if (bins > MAX_HISTOGRAM_BINS) {
      throw new AssayError('invalid_input', `at most ${MAX_HISTOGRAM_BINS} histogram bins`)
    }
    return { kind: 'integer', min, max, bins }
  }
  if (spec?.kind === 'equal-width') {
    if (!Number.isInteger(spec.bins) || spec.bins < 1 || spec.bins > MAX_HISTOGRAM_BINS) {
      throw new AssayError(
        'invalid_input',
        `a histogram needs a whole number of bins from 1 to ${MAX_HISTOGRAM_BINS}`,
      )
    }
    return { kind: 'equal-width', min, max, bins: spec.bins }
  }
  if (wholeEnds && max - min >= 2 && max - min + 1 <= MAX_DEFAULT_INTEGER_BINS) {
    return { kind: 'integer', min, max, bins: max - min + 1 }
  }
  return { kind: 'equal-width', min, max, bins: DEFAULT_EQUAL_WIDTH_BINS }
}

/**
 * Tolerance, in bins, for a score that floating-point arithmetic puts a hair below a bin edge
 * (0.3 on 0..1 computes to bin 2.9999999999999996): it still lands in the bin that starts at 0.3.
 */
const EDGE_TOLERANCE = 1e-9

/**
 * The bin a finite score falls in, and whether it lies outside the scale. Outside scores go to
 * the nearest edge bin. Integer bins take the nearest whole value (3.4 → 3, 3.5 → 4); a boolean
 * column's only in-scale values are exactly 0 and 1.
 */
export function binOf(
  score: number,
  layout: HistogramLayout,
): { index: number; outOfScale: boolean } {
  const last = layout.bins - 1
  if (layout.kind === 'equal-width') {
    const outOfScale = score < layout.min || score > layout.max
    const position = ((score - layout.min) * layout.bins) / (layout.max - layout.min)
    return { index: clamp(Math.floor(position + EDGE_TOLERANCE), 0, last), outOfScale }
  }
  const outOfScale =
    score < layout.min ||
    score > layout.max ||
    (layout.kind === 'boolean' && score !== 0 && score !== 1)
  return { index: clamp(Math.floor(score - layout.min + 0.5), 0, last), outOfScale }
}

/** Bins with their bounds, for counts indexed as {@link binOf} indexes them. */
export function histogramOf(layout: HistogramLayout, counts: readonly number[]): Histogram {
  const bins: HistogramBin[] = []
  for (let i = 0; i < layout.bins; i++) {
    const count = counts[i] ?? 0
    if (layout.kind === 'equal-width') {
      const span = layout.max - layout.min
      // min + span * i / bins keeps round edges round (0.3, not 0.30000000000000004).
      const lo = layout.min + (span * i) / layout.bins
      const hi = i === layout.bins - 1 ? layout.max : layout.min + (span * (i + 1)) / layout.bins
      bins.push({ lo, hi, count })
    } else {
      bins.push({ lo: layout.min + i, hi: layout.min + i, count })
    }
  }
  return { kind: layout.kind, bins }
}

export function sameLayout(a: HistogramLayout, b: HistogramLayout): boolean {
  return a.kind === b.kind && a.min === b.min && a.max === b.max && a.bins === b.bins
}

function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value
}
