import { describe, expect, it } from 'vitest'
import { METRICS } from './registry.js'
import { squadTokens, tokenF1, tokenF1Detail } from './token-f1.js'

const f1 = (prediction: string, truth: string) =>
  tokenF1Detail(squadTokens(prediction), squadTokens(truth)).f1

describe('SQuAD v1.1 normalize_answer', () => {
  // Official evaluate-v1.1.py: lower → remove string.punctuation → \b(a|an|the)\b → ' ' → split.
  it.each([
    ['The Cat sat.', ['cat', 'sat']],
    ['a cat sat on the mat', ['cat', 'sat', 'on', 'mat']],
    ['An apple, an ANSWER!', ['apple', 'answer']],
    ['theory another bandana', ['theory', 'another', 'bandana']],
    ["don't re-enter", ['dont', 'reenter']],
    ['the-cat', ['thecat']], // punctuation goes first, so "thecat" keeps its article
    ['  multiple \t\r\n spaces ', ['multiple', 'spaces']],
    ['«Paris» — “France”', ['«paris»', '—', '“france”']], // only ASCII punctuation is removed
    ['éthe théa the', ['éthe', 'théa']], // Python 3 \b is Unicode-aware
    ['the a an', []],
    ['', []],
    ['😀 the 😀', ['😀', '😀']],
  ])('%j → %j', (text, tokens) => {
    expect(squadTokens(text)).toEqual(tokens)
  })
})

// Expected values below were also checked by running the functions of the official SQuAD
// v1.1 evaluate script (normalize_answer, f1_score) on the same inputs.
describe('token F1 against the SQuAD v1.1 f1_score', () => {
  it.each([
    // pred [cat, sat] vs truth [cat, sat, on, mat]: P = 1, R = 1/2, F1 = 2/3.
    ['the cat sat', 'a cat sat on the mat', 2 / 3],
    ['a cat sat on the mat', 'the cat sat', 2 / 3],
    ['Denver Broncos', 'Denver Broncos', 1],
    ['the Denver Broncos.', 'Denver Broncos', 1],
    ['Broncos', 'Denver Broncos', 2 / 3],
    // Bags with multiplicity: "cat cat cat" vs "cat" share 1 token, P = 1/3, R = 1.
    ['cat cat cat', 'cat', 0.5],
    ['cat cat', 'cat cat dog', 0.8],
    ['dog', 'cat', 0],
    // 3 shared tokens of 3 and 11 ("levis stadium in san francisco bay area at santa clara
    // california"): 0.42857142857142855 from the official script's f1_score.
    [
      'Santa Clara, California',
      "Levi's Stadium in the San Francisco Bay Area at Santa Clara, California.",
      0.42857142857142855,
    ],
  ])('%j vs %j', (prediction, truth, expected) => {
    expect(f1(prediction, truth)).toBeCloseTo(expected, 15)
  })

  it.each([
    // Both sides without tokens: 1 (SQuAD v2.0 rule, documented deviation from v1.1's 0).
    ['', '', 1],
    ['the', 'a', 1],
    ['', 'cat', 0],
    ['cat', '', 0],
    ['!!!', 'cat', 0],
  ])('empty sides: %j vs %j → %f', (prediction, truth, expected) => {
    expect(f1(prediction, truth)).toBe(expected)
  })

  it('explains precision, recall and the shared tokens', () => {
    expect(tokenF1('the cat sat', ['a cat sat on the mat'])).toEqual({
      score: 2 / 3,
      explanation: 'F1 0.6667: precision 1, recall 0.5, 2 shared tokens',
    })
    expect(tokenF1('dog', ['cat'])).toEqual({ score: 0, explanation: 'no shared tokens' })
    expect(tokenF1('', ['cat'])).toEqual({
      score: 0,
      explanation: "output has no tokens after normalisation: ''",
    })
    expect(tokenF1('The.', ['a'])).toEqual({
      score: 1,
      explanation: 'both sides have no tokens after normalisation',
    })
  })

  it('takes the best of several references, like SQuAD over its ground truths', () => {
    expect(tokenF1('Broncos', ['Carolina Panthers', 'Denver Broncos', 'the Broncos'])).toEqual({
      score: 1,
      explanation: 'F1 1: precision 1, recall 1, 1 shared token (best of 3 references: #3)',
    })
  })

  it('is linear on long inputs', () => {
    const long = Array.from({ length: 50_000 }, (_, i) => `w${i % 1000}`).join(' ')
    expect(f1(long, long)).toBe(1)
  })
})

describe('token-f1 in the registry', () => {
  it('reads json-array references from expected', () => {
    const made = METRICS['token-f1'].create({ references: 'json-array' })
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value({ output: 'Denver', expected: '["Denver Broncos", "Denver"]' }).score).toBe(1)
    expect(made.value({ output: 'Denver', expected: '[1, 2]' })).toEqual({
      score: 0,
      explanation: 'expected is not a non-empty JSON array of reference strings',
    })
  })

  it('refuses unknown params', () => {
    const made = METRICS['token-f1'].create({ references: 'csv' })
    expect(made.ok).toBe(false)
  })
})
