import { describe, expect, it } from 'vitest'
import { jsonValid, stripCodeFence } from './json-valid.js'
import { METRICS } from './registry.js'

/** The parser's own message for a text, to check that the explanation carries it. */
function parserMessage(text: string): string {
  try {
    JSON.parse(text)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error(`${text} parses`)
}

describe('json-valid', () => {
  it.each([
    ['{"a": 1}', 'valid JSON (object)'],
    ['[1, 2]', 'valid JSON (array)'],
    ['"text"', 'valid JSON (string)'],
    ['-1.5e3', 'valid JSON (number)'],
    ['true', 'valid JSON (boolean)'],
    ['null', 'valid JSON (null)'],
    ['\r\n  {"emoji": "😀"}\r\n', 'valid JSON (object)'],
  ])('%j is valid', (text, explanation) => {
    expect(jsonValid(text)).toEqual({ score: 1, explanation })
  })

  it.each([
    ['', /^invalid JSON: Unexpected end of JSON input$/],
    ['   ', /^invalid JSON: Unexpected end of JSON input$/],
    ['{"a": }', /^invalid JSON: Unexpected token/],
    ["{'a': 1}", /^invalid JSON: .*property name/],
    ['{"a": 1,}', /^invalid JSON: /],
    ['NaN', /^invalid JSON: /],
    ['```json\n{"a": 1}\n```', /^invalid JSON: /],
    ['{"a": 1} trailing', /^invalid JSON: .*after JSON/],
  ])('%j is invalid and the parser message is kept', (text, pattern) => {
    const result = jsonValid(text)
    expect(result.score).toBe(0)
    expect(result.explanation).toMatch(pattern)
    expect(result.explanation).toBe(`invalid JSON: ${parserMessage(text)}`)
  })

  it('shortens a very long parser message', () => {
    const text = `{"a": ${'1'.repeat(10_000)}x}`
    const result = jsonValid(text)
    expect(result.score).toBe(0)
    expect(result.explanation.length).toBeLessThanOrEqual('invalid JSON: '.length + 200)
  })

  it.each([
    ['```json\n{"a": 1}\n```', '{"a": 1}'],
    ['```\r\n[1]\r\n```\n', '[1]'],
    ['  ```JSON\n{}\n```  ', '{}'],
    ['{"a": "```"}', '{"a": "```"}'],
    ['text ```json\n{}\n```', 'text ```json\n{}\n```'],
  ])('stripCodeFence(%j)', (text, body) => {
    expect(stripCodeFence(text)).toBe(body)
  })

  it('accepts a fenced answer only with stripCodeFence', () => {
    const strict = METRICS['json-valid'].create()
    const lenient = METRICS['json-valid'].create({ stripCodeFence: true })
    if (!strict.ok || !lenient.ok) throw new Error('create failed')
    const output = '```json\n{"answer": 42}\n```'
    expect(strict.value({ output }).score).toBe(0)
    expect(lenient.value({ output })).toEqual({ score: 1, explanation: 'valid JSON (object)' })
  })
})
