import { describe, expect, it } from 'vitest'
import { parseNumber } from './numbers.js'
import { numericBounds } from './numeric-bounds.js'
import { numericTolerance } from './numeric-tolerance.js'
import { METRICS } from './registry.js'

describe('parseNumber', () => {
  it.each([
    ['42', 42],
    [' -3.5 ', -3.5],
    ['+.5', 0.5],
    ['5.', 5],
    ['1e-3', 0.001],
    ['2.5E+4', 25_000],
    ['-0', -0],
    ['\r\n7\r\n', 7],
    ['007', 7],
  ])('%j → %f', (text, value) => {
    expect(parseNumber(text)).toEqual({ ok: true, value })
  })

  it.each([
    ['', "not a number: ''"],
    ['   ', "not a number: '   '"],
    ['abc', "not a number: 'abc'"],
    ['0x10', "not a number: '0x10'"],
    ['1,000', "not a number: '1,000'"],
    ['1 000', "not a number: '1 000'"],
    ['NaN', "not a number: 'NaN'"],
    ['Infinity', "not a number: 'Infinity'"],
    ['1e', "not a number: '1e'"],
    ['.', "not a number: '.'"],
    ['--1', "not a number: '--1'"],
    ['٣', "not a number: '٣'"],
    ['12 ms', "not a number: '12 ms'"],
    ['1e400', "not a finite number: '1e400'"],
  ])('%j is refused', (text, message) => {
    expect(parseNumber(text)).toEqual({ ok: false, message })
  })
})

describe('numeric tolerance', () => {
  const tol = (absoluteTolerance: number, relativeTolerance: number) => ({
    absoluteTolerance,
    relativeTolerance,
  })

  it.each([
    ['1.0', '1', tol(0, 0), 1, 'equal: 1'],
    ['1e3', '1000', tol(0, 0), 1, 'equal: 1000'],
    ['0.30000000000000004', '0.3', tol(0, 0), 0, '|0.3 - 0.3| = 5.551e-17 exceeds the tolerance 0'],
    [
      '0.30000000000000004',
      '0.3',
      tol(1e-9, 0),
      1,
      '|0.3 - 0.3| = 5.551e-17, within absolute tolerance 1e-9',
    ],
    ['3.14', '3.1416', tol(0.01, 0), 1, '|3.14 - 3.1416| = 0.0016, within absolute tolerance 0.01'],
    ['3.2', '3.1416', tol(0.01, 0), 0, '|3.2 - 3.1416| = 0.0584 exceeds the tolerance 0.01'],
    ['104', '100', tol(0, 0.05), 1, '|104 - 100| = 4, within relative tolerance 0.05 (5)'],
    ['106', '100', tol(0, 0.05), 0, '|106 - 100| = 6 exceeds the tolerance 5'],
    ['106', '100', tol(6, 0.05), 1, '|106 - 100| = 6, within absolute tolerance 6'],
    ['-104', '-100', tol(0, 0.05), 1, '|-104 - -100| = 4, within relative tolerance 0.05 (5)'],
    ['0.001', '0', tol(0, 0.5), 0, '|0.001 - 0| = 0.001 exceeds the tolerance 0'],
    ['', '1', tol(1, 1), 0, "output is not a number: ''"],
    ['abc', '1', tol(1, 1), 0, "output is not a number: 'abc'"],
    ['1', 'n/a', tol(1, 1), 0, "expected is not a number: 'n/a'"],
    ['1e400', '1', tol(1, 1), 0, "output is not a finite number: '1e400'"],
  ])('%j vs %j with %o', (output, expected, params, score, explanation) => {
    expect(numericTolerance(output, expected, params)).toEqual({ score, explanation })
  })

  it('registry defaults to exact numeric equality and refuses negative tolerances', () => {
    const made = METRICS['numeric-tolerance'].create()
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value({ output: ' 2.50 ', expected: '2.5' }).score).toBe(1)
    expect(made.value({ output: '2.51', expected: '2.5' }).score).toBe(0)
    const bad = METRICS['numeric-tolerance'].create({ absoluteTolerance: -1 })
    if (bad.ok) throw new Error('accepted a negative tolerance')
    expect(bad.error.message).toBe(
      'invalid parameters for Numeric tolerance: absoluteTolerance: a tolerance may not be negative',
    )
    expect(METRICS['numeric-tolerance'].create({ relativeTolerance: '5%' }).ok).toBe(false)
  })
})

describe('numeric bounds', () => {
  it.each([
    ['850', { max: 1000 }, 1, '850 is within (-∞, 1000]'],
    ['1000', { max: 1000 }, 1, '1000 is within (-∞, 1000]'],
    ['1000.5', { max: 1000 }, 0, '1000.5 is above the maximum 1000'],
    ['12', { min: 10, max: 20 }, 1, '12 is within [10, 20]'],
    ['9.99', { min: 10, max: 20 }, 0, '9.99 is below the minimum 10'],
    ['10', { min: 10 }, 1, '10 is within [10, ∞)'],
    ['-5', { min: -10, max: -1 }, 1, '-5 is within [-10, -1]'],
    ['', { max: 1 }, 0, "value is not a number: ''"],
    ['1.2s', { max: 1 }, 0, "value is not a number: '1.2s'"],
  ])('%j with %o', (value, params, score, explanation) => {
    expect(numericBounds(value, params)).toEqual({ score, explanation })
  })

  it('registry reads the value variable and refuses bad bounds', () => {
    expect(METRICS['numeric-bounds'].variables).toEqual(['value'])
    const made = METRICS['numeric-bounds'].create({ max: 2000 })
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value({ value: '1234' }).score).toBe(1)
    const none = METRICS['numeric-bounds'].create({})
    if (none.ok) throw new Error('accepted no bounds')
    expect(none.error.message).toBe('invalid parameters for Numeric bounds: give min, max or both')
    const inverted = METRICS['numeric-bounds'].create({ min: 5, max: 1 })
    if (inverted.ok) throw new Error('accepted min > max')
    expect(inverted.error.message).toBe(
      'invalid parameters for Numeric bounds: min: min may not be greater than max',
    )
    expect(METRICS['numeric-bounds'].create({ min: Number.NaN }).ok).toBe(false)
  })
})
