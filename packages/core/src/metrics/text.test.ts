import { describe, expect, it } from 'vitest'
import { splitReferences } from './references.js'
import {
  codePointLength,
  describeNormalization,
  foldCase,
  formatNumber,
  normalizeText,
  quote,
  quoteList,
} from './text.js'

describe('explanation helpers', () => {
  it.each([
    ['Paris', "'Paris'"],
    ['a\r\nb\tc', "'a\\r\\nb\\tc'"],
    ['x'.repeat(100), `'${'x'.repeat(59)}…'`],
    ['😀'.repeat(100), `'${'😀'.repeat(59)}…'`], // never splits a surrogate pair
    ['', "''"],
  ])('quote(%j)', (text, quoted) => {
    expect(quote(text)).toBe(quoted)
  })

  it('quoteList', () => {
    expect(quoteList(['a', 'b'])).toBe("'a', 'b'")
    expect(quoteList(['a', 'b', 'c'], 2)).toBe("'a', 'b' and 1 more")
  })

  it.each([
    [3, '3'],
    [-0.5, '-0.5'],
    [0.0016, '0.0016'],
    [0.5045666840058485, '0.5046'],
    [2 / 3, '0.6667'],
    [1234.56789, '1234.5679'],
    [5.551115123125783e-17, '5.551e-17'],
    [1e21, '1e+21'],
  ])('formatNumber(%f) = %s', (value, text) => {
    expect(formatNumber(value)).toBe(text)
  })

  it('codePointLength counts code points', () => {
    expect(codePointLength('a😀')).toBe(2)
    expect('a😀'.length).toBe(3)
  })
})

describe('normalisation', () => {
  it.each([
    ['Straße', 'STRASSE'],
    ['ΟΔΟΣ', 'οδος'],
    ['ǅ', 'ǆ'],
  ])('foldCase(%j) = foldCase(%j)', (a, b) => {
    expect(foldCase(a)).toBe(foldCase(b))
  })

  it('applies NFC, case, punctuation, whitespace and trim in that order', () => {
    const options = {
      trim: true,
      ignoreCase: true,
      collapseWhitespace: true,
      stripPunctuation: true,
      unicodeNormalize: true,
    }
    expect(normalizeText(' «Cafe\u0301» ,\r\n\tOK! ', options)).toBe('café ok')
    expect(describeNormalization(options)).toBe(
      'trim+lowercase+collapsed whitespace+no punctuation+NFC',
    )
  })
})

describe('splitReferences', () => {
  it.each([
    ['single', 'a\nb', ['a\nb']],
    ['single', '', ['']],
    ['lines', 'a\r\nb\n\n  \rc', ['a', 'b', 'c']],
    ['json-array', '["a", "b c"]', ['a', 'b c']],
  ] as const)('%s: %j', (format, expected, references) => {
    expect(splitReferences(expected, format)).toEqual({ ok: true, value: references })
  })

  it.each([
    ['lines', ' \r\n '],
    ['json-array', '[]'],
    ['json-array', '"a"'],
    ['json-array', '["a", 1]'],
    ['json-array', '[a]'],
  ] as const)('%s refuses %j', (format, expected) => {
    const split = splitReferences(expected, format)
    expect(split.ok).toBe(false)
  })
})
