import { describe, expect, it } from 'vitest'
import { formatContexts, splitContexts } from './split-contexts.js'

describe('splitContexts', () => {
  it.each([
    ['empty', '', []],
    ['whitespace', ' \n\t ', []],
    [
      'JSON array of strings',
      '["Paris is in France.", " Berlin is in Germany. ", ""]',
      ['Paris is in France.', 'Berlin is in Germany.'],
    ],
    ['empty JSON array', '[]', []],
    [
      'JSON array of chunk objects',
      '[{"chunkText": "a", "score": 0.9}, {"page_content": "b"}, {"content": "c"}, {"id": 4}]',
      ['a', 'b', 'c', '{"id":4}'],
    ],
    [
      'JSON array keeps multi-paragraph chunks whole',
      '["one\\n\\ntwo", "three"]',
      ['one\n\ntwo', 'three'],
    ],
    [
      '--- separators',
      'first chunk\n\nstill first\n---\nsecond\n  -----  \nthird',
      ['first chunk\n\nstill first', 'second', 'third'],
    ],
    ['blank lines', 'alpha\nbeta\n\n\ngamma\n \t\ndelta', ['alpha\nbeta', 'gamma', 'delta']],
    ['CRLF blank lines', 'a\r\n\r\nb', ['a', 'b']],
    ['one chunk', 'just one chunk of text', ['just one chunk of text']],
    [
      'text starting with [ that is not JSON',
      '[1] first source\n\n[2] second source',
      ['[1] first source', '[2] second source'],
    ],
    ['a JSON object is text', '{"a": 1}', ['{"a": 1}']],
  ])('%s', (_name, input, chunks) => {
    expect(splitContexts(input)).toEqual(chunks)
  })
})

describe('formatContexts', () => {
  it('numbers chunks and separates them by blank lines', () => {
    expect(formatContexts(['a', 'b'])).toBe('[1] a\n\n[2] b')
  })
})
