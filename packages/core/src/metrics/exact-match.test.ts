import { describe, expect, it } from 'vitest'
import { exactMatch } from './exact-match.js'
import { METRICS } from './registry.js'
import { DEFAULT_NORMALIZE_OPTIONS, type NormalizeOptions } from './text.js'

const all: NormalizeOptions = {
  trim: true,
  ignoreCase: true,
  collapseWhitespace: true,
  stripPunctuation: true,
  unicodeNormalize: true,
}
const none: NormalizeOptions = {
  trim: false,
  ignoreCase: false,
  collapseWhitespace: false,
  stripPunctuation: false,
  unicodeNormalize: false,
}

describe('exact match', () => {
  it.each([
    // [output, expected, options, score]
    ['Paris', 'Paris', DEFAULT_NORMALIZE_OPTIONS, 1],
    ['  Paris\r\n', 'Paris', DEFAULT_NORMALIZE_OPTIONS, 1],
    ['  Paris\r\n', 'Paris', none, 0],
    ['paris', 'Paris', DEFAULT_NORMALIZE_OPTIONS, 0],
    ['paris', 'Paris', { ...DEFAULT_NORMALIZE_OPTIONS, ignoreCase: true }, 1],
    ['STRASSE', 'straße', { ...DEFAULT_NORMALIZE_OPTIONS, ignoreCase: true }, 1],
    ['ΟΔΟΣ', 'οδος', { ...DEFAULT_NORMALIZE_OPTIONS, ignoreCase: true }, 1],
    ['New  York', 'New York', DEFAULT_NORMALIZE_OPTIONS, 0],
    ['New \r\n\t York', 'New York', { ...DEFAULT_NORMALIZE_OPTIONS, collapseWhitespace: true }, 1],
    ['Paris.', 'Paris', DEFAULT_NORMALIZE_OPTIONS, 0],
    ['«Paris»!', 'Paris', { ...DEFAULT_NORMALIZE_OPTIONS, stripPunctuation: true }, 1],
    ['Café', 'Cafe\u0301', DEFAULT_NORMALIZE_OPTIONS, 1],
    ['Café', 'Cafe\u0301', none, 0],
    ['', '', DEFAULT_NORMALIZE_OPTIONS, 1],
    ['   ', '', DEFAULT_NORMALIZE_OPTIONS, 1],
    ['😀', '😀', none, 1],
    ['👍🏽', '👍', DEFAULT_NORMALIZE_OPTIONS, 0],
    ['  The  ANSWER: "42"! ', 'the answer 42', all, 1],
  ])('%j vs %j (%o) → %i', (output, expected, options, score) => {
    expect(exactMatch(output, expected, options).score).toBe(score)
  })

  it.each([
    ['Paris', 'Paris', DEFAULT_NORMALIZE_OPTIONS, 'exact match after trim+NFC'],
    [
      'paris ',
      'Paris',
      { ...DEFAULT_NORMALIZE_OPTIONS, ignoreCase: true },
      'exact match after trim+lowercase+NFC',
    ],
    ['a', 'a', none, 'exact match after no normalisation'],
    [
      'Pari',
      'Paris',
      DEFAULT_NORMALIZE_OPTIONS,
      "no match after trim+NFC: at character 5 the output ends, expected 's'",
    ],
    [
      'Paris!',
      'Paris',
      DEFAULT_NORMALIZE_OPTIONS,
      "no match after trim+NFC: at character 6 expected ends, output has '!'",
    ],
    [
      'paris',
      'Paris',
      DEFAULT_NORMALIZE_OPTIONS,
      "no match after trim+NFC: at character 1 expected 'P', got 'p'",
    ],
    [
      '😀x',
      '😀y',
      DEFAULT_NORMALIZE_OPTIONS,
      "no match after trim+NFC: at character 2 expected 'y', got 'x'",
    ],
    [
      'a\nb',
      'a\r\nb',
      DEFAULT_NORMALIZE_OPTIONS,
      "no match after trim+NFC: at character 2 expected '\\r', got '\\n'",
    ],
  ])('explains %j vs %j', (output, expected, options, explanation) => {
    expect(exactMatch(output, expected, options).explanation).toBe(explanation)
  })

  it('is the registry default', () => {
    const made = METRICS['exact-match'].create({})
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value({ output: ' Paris\n', expected: 'Paris' })).toEqual({
      score: 1,
      explanation: 'exact match after trim+NFC',
    })
    expect(METRICS['exact-match'].create({ ignorecase: true }).ok).toBe(false)
    expect(METRICS['exact-match'].create({ trim: 'yes' }).ok).toBe(false)
  })

  it('handles long inputs', () => {
    const long = 'x'.repeat(1_000_000)
    expect(exactMatch(long, `${long}y`).score).toBe(0)
    expect(exactMatch(long, long).score).toBe(1)
  })
})
