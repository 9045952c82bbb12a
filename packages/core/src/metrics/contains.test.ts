import { describe, expect, it } from 'vitest'
import { contains, containsAll, containsAny } from './contains.js'
import { METRICS } from './registry.js'

describe('contains (needle from the expected column)', () => {
  it.each([
    ['The capital is Paris.', 'Paris', false, 1, "found: 'Paris'"],
    ['The capital is paris.', 'Paris', false, 0, "missing: 'Paris'"],
    ['The capital is paris.', 'Paris', true, 1, "found: 'Paris'"],
    ['STRASSE', 'straße', true, 1, "found: 'straße'"],
    ['Café', 'Cafe\u0301', false, 1, "found: 'Cafe\u0301'"],
    ['a 😀 b', '😀', false, 1, "found: '😀'"],
    ['line one\r\nline two', 'one\r\nline', false, 1, "found: 'one\\r\\nline'"],
    ['', 'x', false, 0, "missing: 'x'"],
    ['anything', '', false, 0, 'expected is empty: nothing to look for'],
  ])('%j contains %j (ignoreCase %s)', (output, needle, ignoreCase, score, explanation) => {
    expect(contains(output, needle, ignoreCase)).toEqual({ score, explanation })
  })
})

describe('contains-all and contains-any (fixed needles)', () => {
  const needles = ['Paris', 'France', 'Seine']

  it.each([
    ['Paris, France, on the Seine', false, 1, "found all 3 of 'Paris', 'France', 'Seine'"],
    ['Paris, France', false, 0, "missing: 'Seine'"],
    ['nothing here', false, 0, "missing: 'Paris', 'France', 'Seine'"],
    ['paris, france, seine', false, 0, "missing: 'Paris', 'France', 'Seine'"],
    ['paris, france, seine', true, 1, "found all 3 of 'Paris', 'France', 'Seine'"],
    ['', false, 0, "missing: 'Paris', 'France', 'Seine'"],
  ])('all in %j (ignoreCase %s)', (output, ignoreCase, score, explanation) => {
    expect(containsAll(output, needles, ignoreCase)).toEqual({ score, explanation })
  })

  it.each([
    ['I love Paris', false, 1, "found: 'Paris'"],
    ['Seine and France', false, 1, "found: 'France', 'Seine'"],
    ['nothing here', false, 0, "none found of 'Paris', 'France', 'Seine'"],
    ['PARIS', true, 1, "found: 'Paris'"],
    ['', false, 0, "none found of 'Paris', 'France', 'Seine'"],
  ])('any in %j (ignoreCase %s)', (output, ignoreCase, score, explanation) => {
    expect(containsAny(output, needles, ignoreCase)).toEqual({ score, explanation })
  })

  it('shortens long lists of missing needles', () => {
    const many = Array.from({ length: 8 }, (_, i) => `n${i}`)
    expect(containsAll('', many).explanation).toBe(
      "missing: 'n0', 'n1', 'n2', 'n3', 'n4' and 3 more",
    )
  })

  it('registry: needles are required and non-empty', () => {
    for (const id of ['contains-all', 'contains-any'] as const) {
      expect(METRICS[id].variables).toEqual(['output'])
      const missing = METRICS[id].create({})
      expect(missing.ok).toBe(false)
      if (!missing.ok) expect(missing.error.message).toContain('needles')
      const emptyList = METRICS[id].create({ needles: [] })
      if (emptyList.ok) throw new Error('accepted an empty list')
      expect(emptyList.error.message).toContain('give at least one needle')
      const emptyNeedle = METRICS[id].create({ needles: ['a', ''] })
      if (emptyNeedle.ok) throw new Error('accepted an empty needle')
      expect(emptyNeedle.error.message).toContain('needles.1: a needle may not be empty')
    }
    const made = METRICS['contains-any'].create({ needles: ['sorry', 'cannot'], ignoreCase: true })
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value({ output: 'Sorry, I cannot help.' }).explanation).toBe(
      "found: 'sorry', 'cannot'",
    )
    const contains = METRICS.contains.create()
    if (!contains.ok) throw new Error(contains.error.message)
    expect(contains.value({ output: 'It is Paris.', expected: 'Paris' }).score).toBe(1)
    expect(METRICS.contains.variables).toEqual(['output', 'expected'])
  })
})
