import { describe, expect, it } from 'vitest'
import type { CellStatus } from '../domain/cell.js'
import type { Scale } from '../domain/evaluator.js'
import {
  type Aggregate,
  type AggregateCell,
  aggregate,
  createAggregator,
  merge,
  restoreAggregator,
} from './aggregate.js'
import { passes } from './threshold.js'

const likert: Scale = { kind: 'score', min: 1, max: 5 }
const ratio: Scale = { kind: 'score', min: 0, max: 1 }
const bool: Scale = { kind: 'boolean' }

const done = (score: number | null, pass: boolean | null): AggregateCell => ({
  status: 'done',
  score,
  pass,
})
const judged = (score: number): AggregateCell => done(score, passes(score, { op: '>', value: 2.5 }))
const status = (s: CellStatus): AggregateCell => ({ status: s, score: null, pass: null })
const counts = (result: Aggregate) => result.histogram.bins.map((bin) => bin.count)

describe('aggregate: counts and rates', () => {
  it('counts a mixed column; errors, skipped, pending and stopped stay out of the rates', () => {
    const result = aggregate(
      [
        judged(5),
        judged(4),
        judged(3),
        judged(2),
        status('error'),
        status('error'),
        status('skipped'),
        status('pending'),
        status('running'),
        status('stopped'),
      ],
      likert,
    )
    expect(result).toMatchObject({
      total: 10,
      pass: 3,
      fail: 1,
      noVerdict: 0,
      error: 2,
      pending: 2,
      stopped: 1,
      skipped: 1,
      scored: 4,
      passRate: 0.75,
      failRate: 0.25,
      avg: 3.5,
      min: 2,
      max: 5,
      outOfScale: 0,
    })
    expect(counts(result)).toEqual([0, 1, 1, 1, 1])
  })

  it.each<[string, AggregateCell[], Partial<Aggregate>]>([
    [
      'no cells',
      [],
      { total: 0, pass: 0, fail: 0, scored: 0, passRate: null, failRate: null, avg: null },
    ],
    [
      'all errors',
      [status('error'), status('error'), status('error')],
      { total: 3, error: 3, pass: 0, fail: 0, passRate: null, failRate: null, avg: null },
    ],
    [
      'only pending',
      [status('pending'), status('running'), status('pending')],
      { total: 3, pending: 3, passRate: null, failRate: null, avg: null, min: null, max: null },
    ],
    [
      'only stopped and skipped',
      [status('stopped'), status('skipped')],
      { total: 2, stopped: 1, skipped: 1, passRate: null, failRate: null },
    ],
    [
      'equality on the threshold fails',
      [judged(2.5), judged(2.5), judged(3)],
      { pass: 1, fail: 2, passRate: 1 / 3, failRate: 2 / 3 },
    ],
    [
      'NaN scores are neither scored nor judged',
      [done(Number.NaN, null), done(Number.NaN, null), judged(4)],
      { total: 3, scored: 1, noVerdict: 2, pass: 1, passRate: 1, avg: 4, min: 4, max: 4 },
    ],
    [
      'only NaN scores',
      [done(Number.NaN, null)],
      { total: 1, scored: 0, noVerdict: 1, passRate: null, avg: null, min: null, max: null },
    ],
    [
      'infinite scores are left out',
      [done(Number.POSITIVE_INFINITY, null), judged(2)],
      { scored: 1, avg: 2, max: 2, outOfScale: 0 },
    ],
    [
      'a done cell without a verdict (no threshold) is scored but not rated',
      [done(4, null), judged(2)],
      { noVerdict: 1, fail: 1, passRate: 0, failRate: 1, scored: 2, avg: 3 },
    ],
    [
      'a score left on a stopped or error cell is ignored',
      [
        { status: 'stopped', score: 5, pass: true },
        { status: 'error', score: 1, pass: false },
      ],
      { pass: 0, fail: 0, scored: 0, avg: null, stopped: 1, error: 1 },
    ],
    ['all pass', [judged(3), judged(4)], { passRate: 1, failRate: 0 }],
  ])('%s', (_name, cells, expected) => {
    const result = aggregate(cells, likert)
    expect(result).toMatchObject(expected)
    for (const value of [result.passRate, result.failRate, result.avg, result.min, result.max]) {
      expect(Number.isNaN(value)).toBe(false)
    }
  })

  it('counts boolean (thumbs) columns', () => {
    const cells = [1, 1, 0, 1].map((v) => done(v, passes(v, null)))
    const result = aggregate([...cells, status('pending')], bool)
    expect(result).toMatchObject({
      total: 5,
      pass: 3,
      fail: 1,
      pending: 1,
      passRate: 0.75,
      avg: 0.75,
    })
    expect(result.histogram).toEqual({
      kind: 'boolean',
      bins: [
        { lo: 0, hi: 0, count: 1 },
        { lo: 1, hi: 1, count: 3 },
      ],
    })
  })

  it('keeps the mean inside the observed range despite rounding', () => {
    const result = aggregate(
      Array.from({ length: 10 }, () => done(0.7, true)),
      ratio,
    )
    expect(result.avg).toBe(0.7)
  })
})

describe('aggregate: histogram', () => {
  it.each<[string, Scale, number[], number[]]>([
    ['1..5 gets one bin per integer', likert, [1, 2, 2, 5, 5, 5], [1, 2, 0, 0, 3]],
    [
      '1..10 gets ten integer bins',
      { kind: 'score', min: 1, max: 10 },
      [1, 10, 10, 7],
      [1, 0, 0, 0, 0, 0, 1, 0, 0, 2],
    ],
    ['a non-integer score takes the nearest integer', likert, [3.4, 3.5, 4.49], [0, 0, 1, 2, 0]],
    ['0..1 ratio gets 10 equal bins', ratio, [0, 0.05, 0.55, 0.99], [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]],
    ['1.0 goes into the last bin', ratio, [1, 1.0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 2]],
    [
      'each inner edge opens its own bin',
      ratio,
      [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
      [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    ],
    [
      'just below an edge stays in the bin before',
      ratio,
      [0.0999, 0.2999999, 0.8999],
      [1, 0, 1, 0, 0, 0, 0, 0, 1, 0],
    ],
  ])('%s', (_name, scale, scores, expected) => {
    const result = aggregate(
      scores.map((s) => done(s, null)),
      scale,
    )
    expect(counts(result)).toEqual(expected)
    expect(result.outOfScale).toBe(0)
  })

  it('labels equal-width bins with round edges, the last one ending at max', () => {
    const bins = aggregate([], ratio).histogram.bins
    expect(bins.map((b) => [b.lo, b.hi])).toEqual([
      [0, 0.1],
      [0.1, 0.2],
      [0.2, 0.3],
      [0.3, 0.4],
      [0.4, 0.5],
      [0.5, 0.6],
      [0.6, 0.7],
      [0.7, 0.8],
      [0.8, 0.9],
      [0.9, 1],
    ])
  })

  it.each<[string, Scale, number[], number[], number]>([
    ['above max → last bin', likert, [7, 5], [0, 0, 0, 0, 2], 1],
    ['below min → first bin', likert, [0, -3, 1], [3, 0, 0, 0, 0], 2],
    ['ratio above 1 → last bin', ratio, [1.2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 1],
    ['ratio below 0 → first bin', ratio, [-0.01], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1],
    ['boolean 2 → bin 1', bool, [2, 1], [0, 2], 1],
    ['boolean 0.4 → bin 0', bool, [0.4, 0], [2, 0], 1],
  ])('clamps out-of-scale scores: %s', (_name, scale, scores, expected, outOfScale) => {
    const result = aggregate(
      scores.map((s) => done(s, null)),
      scale,
    )
    expect(counts(result)).toEqual(expected)
    expect(result.outOfScale).toBe(outOfScale)
  })

  it('keeps the raw out-of-scale values in min, max and avg', () => {
    const result = aggregate([done(7, true), done(1, false)], likert)
    expect(result).toMatchObject({ min: 1, max: 7, avg: 4 })
  })

  it.each<[string, Scale, Parameters<typeof aggregate>[2], string, number]>([
    [
      '1..100 defaults to 10 equal bins',
      { kind: 'score', min: 1, max: 100 },
      {},
      'equal-width',
      10,
    ],
    ['0..10 defaults to 11 integer bins', { kind: 'score', min: 0, max: 10 }, {}, 'integer', 11],
    [
      '1.5..4.5 defaults to equal bins',
      { kind: 'score', min: 1.5, max: 4.5 },
      {},
      'equal-width',
      10,
    ],
    [
      'a spec can ask for 4 equal bins',
      likert,
      { histogram: { kind: 'equal-width', bins: 4 } },
      'equal-width',
      4,
    ],
    [
      'a spec can ask for integer bins',
      { kind: 'score', min: 0, max: 100 },
      { histogram: { kind: 'integer' } },
      'integer',
      101,
    ],
    [
      'a boolean scale ignores a spec',
      bool,
      { histogram: { kind: 'equal-width', bins: 5 } },
      'boolean',
      2,
    ],
  ])('%s', (_name, scale, options, kind, bins) => {
    const result = aggregate([], scale, options)
    expect(result.histogram.kind).toBe(kind)
    expect(result.histogram.bins).toHaveLength(bins)
  })

  it.each<[string, Scale, Parameters<typeof aggregate>[2]]>([
    ['an inverted scale', { kind: 'score', min: 5, max: 1 }, {}],
    ['a NaN scale end', { kind: 'score', min: 0, max: Number.NaN }, {}],
    ['zero bins', ratio, { histogram: { kind: 'equal-width', bins: 0 } }],
    ['fractional bins', ratio, { histogram: { kind: 'equal-width', bins: 2.5 } }],
    [
      'integer bins on a fractional scale',
      { kind: 'score', min: 0, max: 1.5 },
      { histogram: { kind: 'integer' } },
    ],
  ])('refuses %s', (_name, scale, options) => {
    expect(() => createAggregator(scale, options)).toThrow(/scale|bins/)
  })
})

describe('aggregator: streaming and merging', () => {
  const statuses: CellStatus[] = ['pending', 'running', 'done', 'error', 'stopped', 'skipped']

  /** A deterministic mixed column (no Math.random in core, tests included). */
  function column(length: number, seed: number, scale: Scale): AggregateCell[] {
    let state = seed
    const next = () => {
      state = (state * 1103515245 + 12345) % 2147483648
      return state / 2147483648
    }
    return Array.from({ length }, () => {
      const s = next() < 0.7 ? 'done' : (statuses[Math.floor(next() * statuses.length)] ?? 'error')
      if (s !== 'done') return status(s)
      if (scale.kind === 'boolean') {
        const score = next() < 0.05 ? Number.NaN : Math.round(next())
        return done(score, passes(score, null))
      }
      // Mostly inside the scale, a few just outside it, some NaN.
      const span = scale.max - scale.min
      const raw = scale.min + (next() * 1.1 - 0.05) * span
      const score = next() < 0.05 ? Number.NaN : raw
      return done(score, passes(score, { op: '>', value: scale.min + span / 2 }))
    })
  }

  it('streams cell by cell to the same result as aggregate()', () => {
    const cells = column(200, 7, ratio)
    const aggregator = createAggregator(ratio)
    for (const cell of cells) aggregator.add(cell)
    expect(aggregator.result()).toEqual(aggregate(cells, ratio))
  })

  it.each<[string, number, number]>([
    ['two halves', 100, 100],
    ['empty left', 0, 50],
    ['empty right', 50, 0],
    ['both empty', 0, 0],
    ['uneven', 3, 250],
  ])('merge equals the aggregate of the union: %s', (_name, left, right) => {
    for (const scale of [ratio, likert, bool]) {
      const a = column(left, 11, scale)
      const b = column(right, 23, scale)
      const x = createAggregator(scale)
      const y = createAggregator(scale)
      for (const cell of a) x.add(cell)
      for (const cell of b) y.add(cell)
      const merged = merge(x, y).result()
      const union = aggregate([...a, ...b], scale)
      const { avg, ...rest } = merged
      const { avg: unionAvg, ...unionRest } = union
      expect(rest).toEqual(unionRest)
      if (unionAvg === null) expect(avg).toBeNull()
      else expect(avg).toBeCloseTo(unionAvg, 12)
    }
  })

  it('merges exactly with exact scores, and leaves its inputs unchanged', () => {
    const a = [judged(1), judged(5), status('error')]
    const b = [judged(3), status('pending'), done(9, true)]
    const x = createAggregator(likert)
    const y = createAggregator(likert)
    for (const cell of a) x.add(cell)
    for (const cell of b) y.add(cell)
    const before = x.result()
    const merged = merge(x, y)
    expect(merged.result()).toEqual(aggregate([...a, ...b], likert))
    expect(x.result()).toEqual(before)
    merged.add(judged(2))
    expect(x.result()).toEqual(before)
    expect(merged.result().total).toBe(7)
  })

  it('is associative over several partials', () => {
    const parts = [column(40, 1, likert), column(40, 2, likert), column(40, 3, likert)]
    const aggregators = parts.map((cells) => {
      const aggregator = createAggregator(likert)
      for (const cell of cells) aggregator.add(cell)
      return aggregator
    })
    const [p, q, r] = aggregators as [
      ReturnType<typeof createAggregator>,
      ReturnType<typeof createAggregator>,
      ReturnType<typeof createAggregator>,
    ]
    const left = merge(merge(p, q), r).result()
    const right = merge(p, merge(q, r)).result()
    expect({ ...left, avg: 0 }).toEqual({ ...right, avg: 0 })
    expect(left.avg).toBeCloseTo(right.avg ?? Number.NaN, 12)
  })

  it('refuses to merge different scales or bins', () => {
    expect(() => merge(createAggregator(likert), createAggregator(ratio))).toThrow(/histogram bins/)
    expect(() =>
      merge(
        createAggregator(ratio),
        createAggregator(ratio, { histogram: { kind: 'equal-width', bins: 5 } }),
      ),
    ).toThrow(/histogram bins/)
  })

  it('round-trips through a JSON state', () => {
    const cells = column(120, 5, ratio)
    const aggregator = createAggregator(ratio)
    for (const cell of cells) aggregator.add(cell)
    const restored = restoreAggregator(JSON.parse(JSON.stringify(aggregator.state())))
    expect(restored.result()).toEqual(aggregator.result())
    restored.add(judged(0.9))
    expect(restored.result().total).toBe(aggregator.result().total + 1)
  })

  it('keeps state size independent of the number of cells', () => {
    const aggregator = createAggregator(ratio)
    const size = () => JSON.stringify(aggregator.state()).length
    for (let i = 0; i < 10; i++) aggregator.add(done(0.25, false))
    const small = size()
    for (let i = 0; i < 10_000; i++) aggregator.add(done(0.25, false))
    expect(size()).toBeLessThan(small + 40)
  })

  it('refuses a state whose counts do not match its bins', () => {
    const state = createAggregator(likert).state()
    expect(() => restoreAggregator({ ...state, counts: [0, 0] })).toThrow(/histogram bins/)
  })
})
