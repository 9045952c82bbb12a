import { describe, expect, it } from 'vitest'
import type { Scale } from '../domain/evaluator.js'
import { binOf, type HistogramLayout, histogramOf, resolveHistogramLayout } from './histogram.js'

const ratio = resolveHistogramLayout({ kind: 'score', min: 0, max: 1 })
const likert = resolveHistogramLayout({ kind: 'score', min: 1, max: 5 })
const bool = resolveHistogramLayout({ kind: 'boolean' })

describe('resolveHistogramLayout', () => {
  it.each<[Scale, HistogramLayout]>([
    [{ kind: 'boolean' }, { kind: 'boolean', min: 0, max: 1, bins: 2 }],
    [
      { kind: 'score', min: 1, max: 5 },
      { kind: 'integer', min: 1, max: 5, bins: 5 },
    ],
    [
      { kind: 'score', min: 1, max: 10 },
      { kind: 'integer', min: 1, max: 10, bins: 10 },
    ],
    [
      { kind: 'score', min: 0, max: 1 },
      { kind: 'equal-width', min: 0, max: 1, bins: 10 },
    ],
    [
      { kind: 'score', min: 1, max: 100 },
      { kind: 'equal-width', min: 1, max: 100, bins: 10 },
    ],
  ])('%j', (scale, layout) => {
    expect(resolveHistogramLayout(scale)).toEqual(layout)
  })
})

describe('binOf', () => {
  it.each<[string, HistogramLayout, number, number, boolean]>([
    ['0 → first ratio bin', ratio, 0, 0, false],
    ['0.1 opens bin 1 (not 0.0999…)', ratio, 0.1, 1, false],
    ['0.3 opens bin 3 despite 0.3·10 rounding', ratio, 0.3, 3, false],
    ['0.7 opens bin 7', ratio, 0.7, 7, false],
    ['0.9 opens the last bin', ratio, 0.9, 9, false],
    ['1.0 closes the last bin', ratio, 1, 9, false],
    ['1.5 is clamped into the last bin', ratio, 1.5, 9, true],
    ['-0.5 is clamped into the first bin', ratio, -0.5, 0, true],
    ['1 on 1..5', likert, 1, 0, false],
    ['5 on 1..5', likert, 5, 4, false],
    ['2.49 rounds to 2', likert, 2.49, 1, false],
    ['2.5 rounds to 3', likert, 2.5, 2, false],
    ['6 on 1..5 is clamped', likert, 6, 4, true],
    ['0.6 on 1..5 is clamped', likert, 0.6, 0, true],
    ['boolean 0', bool, 0, 0, false],
    ['boolean 1', bool, 1, 1, false],
    ['boolean 0.5 is out of scale', bool, 0.5, 1, true],
    ['boolean -1 is out of scale', bool, -1, 0, true],
  ])('%s', (_name, layout, score, index, outOfScale) => {
    expect(binOf(score, layout)).toEqual({ index, outOfScale })
  })
})

describe('histogramOf', () => {
  it('gives integer bins single values', () => {
    expect(histogramOf(likert, [1, 0, 2, 0, 3]).bins).toEqual([
      { lo: 1, hi: 1, count: 1 },
      { lo: 2, hi: 2, count: 0 },
      { lo: 3, hi: 3, count: 2 },
      { lo: 4, hi: 4, count: 0 },
      { lo: 5, hi: 5, count: 3 },
    ])
  })
})
