import type { Scale } from '@assay/core'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import {
  answerInstructions,
  answerResponseSchema,
  answerSchema,
  answerShape,
  isIntegerScale,
} from './answer-format.js'

const FIVE: Scale = { kind: 'score', min: 1, max: 5 }
const RATIO: Scale = { kind: 'score', min: 0, max: 1 }
const BOOL: Scale = { kind: 'boolean' }

function compile(scale: Scale) {
  return new Ajv({ strict: true, allErrors: true }).compile(answerSchema(scale))
}

describe('answerSchema', () => {
  it('is a valid draft-07 schema for a 1–5 scale, explanation first, whole numbers only', () => {
    const schema = answerSchema(FIVE)
    expect(schema).toMatchObject({
      type: 'object',
      required: ['explanation', 'score'],
      additionalProperties: false,
      properties: { score: { type: 'integer', minimum: 1, maximum: 5 } },
    })
    expect(Object.keys(schema.properties as object)).toEqual(['explanation', 'score'])
    const validate = compile(FIVE)
    expect(validate({ explanation: 'ok', score: 4 })).toBe(true)
    expect(validate({ explanation: 'ok', score: 4.5 })).toBe(false)
    expect(validate({ explanation: 'ok', score: 6 })).toBe(false)
    expect(validate({ score: 4 })).toBe(false)
    expect(validate({ explanation: 'ok', score: 4, extra: 1 })).toBe(false)
  })

  it('takes decimals on a 0–1 scale', () => {
    expect(answerSchema(RATIO)).toMatchObject({ properties: { score: { type: 'number' } } })
    const validate = compile(RATIO)
    expect(validate({ explanation: 'ok', score: 0.25 })).toBe(true)
    expect(validate({ explanation: 'ok', score: 1.5 })).toBe(false)
  })

  it('asks for { explanation, pass } on a boolean scale', () => {
    const validate = compile(BOOL)
    expect(validate({ explanation: 'fine', pass: true })).toBe(true)
    expect(validate({ explanation: 'fine', pass: 1 })).toBe(false)
    expect(validate({ explanation: 'fine', score: 1 })).toBe(false)
    expect(Object.keys(answerSchema(BOOL).properties as object)).toEqual(['explanation', 'pass'])
  })

  it('names the schema for providers (letters, digits, _ and - only)', () => {
    expect(answerResponseSchema(FIVE).name).toMatch(/^[a-zA-Z0-9_-]+$/)
  })
})

describe('isIntegerScale', () => {
  it.each([
    [{ kind: 'score', min: 1, max: 5 }, true],
    [{ kind: 'score', min: 1, max: 10 }, true],
    [{ kind: 'score', min: 0, max: 1 }, false],
    [{ kind: 'score', min: 1.5, max: 4.5 }, false],
    [{ kind: 'boolean' }, false],
  ] as [Scale, boolean][])('%o → %s', (scale, expected) => {
    expect(isIntegerScale(scale)).toBe(expected)
  })
})

describe('answerInstructions', () => {
  it('spells out the shape, the range and "JSON only" for a score scale', () => {
    const text = answerInstructions(FIVE)
    expect(text).toContain('"explanation"')
    expect(text).toContain('"score": a whole number from 1 to 5')
    expect(text).toContain(answerShape(FIVE))
    expect(text).toContain('Answer with the JSON object only')
    expect(text.indexOf('"explanation"')).toBeLessThan(text.indexOf('"score"'))
  })

  it('says decimals are allowed on a ratio scale', () => {
    expect(answerInstructions(RATIO)).toContain('a number from 0 to 1 (decimals allowed)')
  })

  it('asks for pass true/false on a boolean scale', () => {
    const text = answerInstructions(BOOL)
    expect(text).toContain('"pass": true when the text meets the criterion')
    expect(text).toContain('{"explanation": "<your reasoning>", "pass": <true or false>}')
    expect(text).not.toContain('"score"')
  })

  it('contains no {{ that a template would read as a variable', () => {
    for (const scale of [FIVE, RATIO, BOOL]) expect(answerInstructions(scale)).not.toContain('{{')
  })
})
