import { describe, expect, it } from 'vitest'
import { createMetric, isMetricId, METRIC_IDS, METRICS } from './registry.js'

/** Parameters that make every metric creatable (the others need none). */
const MINIMAL_PARAMS: Record<string, unknown> = {
  'contains-all': { needles: ['a'] },
  'contains-any': { needles: ['a'] },
  regex: { pattern: 'a' },
  'json-schema': { schema: { type: 'object' } },
  'length-bounds': { max: 10 },
  'numeric-bounds': { max: 10 },
}

/** Awkward cell values every metric must score without throwing. */
const TRICKY = [
  '',
  ' ',
  '\r\n',
  'a',
  'A b. c!',
  '42',
  '-1e-3',
  '{"a": [1, 2]}',
  '["x", "y"]',
  '😀👍🏽👨‍👩‍👧',
  'e\u0301 café 東京',
  '\u0000\u001f',
  'the the the the',
  'x'.repeat(2000),
]

describe('METRICS registry', () => {
  it('has exactly the documented ids', () => {
    expect(Object.keys(METRICS).sort()).toEqual([...METRIC_IDS].sort())
    expect(METRIC_IDS).toEqual([
      'exact-match',
      'contains',
      'contains-all',
      'contains-any',
      'regex',
      'json-valid',
      'json-schema',
      'numeric-tolerance',
      'levenshtein',
      'token-f1',
      'bleu',
      'rouge-l',
      'length-bounds',
      'numeric-bounds',
    ])
  })

  it.each(METRIC_IDS.map((id) => [id]))('%s is self-consistent', (id) => {
    const definition = METRICS[id]
    expect(definition.id).toBe(id)
    expect(definition.name.length).toBeGreaterThan(0)
    expect(definition.description.length).toBeGreaterThan(0)
    expect(definition.variables.length).toBeGreaterThan(0)
    const made = definition.create(MINIMAL_PARAMS[id])
    if (!made.ok) throw new Error(made.error.message)
    for (const a of TRICKY) {
      for (const b of TRICKY) {
        const vars = Object.fromEntries(definition.variables.map((v, i) => [v, i === 0 ? a : b]))
        const result = made.value(vars)
        expect(Number.isFinite(result.score), `${id} on ${a} / ${b}`).toBe(true)
        expect(result.score).toBeGreaterThanOrEqual(0)
        expect(result.score).toBeLessThanOrEqual(1)
        if (definition.scale === 'boolean') expect([0, 1]).toContain(result.score)
        expect(result.explanation.length).toBeGreaterThan(0)
        expect(result.explanation).not.toContain('\n')
      }
    }
  })

  it.each([
    ['exact-match', ['output', 'expected'], 'boolean'],
    ['contains', ['output', 'expected'], 'boolean'],
    ['contains-all', ['output'], 'boolean'],
    ['contains-any', ['output'], 'boolean'],
    ['regex', ['output'], 'boolean'],
    ['json-valid', ['output'], 'boolean'],
    ['json-schema', ['output'], 'boolean'],
    ['numeric-tolerance', ['output', 'expected'], 'boolean'],
    ['levenshtein', ['output', 'expected'], 'ratio'],
    ['token-f1', ['output', 'expected'], 'ratio'],
    ['bleu', ['output', 'expected'], 'ratio'],
    ['rouge-l', ['output', 'expected'], 'ratio'],
    ['length-bounds', ['output'], 'boolean'],
    ['numeric-bounds', ['value'], 'boolean'],
  ] as const)('%s reads %j on a %s scale', (id, variables, scale) => {
    expect(METRICS[id].variables).toEqual(variables)
    expect(METRICS[id].scale).toBe(scale)
  })

  it('exposes the parameter schema with its defaults', () => {
    expect(METRICS.bleu.params.parse({})).toEqual({
      maxOrder: 4,
      smoothing: 'none',
      epsilon: 0.1,
      tokenizer: 'whitespace',
      lowercase: false,
      references: 'single',
    })
    expect(METRICS['exact-match'].params.parse({})).toEqual({
      trim: true,
      ignoreCase: false,
      collapseWhitespace: false,
      stripPunctuation: false,
      unicodeNormalize: true,
    })
  })

  it.each([
    ['regex', { pattern: '(' }],
    ['regex', 'not an object'],
    ['bleu', []],
    ['json-schema', { schema: 42 }],
    ['exact-match', { trim: true, extra: 1 }],
  ])('%s refuses %j with invalid_input, naming the metric', (id, params) => {
    const made = createMetric(id, params)
    if (made.ok) throw new Error('accepted bad params')
    expect(made.error.code).toBe('invalid_input')
    expect(made.error.message.length).toBeGreaterThan(0)
  })

  it('treats missing params (undefined or null) as all defaults', () => {
    expect(METRICS.bleu.create().ok).toBe(true)
    expect(METRICS.bleu.create(null).ok).toBe(true)
  })

  it('names the metric and the parameter in the message', () => {
    const made = METRICS.bleu.create({ smoothing: 'method9' })
    if (made.ok) throw new Error('accepted bad params')
    expect(made.error.message).toMatch(/^invalid parameters for BLEU: smoothing: /)
  })

  it('refuses an unknown metric id', () => {
    expect(isMetricId('bleu')).toBe(true)
    expect(isMetricId('meteor')).toBe(false)
    const made = createMetric('meteor')
    if (made.ok) throw new Error('created an unknown metric')
    expect(made.error).toEqual({
      code: 'invalid_input',
      message: expect.stringMatching(/^unknown metric 'meteor'; known: exact-match, contains/),
    })
  })

  it('throws a coded error when a declared variable is missing (a mapping bug)', () => {
    const made = createMetric('exact-match')
    if (!made.ok) throw new Error(made.error.message)
    expect(() => made.value({ output: 'x' })).toThrow(/reads \{\{expected\}\}/)
  })
})
