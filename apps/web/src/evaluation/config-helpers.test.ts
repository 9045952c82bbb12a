import { describe, expect, it } from 'vitest'
import type { Column } from '../api/types'
import { guessMapping, parseCurl, thresholdProblem } from './config-helpers'

const column = (id: string, name: string): Column => ({
  id,
  evaluationId: 'e',
  name,
  position: 0,
  config: { kind: 'data' },
  createdAt: '2026-01-01T00:00:00.000Z',
})

describe('thresholdProblem', () => {
  const scale = { kind: 'score', min: 1, max: 5 } as const
  it('accepts a value inside the scale that can both pass and fail', () => {
    expect(thresholdProblem(scale, '>', 3)).toBeNull()
    expect(thresholdProblem(scale, '<', 2.5)).toBeNull()
  })
  it('refuses values outside the scale and thresholds nothing can pass', () => {
    expect(thresholdProblem(scale, '>', 7)).toMatch(/inside the scale 1–5/)
    expect(thresholdProblem(scale, '>', 0)).toMatch(/inside the scale/)
    expect(thresholdProblem(scale, '>', 5)).toMatch(/greater than 5/)
    expect(thresholdProblem(scale, '<', 1)).toMatch(/less than 1/)
    expect(thresholdProblem(scale, '>', Number.NaN)).toBe('Enter a number.')
  })
  it('has nothing to say about boolean evaluators', () => {
    expect(thresholdProblem({ kind: 'boolean' }, '>', 99)).toBeNull()
  })
})

describe('guessMapping', () => {
  it('maps each variable to a column of the same name or a usual synonym', () => {
    const columns = [
      column('c1', 'question'),
      column('c2', 'candidate_answer'),
      column('c3', 'best_answer'),
    ]
    expect(guessMapping(['input', 'output', 'ground_truth', 'other'], columns)).toEqual({
      input: 'c1',
      output: 'c2',
      ground_truth: 'c3',
    })
  })
  it('prefers the exact name', () => {
    const columns = [column('a', 'answer'), column('o', 'Output')]
    expect(guessMapping(['output'], columns)).toEqual({ output: 'o' })
  })
})

describe('parseCurl', () => {
  it('reads method, URL, headers and body, with quotes and line continuations', () => {
    const parsed = parseCurl(
      `curl -X POST 'https://api.example.com/answer' \\\n  -H "Content-Type: application/json" -H 'Authorization: Bearer x:y' \\\n  -d '{"q": "{{question}}"}'`,
    )
    expect(parsed).toEqual({
      method: 'POST',
      url: 'https://api.example.com/answer',
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'Authorization', value: 'Bearer x:y' },
      ],
      body: '{"q": "{{question}}"}',
    })
  })
  it('defaults to POST with a body and GET without', () => {
    expect(parseCurl('curl https://x.test -d a')?.method).toBe('POST')
    expect(parseCurl('curl https://x.test')?.method).toBe('GET')
  })
  it('refuses what is not a curl command', () => {
    expect(parseCurl('wget https://x.test')).toBeNull()
    expect(parseCurl('curl -X GET')).toBeNull()
  })
})
