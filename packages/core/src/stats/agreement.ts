import { AssayError } from '../errors.js'

/**
 * Agreement between an evaluator column (the judge) and a label or human column (SPEC §3,
 * "Agreement"). Values are numbers; booleans count as 1/0.
 *
 * Every statistic is `null` when it is undefined for the data (too few pairs, no variance, or
 * chance agreement of 1 for kappa), never NaN or ±∞.
 */

export type AgreementValue = number | boolean | null | undefined
/** One row: the judge's value and the label's value. */
export type AgreementPair = readonly [judge: AgreementValue, label: AgreementValue]

export type AgreementOptions = {
  /**
   * For a score judge against a binary label: turns a judge score into its pass/fail verdict,
   * e.g. `(score) => passes(score, threshold)`. Accuracy and both kappas then compare the verdict
   * (as 1/0) with the label, while Spearman and Pearson still use the raw score. A pair whose
   * verdict is `null` is skipped like a missing value.
   */
  judgeVerdict?: (judge: number) => boolean | null
}

export type Agreement = {
  /** Pairs used: both values present and finite (and a verdict, with `judgeVerdict`). */
  n: number
  /** Fraction of pairs with equal values; `null` when n = 0. */
  accuracy: number | null
  /** Unweighted Cohen's kappa over the distinct values as categories. */
  kappa: number | null
  /** Quadratic-weighted kappa, for ordinal scores; see {@link quadraticWeightedKappa}. */
  weightedKappa: number | null
  spearman: number | null
  pearson: number | null
}

export function agreement(
  pairs: Iterable<AgreementPair>,
  options: AgreementOptions = {},
): Agreement {
  const judge: number[] = []
  const label: number[] = []
  const compared: number[] = []
  for (const [rawJudge, rawLabel] of pairs) {
    const j = toNumber(rawJudge)
    const l = toNumber(rawLabel)
    if (j === null || l === null) continue
    let c = j
    if (options.judgeVerdict) {
      const verdict = options.judgeVerdict(j)
      if (verdict === null) continue
      c = verdict ? 1 : 0
    }
    judge.push(j)
    label.push(l)
    compared.push(c)
  }
  return {
    n: judge.length,
    accuracy: accuracy(compared, label),
    kappa: cohenKappa(compared, label),
    weightedKappa: quadraticWeightedKappa(compared, label),
    spearman: spearman(judge, label),
    pearson: pearson(judge, label),
  }
}

/**
 * Fraction of positions where `a` and `b` hold the same value; `null` when there is none.
 * Pairs where either value is not a finite number are skipped (in every function below too).
 */
export function accuracy(a: readonly number[], b: readonly number[]): number | null {
  const [x, y] = finitePairs(a, b)
  if (x.length === 0) return null
  let equal = 0
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) equal++
  return equal / x.length
}

/**
 * Cohen's kappa (Cohen 1960), unweighted: κ = (p_o − p_e) / (1 − p_e), each distinct value a
 * category. Computed from integer counts, κ = (n·agree − Σ a_k·b_k) / (n² − Σ a_k·b_k), so it is
 * exact for 2×2 tables like the textbook ones.
 *
 * Degenerate case: when p_e = 1 both raters put every item in one and the same category. Then
 * p_o = 1 too and κ is 0/0: agreement is total but nothing distinguishes it from chance. This
 * returns `null` (undefined) rather than NaN, 0 or 1; accuracy still reports the agreement. It
 * also covers n = 1. Returns `null` when n = 0.
 */
export function cohenKappa(a: readonly number[], b: readonly number[]): number | null {
  const [x, y] = finitePairs(a, b)
  const n = x.length
  if (n === 0) return null
  const rowTotals = new Map<number, number>()
  const columnTotals = new Map<number, number>()
  let agree = 0
  for (let i = 0; i < n; i++) {
    const u = x[i] as number
    const v = y[i] as number
    if (u === v) agree++
    rowTotals.set(u, (rowTotals.get(u) ?? 0) + 1)
    columnTotals.set(v, (columnTotals.get(v) ?? 0) + 1)
  }
  let chance = 0
  for (const [category, count] of rowTotals) chance += count * (columnTotals.get(category) ?? 0)
  const denominator = n * n - chance
  if (denominator === 0) return null
  return (n * agree - chance) / denominator
}

/**
 * Quadratic-weighted kappa (Cohen 1968) with disagreement weights (u − v)² on the values
 * themselves: κ_w = 1 − Σ w·observed / Σ w·expected. With these weights it reduces to
 * 1 − mean((x − y)²) / (var_x + var_y + (mean_x − mean_y)²) (population variances), which is
 * what is computed. Because the weights use the values, a 1..5 scale behaves the same whether or
 * not every level was used; scikit-learn's `cohen_kappa_score(weights='quadratic')` weights by
 * the position among the observed labels instead, and gives the same number whenever the observed
 * labels are consecutive integers. For two values (binary) it equals unweighted kappa.
 * `null` when n = 0 or both raters give one and the same value throughout.
 */
export function quadraticWeightedKappa(a: readonly number[], b: readonly number[]): number | null {
  const [x, y] = finitePairs(a, b)
  const n = x.length
  if (n === 0) return null
  const meanX = mean(x)
  const meanY = mean(y)
  let squaredDifference = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const u = x[i] as number
    const v = y[i] as number
    squaredDifference += (u - v) ** 2
    sxx += (u - meanX) ** 2
    syy += (v - meanY) ** 2
  }
  const expected = sxx / n + syy / n + (meanX - meanY) ** 2
  if (expected === 0 || (isConstant(x) && isConstant(y) && x[0] === y[0])) return null
  return 1 - squaredDifference / n / expected
}

/**
 * Pearson's product-moment correlation, computed on centred values (two passes). `null` when
 * fewer than 2 pairs or either side has no variance (all values equal).
 */
export function pearson(a: readonly number[], b: readonly number[]): number | null {
  const [x, y] = finitePairs(a, b)
  return pearsonOfFinite(x, y)
}

/**
 * Spearman's rank correlation: Pearson's r on fractional ranks, tied values sharing the average
 * of the ranks they span (what scipy.stats.spearmanr does). `null` when fewer than 2 pairs or
 * either side is constant.
 */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  const [x, y] = finitePairs(a, b)
  if (x.length < 2) return null
  return pearsonOfFinite(fractionalRanks(x), fractionalRanks(y))
}

/** 1-based ranks, ties sharing their average rank: [10, 30, 20, 30] → [1, 3.5, 2, 3.5]. */
export function fractionalRanks(values: readonly number[]): number[] {
  const order = values
    .map((_, i) => i)
    .sort((i, j) => (values[i] as number) - (values[j] as number))
  const ranks = new Array<number>(values.length).fill(0)
  let start = 0
  while (start < order.length) {
    let end = start
    while (
      end + 1 < order.length &&
      values[order[end + 1] as number] === values[order[start] as number]
    ) {
      end++
    }
    // Positions start..end (0-based) hold ranks start+1..end+1; their average:
    const rank = (start + end) / 2 + 1
    for (let k = start; k <= end; k++) ranks[order[k] as number] = rank
    start = end + 1
  }
  return ranks
}

function pearsonOfFinite(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length
  if (n < 2 || isConstant(x) || isConstant(y)) return null
  const meanX = mean(x)
  const meanY = mean(y)
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - meanX
    const dy = (y[i] as number) - meanY
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  if (sxx === 0 || syy === 0) return null
  const r = sxy / Math.sqrt(sxx * syy)
  return Math.max(-1, Math.min(1, r))
}

function finitePairs(a: readonly number[], b: readonly number[]): [number[], number[]] {
  if (a.length !== b.length) {
    throw new AssayError(
      'invalid_input',
      `agreement needs pairs: ${a.length} values against ${b.length}`,
    )
  }
  const x: number[] = []
  const y: number[] = []
  for (let i = 0; i < a.length; i++) {
    const u = a[i]
    const v = b[i]
    if (
      typeof u === 'number' &&
      typeof v === 'number' &&
      Number.isFinite(u) &&
      Number.isFinite(v)
    ) {
      x.push(u)
      y.push(v)
    }
  }
  return [x, y]
}

function toNumber(value: AgreementValue): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'number' && Number.isFinite(value)) return value
  return null
}

function mean(values: readonly number[]): number {
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}

function isConstant(values: readonly number[]): boolean {
  for (const v of values) if (v !== values[0]) return false
  return true
}
