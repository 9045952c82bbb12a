import { describe, expect, it } from 'vitest'
import {
  parseAttributions,
  parseEntities,
  parseStatements,
  parseUsefulness,
  parseVerdicts,
} from './step-parsers.js'

describe('parseStatements', () => {
  it.each([
    ['object', '{"statements": ["A is B.", " C is D. "]}', ['A is B.', 'C is D.']],
    ['fenced with prose', 'Here you go:\n```json\n{"statements": ["A."]}\n```', ['A.']],
    ['bare array', '["A.", "B."]', ['A.', 'B.']],
    ['claims key', '{"claims": ["A."]}', ['A.']],
    ['objects with a statement field', '{"statements": [{"statement": "A."}]}', ['A.']],
    ['empty list', '{"statements": []}', []],
    ['single quotes and trailing comma', "{'statements': ['A.', 'B.',]}", ['A.', 'B.']],
  ])('%s', (_name, text, expected) => {
    expect(parseStatements(text)).toEqual({ ok: true, value: expected })
  })

  it.each([
    ['no JSON', 'The answer says A.', /no JSON object/],
    ['wrong key', '{"items": ["A."]}', /no "statements" field/],
    [
      'non-text item',
      '{"statements": ["A.", 3.5, {"x": 1}]}',
      /item 3 of "statements": expected a text/,
    ],
    ['blank item', '{"statements": ["A.", "  "]}', /item 2 of "statements": the text is empty/],
    ['truncated', '{"statements": ["A.", "B', /cut off/],
  ])('refuses %s', (_name, text, message) => {
    const parsed = parseStatements(text)
    expect(parsed.ok || parsed.error.message).toMatch(message)
  })
})

describe('parseVerdicts', () => {
  it('reads verdicts in order, tolerating spellings', () => {
    const text = JSON.stringify({
      verdicts: [
        { statement: 'A', reason: 'stated', verdict: 1 },
        { statement: 'B', reason: 'absent', verdict: '0' },
        { statement: 'C', reason: 'implied', verdict: true },
        { statement: 'D', reason: 'no', verdict: 'no' },
      ],
    })
    expect(parseVerdicts(text, 4)).toEqual({
      ok: true,
      value: [
        { verdict: true, reason: 'stated' },
        { verdict: false, reason: 'absent' },
        { verdict: true, reason: 'implied' },
        { verdict: false, reason: 'no' },
      ],
    })
  })

  it('accepts the RAGAS "statements" key and bare 1/0 lists', () => {
    expect(
      parseVerdicts('{"statements": [{"statement": "A", "reason": "r", "verdict": 1}]}', 1).ok,
    ).toBe(true)
    expect(parseVerdicts('[1, 0]', 2)).toEqual({
      ok: true,
      value: [
        { verdict: true, reason: '' },
        { verdict: false, reason: '' },
      ],
    })
  })

  it('refuses a count that does not match the statements, and bad verdicts', () => {
    const short = parseVerdicts('{"verdicts": [{"verdict": 1}]}', 3)
    expect(short.ok || short.error.message).toBe(
      'expected 3 verdicts, one per statement in the order given, but the answer has 1',
    )
    const bad = parseVerdicts('{"verdicts": [{"verdict": 2}]}', 1)
    expect(bad.ok || bad.error.message).toMatch(/"verdict" is 2, not 1 or 0/)
  })
})

describe('parseUsefulness', () => {
  it.each([
    ['{"reason": "Mentions Paris.", "verdict": 1}', { verdict: true, reason: 'Mentions Paris.' }],
    [
      '```json\n{"reason": "Off-topic.", "verdict": "0"}\n```',
      { verdict: false, reason: 'Off-topic.' },
    ],
    ['Verdict below. {"Verdict": "yes", "Reasoning": "ok"}', { verdict: true, reason: 'ok' }],
  ])('%s', (text, expected) => {
    expect(parseUsefulness(text)).toEqual({ ok: true, value: expected })
  })

  it('refuses a missing or bad verdict and truncation', () => {
    const a = parseUsefulness('{"reason": "x"}')
    expect(a.ok || a.error.message).toMatch(/no "verdict" field/)
    const b = parseUsefulness('{"reason": "x", "verdict": "perhaps"}')
    expect(b.ok || b.error.message).toMatch(/not 1 or 0/)
    const c = parseUsefulness('{"reason": "the context')
    expect(c.ok || c.error.message).toMatch(/cut off/)
  })
})

describe('parseAttributions', () => {
  it('reads statement, reason and attributed', () => {
    const text =
      '{"classifications": [{"statement": "A.", "reason": "in [1]", "attributed": 1}, {"statement": "B.", "reason": "absent", "attributed": 0}]}'
    expect(parseAttributions(text)).toEqual({
      ok: true,
      value: [
        { statement: 'A.', attributed: true, reason: 'in [1]' },
        { statement: 'B.', attributed: false, reason: 'absent' },
      ],
    })
  })

  it('refuses an item without a statement', () => {
    const parsed = parseAttributions('{"classifications": [{"reason": "r", "attributed": 1}]}')
    expect(parsed.ok || parsed.error.message).toMatch(
      /item 1 of "classifications": expected a text/,
    )
  })
})

describe('parseEntities', () => {
  it('reads a list of entities, numbers included', () => {
    expect(parseEntities('{"entities": ["Eiffel Tower", "Paris", 1889]}')).toEqual({
      ok: true,
      value: ['Eiffel Tower', 'Paris', '1889'],
    })
  })
})
