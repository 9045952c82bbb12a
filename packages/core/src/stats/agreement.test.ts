import { describe, expect, it } from 'vitest'
import {
  type AgreementPair,
  accuracy,
  agreement,
  cohenKappa,
  fractionalRanks,
  pearson,
  quadraticWeightedKappa,
  spearman,
} from './agreement.js'
import { passes } from './threshold.js'

/** Expands a 2×2 table (rater A rows, rater B columns; 1 = Yes, 0 = No) into pairs. */
function table2x2(
  yesYes: number,
  yesNo: number,
  noYes: number,
  noNo: number,
): [number[], number[]] {
  const a: number[] = []
  const b: number[] = []
  const put = (count: number, u: number, v: number) => {
    for (let i = 0; i < count; i++) {
      a.push(u)
      b.push(v)
    }
  }
  put(yesYes, 1, 1)
  put(yesNo, 1, 0)
  put(noYes, 0, 1)
  put(noNo, 0, 0)
  return [a, b]
}

describe('published reference values', () => {
  it.each<[string, [number, number, number, number], number, number]>([
    // Wikipedia, "Cohen's kappa", section Examples / Simple example: 50 grant applications,
    // readers A and B; Yes/Yes 20, Yes/No 5, No/Yes 10, No/No 15 → p_o = 0.7, p_e = 0.5, κ = 0.4.
    // https://en.wikipedia.org/wiki/Cohen%27s_kappa
    ['Wikipedia simple example (50 applications)', [20, 5, 10, 15], 0.7, 0.4],
    // Same article, "Same percentages but different numbers": two 100-item tables, both with
    // p_o = 0.60, giving κ = 0.1304 and κ = 0.2593 (4 decimals as published; exact values by
    // hand: p_e = 0.54 → 0.06/0.46 = 3/23, and p_e = 0.46 → 0.14/0.54 = 7/27).
    ['Wikipedia same-percentages table 1', [45, 15, 25, 15], 0.6, 0.1304],
    ['Wikipedia same-percentages table 2', [25, 35, 5, 35], 0.6, 0.2593],
  ])('kappa: %s', (_name, cells, observed, kappa) => {
    const [a, b] = table2x2(...cells)
    expect(accuracy(a, b)).toBeCloseTo(observed, 12)
    expect(cohenKappa(a, b)).toBeCloseTo(kappa, 4)
  })

  it('kappa: the Wikipedia simple example is exact', () => {
    const [a, b] = table2x2(20, 5, 10, 15)
    // (n·agree − Σ a_k b_k) / (n² − Σ a_k b_k) = (1750 − 1250) / (2500 − 1250) = 0.4 exactly.
    expect(cohenKappa(a, b)).toBe(0.4)
    expect(agreement(a.map((u, i) => [u, b[i] ?? null]))).toMatchObject({
      n: 50,
      accuracy: 0.7,
      kappa: 0.4,
    })
  })

  it('spearman: scipy.stats.spearmanr documentation example (with a tie)', () => {
    // https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.spearmanr.html, Examples:
    // stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]).statistic → 0.8207826816681233
    // By hand: ranks of y are [1, 2, 3.5, 5, 3.5], so r = 8 / √(10 · 9.5) = 8 / √95.
    const rho = spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])
    expect(rho).toBeCloseTo(0.8207826816681233, 14)
    expect(rho).toBeCloseTo(8 / Math.sqrt(95), 15)
  })

  it('pearson: scipy.stats.pearsonr documentation example', () => {
    // https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.pearsonr.html, Examples:
    // x, y = [1, 2, 3, 4, 5, 6, 7], [10, 9, 2.5, 6, 4, 3, 2]
    // stats.pearsonr(x, y) → PearsonRResult(statistic=-0.828503883588428, ...)
    // (-0.8285038835884277 elsewhere; the two differ in the last binary digit or so.)
    const r = pearson([1, 2, 3, 4, 5, 6, 7], [10, 9, 2.5, 6, 4, 3, 2])
    expect(r).toBeCloseTo(-0.828503883588428, 14)
    expect(r).toBeCloseTo(-0.8285038835884277, 14)
  })
})

describe('hand-computed values', () => {
  it('ranks ties by their average rank', () => {
    expect(fractionalRanks([10, 30, 20, 30])).toEqual([1, 3.5, 2, 3.5])
    expect(fractionalRanks([2, 2, 2])).toEqual([2, 2, 2])
    expect(fractionalRanks([3, 1, 2, 1, 3, 3])).toEqual([5, 1.5, 3, 1.5, 5, 5])
    expect(fractionalRanks([])).toEqual([])
  })

  it('spearman with ties on both sides', () => {
    // x ranks [1, 2.5, 2.5, 4], y ranks [1, 3, 2, 4]; centred: dx [-1.5, 0, 0, 1.5],
    // dy [-1.5, 0.5, -0.5, 1.5]; Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → r = 4.5/√22.5 = √0.9.
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(Math.sqrt(0.9), 15)
    // Monotone but non-linear: Spearman 1, Pearson below 1.
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 100])).toBe(1)
    expect(pearson([1, 2, 3, 4], [1, 4, 9, 100])).toBeLessThan(1)
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1)
  })

  it('pearson on a small table', () => {
    // dx [-1, 0, 1], dy [-1, 1, 0]: Σdxdy = 1, Σdx² = Σdy² = 2 → r = 0.5.
    expect(pearson([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 15)
  })

  it('kappa and weighted kappa on a 1..5 scale', () => {
    const judge = [1, 2, 3, 4, 5, 3, 2, 4, 5, 1]
    const label = [1, 3, 3, 5, 4, 2, 2, 4, 5, 2]
    // agree = 5; judge marginals 2,2,2,2,2; label marginals 1,3,2,2,2; Σ a_k b_k = 20
    // κ = (10·5 − 20) / (100 − 20) = 3/8.
    expect(cohenKappa(judge, label)).toBe(0.375)
    // Σ(x−y)² = 5 → 0.5 per pair; var_x = 2, var_y = 1.69, (3 − 3.1)² = 0.01
    // κ_w = 1 − 0.5/3.7 = 32/37. Same as scikit-learn's index-weighted algorithm here
    // (every level 1..5 observed), re-implemented on the confusion matrix in numpy: 0.8648648648648649.
    expect(quadraticWeightedKappa(judge, label)).toBeCloseTo(32 / 37, 14)
  })

  it('kappa over three categories', () => {
    const a = [0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 1, 0]
    const b = [0, 1, 2, 1, 1, 2, 0, 2, 2, 0, 1, 0]
    // agree = 9 of 12; marginals 4,4,4 and 4,4,4 → Σ a_k b_k = 48; κ = (108 − 48)/(144 − 48).
    expect(cohenKappa(a, b)).toBe(0.625)
  })

  it('weighted kappa equals unweighted kappa for binary values', () => {
    const [a, b] = table2x2(20, 5, 10, 15)
    expect(quadraticWeightedKappa(a, b)).toBeCloseTo(0.4, 14)
  })

  it('weighted kappa uses the values as category scores', () => {
    // Only 1, 3 and 5 used: a 1/5 disagreement weighs (5 − 1)² = 16, four times a 1/3 one.
    // x = [1, 3, 5, 5], y = [1, 3, 5, 1]: Σ(x−y)²/n = 16/4 = 4; means 3.5 and 2.5;
    // var_x = (6.25 + 0.25 + 2.25 + 2.25)/4 = 2.75, var_y = (2.25 + 0.25 + 6.25 + 2.25)/4 = 2.75;
    // κ_w = 1 − 4/(2.75 + 2.75 + 1) = 1 − 4/6.5 = 5/13.
    expect(quadraticWeightedKappa([1, 3, 5, 5], [1, 3, 5, 1])).toBeCloseTo(5 / 13, 14)
    // Same data on a rescaled axis (0, 1, 2) gives the same κ_w: weights are relative.
    expect(quadraticWeightedKappa([0, 1, 2, 2], [0, 1, 2, 0])).toBeCloseTo(5 / 13, 14)
    // Symmetric disagreement with no systematic shift: κ_w = 1 − 8/8 = 0.
    expect(quadraticWeightedKappa([1, 1, 5, 5], [1, 5, 5, 1])).toBe(0)
  })
})

describe('undefined statistics are null, never NaN', () => {
  it.each<[string, number[], number[], Partial<Record<string, number | null>>]>([
    [
      'no pairs',
      [],
      [],
      { accuracy: null, kappa: null, weighted: null, spearman: null, pearson: null },
    ],
    [
      'one pair',
      [3],
      [3],
      { accuracy: 1, kappa: null, weighted: null, spearman: null, pearson: null },
    ],
    // p_e = 1: both raters used one and the same category throughout.
    [
      'p_e = 1 (all Yes on both sides)',
      [1, 1, 1],
      [1, 1, 1],
      { accuracy: 1, kappa: null, weighted: null },
    ],
    ['constant judge', [4, 4, 4, 4], [1, 2, 3, 4], { spearman: null, pearson: null, kappa: 0 }],
    ['constant label', [1, 2, 3, 4], [0, 0, 0, 0], { spearman: null, pearson: null, kappa: 0 }],
    [
      'both constant, different values',
      [1, 1],
      [0, 0],
      { accuracy: 0, kappa: 0, weighted: 0, pearson: null },
    ],
    [
      'constant 0.1 (rounding in the mean)',
      [0.1, 0.1, 0.1],
      [0.3, 0.2, 0.1],
      { pearson: null, spearman: null },
    ],
  ])('%s', (_name, a, b, expected) => {
    const actual: Record<string, number | null> = {
      accuracy: accuracy(a, b),
      kappa: cohenKappa(a, b),
      weighted: quadraticWeightedKappa(a, b),
      spearman: spearman(a, b),
      pearson: pearson(a, b),
    }
    expect(actual).toMatchObject(expected)
    for (const value of Object.values(actual)) expect(Number.isNaN(value)).toBe(false)
  })

  it('throws on arrays of different lengths (a caller bug)', () => {
    expect(() => pearson([1, 2], [1])).toThrow(/pairs/)
  })
})

describe('agreement()', () => {
  it('skips pairs where either side is null, undefined, NaN or infinite', () => {
    const pairs: AgreementPair[] = [
      [1, 1],
      [2, null],
      [null, 3],
      [undefined, 1],
      [Number.NaN, 2],
      [3, Number.POSITIVE_INFINITY],
      [2, 3],
      [3, 2],
    ]
    const result = agreement(pairs)
    expect(result.n).toBe(3)
    expect(result).toEqual(
      agreement([
        [1, 1],
        [2, 3],
        [3, 2],
      ]),
    )
    expect(result.accuracy).toBeCloseTo(1 / 3, 15)
  })

  it('reads booleans as 1/0 (thumbs columns)', () => {
    expect(
      agreement([
        [true, 1],
        [false, false],
        [true, 0],
        [0, true],
      ]),
    ).toEqual(
      agreement([
        [1, 1],
        [0, 0],
        [1, 0],
        [0, 1],
      ]),
    )
  })

  it('compares a score judge with a binary label through its verdict', () => {
    const scores = [4, 2, 5, 3, 1]
    const labels = [true, false, false, true, false]
    const threshold = { op: '>', value: 2.5 } as const
    const result = agreement(
      scores.map((s, i) => [s, labels[i]]),
      { judgeVerdict: (s) => passes(s, threshold) },
    )
    // Verdicts [1, 0, 1, 1, 0] vs labels [1, 0, 0, 1, 0]: 4 of 5 agree.
    // Marginals 3/2 and 2/3 → Σ a_k b_k = 12 → κ = (5·4 − 12)/(25 − 12) = 8/13.
    expect(result.n).toBe(5)
    expect(result.accuracy).toBe(0.8)
    expect(result.kappa).toBeCloseTo(8 / 13, 15)
    // Correlations keep the raw score (point-biserial for Pearson).
    expect(result.pearson).toBeCloseTo(pearson(scores, [1, 0, 0, 1, 0]) ?? Number.NaN, 15)
    expect(result.spearman).toBeCloseTo(spearman(scores, [1, 0, 0, 1, 0]) ?? Number.NaN, 15)
    // Without the verdict the raw scores never equal a 0/1 label.
    expect(agreement(scores.map((s, i) => [s, labels[i]])).accuracy).toBe(0)
  })

  it('skips a pair whose verdict is null', () => {
    const result = agreement(
      [
        [1, 1],
        [0, 0],
        [0.5, 1],
      ],
      { judgeVerdict: (v) => passes(v, null) },
    )
    expect(result).toMatchObject({ n: 2, accuracy: 1, kappa: 1 })
  })

  it('returns all nulls for no usable pairs', () => {
    expect(
      agreement([
        [null, 1],
        [2, Number.NaN],
      ]),
    ).toEqual({
      n: 0,
      accuracy: null,
      kappa: null,
      weightedKappa: null,
      spearman: null,
      pearson: null,
    })
  })

  it('accepts any iterable', () => {
    function* pairs(): Generator<AgreementPair> {
      yield [1, 1]
      yield [2, 2]
      yield [3, 3]
    }
    expect(agreement(pairs())).toEqual({
      n: 3,
      accuracy: 1,
      kappa: 1,
      weightedKappa: 1,
      spearman: 1,
      pearson: 1,
    })
  })
})
