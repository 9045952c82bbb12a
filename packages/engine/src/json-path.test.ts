import { describe, expect, it } from 'vitest'
import { readJsonPath } from './json-path.js'

const doc = {
  output: { Summarization: 'a summary', score: 4.5, ok: true, none: null },
  choices: [{ text: 'first' }, { text: 'second', tags: ['x', 'y'] }],
  data: [{ answer: 'from data' }],
  nested: { deeper: { list: [[1, 2], [3]] } },
  'with space': 'spaced',
  empty: '',
}

describe('readJsonPath', () => {
  it.each([
    ['output.Summarization', 'a summary'],
    ['choices.0.text', 'first'],
    ['choices[1].text', 'second'],
    ['data[0].answer', 'from data'],
    ['$.output.Summarization', 'a summary'],
    ['$.choices[1].text', 'second'],
    ['$', JSON.stringify(doc)],
    ['nested.deeper.list[0][1]', '2'],
    ['nested.deeper.list.1.0', '3'],
    ['with space', 'spaced'],
    ['empty', ''],
    // Non-strings come back as compact JSON.
    ['output.score', '4.5'],
    ['output.ok', 'true'],
    ['output.none', 'null'],
    ['choices[1].tags', '["x","y"]'],
    ['data[0]', '{"answer":"from data"}'],
    // Stray dots are ignored; an empty path is the whole value.
    ['.output..Summarization.', 'a summary'],
  ])('%s → %s', (path, expected) => {
    expect(readJsonPath(doc, path)).toEqual({ ok: true, value: expected })
  })

  it('an empty path gives the whole document as JSON', () => {
    expect(readJsonPath({ a: 1 }, '')).toEqual({ ok: true, value: '{"a":1}' })
    expect(readJsonPath('plain', '')).toEqual({ ok: true, value: 'plain' })
  })

  it.each([
    ['output.missing', 'JSON output path "output.missing": no "missing" under output'],
    ['nope', 'JSON output path "nope": no "nope" under (root)'],
    ['choices[5].text', 'JSON output path "choices[5].text": no "5" under choices'],
    // A string has no fields, not even its length.
    [
      'output.Summarization.length',
      'JSON output path "output.Summarization.length": no "length" under output.Summarization',
    ],
    ['output.none.x', 'JSON output path "output.none.x": no "x" under output.none'],
    ['output.score.x', 'JSON output path "output.score.x": no "x" under output.score'],
  ])('%s is an error', (path, message) => {
    expect(readJsonPath(doc, path)).toEqual({
      ok: false,
      error: { code: 'invalid_input', message },
    })
  })

  it('never reads inherited properties', () => {
    for (const path of ['toString', 'constructor', '__proto__', 'output.hasOwnProperty']) {
      const result = readJsonPath(doc, path)
      expect(result.ok, path).toBe(false)
    }
  })

  it('reads a parsed JSON answer the way an API generator gets it', () => {
    const parsed = JSON.parse('{"result":{"text":"line 1\\nline \\"2\\""}}')
    expect(readJsonPath(parsed, 'result.text')).toEqual({ ok: true, value: 'line 1\nline "2"' })
  })
})
