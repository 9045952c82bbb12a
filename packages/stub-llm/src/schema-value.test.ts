import { describe, expect, it } from 'vitest'
import { defaultJudgeObject, valueForSchema } from './schema-value.js'

const judgeSchema = {
  type: 'object',
  properties: {
    score: { type: 'integer', minimum: 0, maximum: 10 },
    pass: { type: 'boolean' },
    explanation: { type: 'string' },
  },
  required: ['score', 'pass', 'explanation'],
  additionalProperties: false,
}

describe('valueForSchema', () => {
  it('keeps score within minimum/maximum and agrees pass with it', () => {
    const scores = new Set<number>()
    for (let hash = 0; hash < 200; hash++) {
      const value = valueForSchema(judgeSchema, hash * 7919) as Record<string, unknown>
      expect(Object.keys(value)).toEqual(['score', 'pass', 'explanation'])
      const score = value.score as number
      expect(Number.isInteger(score)).toBe(true)
      expect(score).toBeGreaterThanOrEqual(0)
      expect(score).toBeLessThanOrEqual(10)
      expect(value.pass).toBe(score >= 5)
      expect(typeof value.explanation).toBe('string')
      scores.add(score)
    }
    expect(scores.size).toBe(11)
  })

  it('defaults scores to 1..5 and narrow number ranges to quarter steps', () => {
    const value = valueForSchema(
      {
        type: 'object',
        properties: {
          score: { type: 'number' },
          confidence: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
      12345,
    ) as { score: number; confidence: number }
    expect(value.score).toBe(1 + (12345 % 5))
    expect([0, 0.25, 0.5, 0.75, 1]).toContain(value.confidence)
  })

  it('gives 2-3 short strings for string arrays and 0/1 verdicts for verdict objects', () => {
    const schema = {
      type: 'object',
      properties: {
        statements: { type: 'array', items: { type: 'string' } },
        verdicts: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              statement: { type: 'string' },
              verdict: { type: 'integer' },
              reason: { type: 'string' },
            },
          },
        },
      },
    }
    for (let hash = 1; hash < 50; hash++) {
      const value = valueForSchema(schema, hash * 104729) as {
        statements: string[]
        verdicts: Array<{ statement: string; verdict: number; reason: string }>
      }
      expect(value.statements.length).toBeGreaterThanOrEqual(2)
      expect(value.statements.length).toBeLessThanOrEqual(3)
      expect(value.statements[0]).toMatch(/^Statement 1: /)
      for (const v of value.verdicts) expect([0, 1]).toContain(v.verdict)
    }
  })

  it('follows enum, const, nullable types, anyOf, $ref and item bounds', () => {
    const schema = {
      type: 'object',
      $defs: { label: { type: 'string', enum: ['good', 'bad'] } },
      properties: {
        label: { $ref: '#/$defs/label' },
        kind: { const: 'judge' },
        note: { type: ['string', 'null'], maxLength: 5 },
        either: { anyOf: [{ type: 'null' }, { type: 'boolean' }] },
        claims: { type: 'array', items: { type: 'string' }, minItems: 4, maxItems: 4 },
        verdict: { type: 'string', enum: ['yes', 'no', 'idk'] },
      },
    }
    const value = valueForSchema(schema, 99) as Record<string, unknown>
    expect(['good', 'bad']).toContain(value.label)
    expect(value.kind).toBe('judge')
    expect((value.note as string).length).toBeLessThanOrEqual(5)
    expect(typeof value.either).toBe('boolean')
    expect(value.claims).toHaveLength(4)
    expect(['yes', 'no', 'idk']).toContain(value.verdict)
  })

  it('is deterministic and survives recursive schemas', () => {
    const tree = { type: 'object', properties: { child: { $ref: '#' }, name: { type: 'string' } } }
    expect(valueForSchema(tree, 5)).toEqual(valueForSchema(tree, 5))
    expect(valueForSchema(judgeSchema, 5)).toEqual(valueForSchema(judgeSchema, 5))
  })

  it('without a schema answers { score 1..5, explanation }', () => {
    const value = defaultJudgeObject(3)
    expect(value.score).toBe(4)
    expect(value.explanation).toMatch(/^The response is good/)
  })
})
