import { describe, expect, it } from 'vitest'
import { createLengthBoundsMetric, lengthBounds, measureLength } from './length-bounds.js'
import { METRICS } from './registry.js'

describe('length bounds', () => {
  it.each([
    ['hello', 'characters', true, 5],
    ['  hello \r\n', 'characters', true, 5],
    ['  hello \r\n', 'characters', false, 10],
    ['😀😀', 'characters', true, 2],
    ['👨‍👩‍👧', 'characters', true, 5], // a ZWJ family is 5 code points
    ['e\u0301', 'characters', true, 2],
    ['', 'characters', true, 0],
    ['one two\tthree\r\nfour', 'words', true, 4],
    ['   ', 'words', true, 0],
    ['😀 😀', 'words', true, 2],
  ] as const)('%j measures %i %s (trim %s)', (text, unit, trim, expected) => {
    expect(measureLength(text, unit, trim)).toBe(expected)
  })

  it.each([
    [
      'hello',
      { unit: 'characters', min: 1, max: 10, trim: true },
      1,
      '5 characters, within [1, 10]',
    ],
    [
      'hello',
      { unit: 'characters', max: 4, trim: true },
      0,
      '5 characters, above the maximum of 4',
    ],
    ['', { unit: 'characters', min: 1, trim: true }, 0, '0 characters, below the minimum of 1'],
    ['one two three', { unit: 'words', max: 3, trim: true }, 1, '3 words, within (-∞, 3]'],
    ['one two three', { unit: 'words', min: 5, trim: true }, 0, '3 words, below the minimum of 5'],
  ] as const)('%j with %o', (output, params, score, explanation) => {
    expect(lengthBounds(output, params)).toEqual({ score, explanation })
  })

  it('handles long inputs', () => {
    expect(
      lengthBounds('word '.repeat(100_000), { unit: 'words', max: 99_999, trim: true }),
    ).toEqual({
      score: 0,
      explanation: '100000 words, above the maximum of 99999',
    })
  })

  it.each([
    [{}, 'give min, max or both'],
    [{ min: 10, max: 5 }, 'min: min may not be greater than max'],
    [{ min: -1 }, 'min: min may not be negative'],
    [{ max: 2.5 }, 'max'],
    [{ max: 5, unit: 'tokens' }, 'unit'],
  ])('refuses %o', (params, message) => {
    const made = METRICS['length-bounds'].create(params)
    if (made.ok) throw new Error('accepted bad bounds')
    expect(made.error.message).toContain(message)
  })

  it('the factory re-checks bounds built by hand', () => {
    const made = createLengthBoundsMetric({ unit: 'words', min: 3, max: 1, trim: true })
    expect(made.ok).toBe(false)
  })
})
