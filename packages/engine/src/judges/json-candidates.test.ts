import { describe, expect, it } from 'vitest'
import { parseLenientJson, pick, repairJson, scanJson } from './json-candidates.js'

describe('scanJson', () => {
  it('returns the whole text when it is JSON', () => {
    expect(scanJson(' {"a": 1} ')).toEqual({ values: [{ a: 1 }], truncated: false })
    expect(scanJson('\uFEFF[1, 2]')).toEqual({ values: [[1, 2]], truncated: false })
  })

  it('finds objects and arrays between prose, in order', () => {
    const scan = scanJson('first {"a": 1} then ["x"] and {"b": {"c": 2}} end')
    expect(scan.values).toEqual([{ a: 1 }, ['x'], { b: { c: 2 } }])
    expect(scan.truncated).toBe(false)
  })

  it('ignores brackets inside strings', () => {
    expect(scanJson('note: {"t": "a } b ] c {", "n": 1}').values).toEqual([
      { t: 'a } b ] c {', n: 1 },
    ])
  })

  it('looks inside a bracket that does not parse', () => {
    expect(scanJson('[see {"a": 1}] end').values).toEqual([{ a: 1 }])
    expect(scanJson('(see [1 and {"a": 1}').values).toEqual([{ a: 1 }])
  })

  it('flags an object that never closes', () => {
    expect(scanJson('{"explanation": "The answer is')).toEqual({ values: [], truncated: true })
    expect(scanJson('Score {not really').truncated).toBe(true)
    expect(scanJson('a [ stray bracket').truncated).toBe(false)
  })

  it('returns nothing for empty text or plain prose', () => {
    expect(scanJson('')).toEqual({ values: [], truncated: false })
    expect(scanJson('The score is 4.')).toEqual({ values: [], truncated: false })
    // A bare number is not a container: nothing to pick fields from.
    expect(scanJson('4').values).toEqual([])
  })

  it('finds the object after many brackets of prose', () => {
    const text = `${'see [note] and [1] '.repeat(400)}{"a": 1}`
    expect(scanJson(text).values.at(-1)).toEqual({ a: 1 })
  })

  it('stays fast on pathological input', () => {
    const text = '{'.repeat(5000) + '['.repeat(5000)
    const started = performance.now()
    scanJson(text)
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('repairJson', () => {
  it.each([
    ["{'a': 'b'}", '{"a": "b"}'],
    ["{'a': 'say \"hi\"'}", '{"a": "say \\"hi\\""}'],
    ["{'a': 'it\\'s'}", '{"a": "it\'s"}'],
    ['{"a": 1,}', '{"a": 1}'],
    ['[1, 2, ]', '[1, 2 ]'],
    ['{a: 1, b_c: true}', '{"a": 1, "b_c": true}'],
    ['{"a": True, "b": False, "c": None}', '{"a": true, "b": false, "c": null}'],
    ['{"a": "line\nnext\ttab"}', '{"a": "line\\nnext\\ttab"}'],
    ['{"a": "keep , } commas"}', '{"a": "keep , } commas"}'],
  ])('%s → %s', (input, output) => {
    expect(repairJson(input)).toBe(output)
    expect(() => JSON.parse(output)).not.toThrow()
  })

  it('leaves what it cannot fix for JSON.parse to refuse', () => {
    expect(parseLenientJson('{"a": }').ok).toBe(false)
    expect(parseLenientJson("{'a': 'unterminated}").ok).toBe(false)
  })
})

describe('pick', () => {
  it('matches keys case-insensitively, in the order of the aliases', () => {
    expect(pick({ Reasoning: 'r', EXPLANATION: 'e' }, ['explanation', 'reasoning'])).toEqual({
      key: 'EXPLANATION',
      value: 'e',
    })
    expect(pick({ a: 1 }, ['b'])).toBeUndefined()
  })
})
