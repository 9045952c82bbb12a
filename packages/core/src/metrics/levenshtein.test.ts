import { describe, expect, it } from 'vitest'
import { levenshteinDistance, levenshteinSimilarity } from './levenshtein.js'
import { METRICS } from './registry.js'
import type { NormalizeOptions } from './text.js'

/** Textbook full-matrix Levenshtein over code points, to cross-check the optimised one. */
function naiveDistance(a: string, b: string): number {
  const s = Array.from(a)
  const t = Array.from(b)
  const d = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
    }
  }
  return d[s.length]![t.length]!
}

describe('Levenshtein distance', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['saturday', 'sunday', 3],
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['abc', 'acb', 2],
    ['😀', '😃', 1], // one code point each, not two UTF-16 units
    ['a😀b', 'ab', 1],
    ['e\u0301', 'é', 2], // no normalisation at this level
    ['line\r\n', 'line\n', 1],
    ['ab'.repeat(2500), 'ba'.repeat(2500), 2],
  ])('d(%j, %j) = %i', (a, b, expected) => {
    expect(levenshteinDistance(a, b)).toBe(expected)
    expect(levenshteinDistance(b, a)).toBe(expected)
  })

  it('agrees with the textbook algorithm on varied inputs', () => {
    const words = ['', 'a', 'ab', 'ba', 'abc', 'kitten', 'sitting', 'xabcx', '😀ab', 'aab', 'baa']
    for (const a of words) {
      for (const b of words)
        expect(levenshteinDistance(a, b), `${a} / ${b}`).toBe(naiveDistance(a, b))
    }
  })
})

describe('Levenshtein similarity', () => {
  const none: NormalizeOptions = {
    trim: false,
    ignoreCase: false,
    collapseWhitespace: false,
    stripPunctuation: false,
    unicodeNormalize: false,
  }

  it.each([
    ['', '', 1, 'both texts are empty'],
    ['abc', 'abc', 1, '0 edits over 3 characters (after trim+NFC): similarity 1'],
    [
      'kitten',
      'sitting',
      1 - 3 / 7,
      '3 edits over 7 characters (after trim+NFC): similarity 0.5714',
    ],
    ['abc', 'xyz', 0, '3 edits over 3 characters (after trim+NFC): similarity 0'],
    ['', 'abc', 0, '3 edits over 3 characters (after trim+NFC): similarity 0'],
    [' abc\r\n', 'abc', 1, '0 edits over 3 characters (after trim+NFC): similarity 1'],
    ['e\u0301', 'é', 1, '0 edits over 1 character (after trim+NFC): similarity 1'],
    ['😀😀', '😀', 0.5, '1 edit over 2 characters (after trim+NFC): similarity 0.5'],
  ])('%j vs %j', (output, expected, score, explanation) => {
    expect(levenshteinSimilarity(output, expected)).toEqual({ score, explanation })
  })

  it('honours normalisation options', () => {
    expect(levenshteinSimilarity('e\u0301', 'é', none).score).toBe(0)
    expect(levenshteinSimilarity('ABC', 'abc', { ...none, ignoreCase: true }).score).toBe(1)
  })

  it('handles long inputs in reasonable time and exactly', () => {
    const a = 'the quick brown fox '.repeat(200).trim() // 3999 characters
    const b = a.replaceAll('quick', 'quack')
    const result = levenshteinSimilarity(a, b)
    expect(result.score).toBeCloseTo(1 - 200 / 3999, 15)
    expect(result.explanation).toBe(
      '200 edits over 3999 characters (after trim+NFC): similarity 0.95',
    )
  })

  it('registry: ratio scale, output and expected', () => {
    const made = METRICS.levenshtein.create({ ignoreCase: true })
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value({ output: 'Kitten', expected: 'SITTING' }).score).toBeCloseTo(1 - 3 / 7, 15)
    expect(METRICS.levenshtein.scale).toBe('ratio')
  })
})
