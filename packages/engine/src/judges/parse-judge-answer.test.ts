import type { Scale } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { parseJudgeAnswer } from './parse-judge-answer.js'

const FIVE: Scale = { kind: 'score', min: 1, max: 5 }
const TEN: Scale = { kind: 'score', min: 1, max: 10 }
const RATIO: Scale = { kind: 'score', min: 0, max: 1 }
const BOOL: Scale = { kind: 'boolean' }

type Accepted = [name: string, text: string, scale: Scale, score: number, explanation: string]

const accepted: Accepted[] = [
  [
    'plain JSON',
    '{"explanation": "Clear and well organised.", "score": 5}',
    FIVE,
    5,
    'Clear and well organised.',
  ],
  [
    'pretty-printed JSON',
    '{\n  "explanation": "Mostly coherent, one abrupt jump.",\n  "score": 4\n}',
    FIVE,
    4,
    'Mostly coherent, one abrupt jump.',
  ],
  [
    'json code fence',
    '```json\n{"explanation": "Adds a date not in the input.", "score": 3}\n```',
    FIVE,
    3,
    'Adds a date not in the input.',
  ],
  ['bare code fence', '```\n{"explanation": "Fine.", "score": 4}\n```', FIVE, 4, 'Fine.'],
  [
    'prose before',
    'Here is my evaluation:\n\n{"explanation": "Answers the question directly.", "score": 5}',
    FIVE,
    5,
    'Answers the question directly.',
  ],
  [
    'prose after',
    '{"explanation": "Several grammar errors.", "score": 2}\n\nLet me know if you need anything else!',
    FIVE,
    2,
    'Several grammar errors.',
  ],
  [
    'prose and fence around',
    'Sure! After reviewing the output:\n```json\n{"explanation": "Partly relevant.", "score": 3}\n```\nI hope this helps.',
    FIVE,
    3,
    'Partly relevant.',
  ],
  ['score as a string', '{"explanation": "Good.", "score": "4"}', FIVE, 4, 'Good.'],
  ['score "4/5"', '{"explanation": "Good.", "score": "4/5"}', FIVE, 4, 'Good.'],
  ['score "4 out of 5"', '{"explanation": "Good.", "score": "4 out of 5"}', FIVE, 4, 'Good.'],
  ['score 4.0 on a whole-number scale', '{"explanation": "Good.", "score": 4.0}', FIVE, 4, 'Good.'],
  [
    'keys in a different order and case',
    '{"Score": 2, "Explanation": "Mostly off topic."}',
    FIVE,
    2,
    'Mostly off topic.',
  ],
  [
    'reasoning instead of explanation',
    '{"reasoning": "Contradicts the ground truth.", "score": 1}',
    FIVE,
    1,
    'Contradicts the ground truth.',
  ],
  [
    'rationale instead of explanation',
    '{"rationale": "Covers every point.", "rating": 5}',
    FIVE,
    5,
    'Covers every point.',
  ],
  ['single quotes', "{'explanation': 'Clear structure.', 'score': 4}", FIVE, 4, 'Clear structure.'],
  ['trailing comma', '{"explanation": "Good flow.", "score": 4,}', FIVE, 4, 'Good flow.'],
  ['bare keys', '{explanation: "Slight repetition.", score: 4}', FIVE, 4, 'Slight repetition.'],
  [
    'raw newline inside the explanation',
    '{"explanation": "First point.\nSecond point.", "score": 3}',
    FIVE,
    3,
    'First point.\nSecond point.',
  ],
  [
    'wrapped one level deep',
    '{"result": {"explanation": "Relevant.", "score": 5}}',
    FIVE,
    5,
    'Relevant.',
  ],
  ['alone in an array', '[{"explanation": "Relevant.", "score": 4}]', FIVE, 4, 'Relevant.'],
  [
    'brackets in the prose before',
    'Looking at the output [see paragraph 2], I conclude:\n{"explanation": "Some filler.", "score": 3}',
    FIVE,
    3,
    'Some filler.',
  ],
  [
    'the last of two objects wins (model revised itself)',
    '{"explanation": "First pass.", "score": 2}\nOn reflection:\n{"explanation": "Revised.", "score": 3}',
    FIVE,
    3,
    'Revised.',
  ],
  [
    'braces inside the explanation string',
    '{"explanation": "Uses {placeholders} and [brackets] correctly.", "score": 5}',
    FIVE,
    5,
    'Uses {placeholders} and [brackets] correctly.',
  ],
  ['ten-point scale', '{"explanation": "Strong.", "score": 9}', TEN, 9, 'Strong.'],
  [
    'ratio scale takes decimals',
    '{"explanation": "Most supported.", "score": 0.75}',
    RATIO,
    0.75,
    'Most supported.',
  ],
  ['missing explanation reads as empty', '{"score": 3}', FIVE, 3, ''],
  [
    'boolean pass true',
    '{"explanation": "No bias found.", "pass": true}',
    BOOL,
    1,
    'No bias found.',
  ],
  [
    'boolean pass false',
    '{"explanation": "Stereotypes women.", "pass": false}',
    BOOL,
    0,
    'Stereotypes women.',
  ],
  ['boolean "yes"', '{"explanation": "Clean.", "pass": "yes"}', BOOL, 1, 'Clean.'],
  [
    'boolean "no"',
    '{"explanation": "Discusses weapons.", "pass": "No"}',
    BOOL,
    0,
    'Discusses weapons.',
  ],
  ['boolean 1', '{"explanation": "Clean.", "pass": 1}', BOOL, 1, 'Clean.'],
  ['boolean 0 as a string', '{"explanation": "Biased.", "pass": "0"}', BOOL, 0, 'Biased.'],
  ['boolean as a 0/1 score', '{"explanation": "Biased.", "score": 0}', BOOL, 0, 'Biased.'],
  ['boolean Python literal', "{'explanation': 'Clean.', 'pass': True}", BOOL, 1, 'Clean.'],
  ['boolean "verdict": "pass"', '{"reason": "Clean.", "verdict": "pass"}', BOOL, 1, 'Clean.'],
]

type Refused = [name: string, text: string, scale: Scale, message: RegExp]

const refused: Refused[] = [
  ['empty answer', '   ', FIVE, /empty/],
  ['prose only', 'Sure! The score is probably high.', FIVE, /no JSON object/],
  ['truncated inside the explanation', '{"explanation": "The answer is', FIVE, /cut off/],
  ['truncated after the score', '{"explanation": "Fine", "score": 4', FIVE, /cut off/],
  ['truncated fence', '```json\n{"explanation": "The output covers', FIVE, /cut off/],
  [
    'out of range high',
    '{"explanation": "Excellent.", "score": 7}',
    FIVE,
    /outside the scale: it must be 1 to 5/,
  ],
  ['out of range low', '{"explanation": "Awful.", "score": 0}', FIVE, /outside the scale/],
  [
    'ratio above 1',
    '{"explanation": "All.", "score": 1.2}',
    RATIO,
    /outside the scale: it must be 0 to 1/,
  ],
  ['half point on 1–5', '{"explanation": "Between.", "score": 3.5}', FIVE, /not a whole number/],
  ['score as words', '{"explanation": "Good.", "score": "four"}', FIVE, /"four" is not a number/],
  [
    'fraction on another scale',
    '{"explanation": "Good.", "score": "8/10"}',
    FIVE,
    /not on this scale/,
  ],
  ['null score', '{"explanation": "Unsure.", "score": null}', FIVE, /not a number/],
  ['no score field', '{"explanation": "The output is good."}', FIVE, /no "score" field/],
  ['boolean maybe', '{"explanation": "Hard to say.", "pass": "maybe"}', BOOL, /not true or false/],
  ['boolean without pass', '{"explanation": "Clean."}', BOOL, /no "pass" field/],
  ['boolean score 3', '{"explanation": "Hmm.", "score": 3}', BOOL, /not true or false/],
  ['NaN', '{"explanation": "x", "score": NaN}', FIVE, /null is not a number/],
]

describe('parseJudgeAnswer', () => {
  it('has a table of at least 25 real-world answers', () => {
    expect(accepted.length + refused.length).toBeGreaterThanOrEqual(25)
  })

  it.each(accepted)('accepts %s', (_name, text, scale, score, explanation) => {
    const parsed = parseJudgeAnswer(text, scale)
    expect(parsed).toEqual({
      ok: true,
      value:
        scale.kind === 'boolean'
          ? { score, pass: score === 1, explanation }
          : { score, explanation },
    })
  })

  it.each(refused)('refuses %s', (_name, text, scale, message) => {
    const parsed = parseJudgeAnswer(text, scale)
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.error.code).toBe('judge_unparseable')
    expect(parsed.error.raw).toBe(text)
    expect(parsed.error.message).toMatch(message)
  })

  it('reports the specific problem of a verdict-carrying object over a later unrelated one', () => {
    const parsed = parseJudgeAnswer('{"explanation": "x", "score": 9} and {"note": 1}', FIVE)
    expect(parsed.ok || parsed.error.message).toMatch(/outside the scale/)
  })

  it('snaps floating-point noise to the whole number', () => {
    const parsed = parseJudgeAnswer('{"explanation": "", "score": 3.0000001}', FIVE)
    expect(parsed.ok && parsed.value.score).toBe(3)
  })

  it('joins an explanation given as a list of strings', () => {
    const parsed = parseJudgeAnswer('{"explanation": ["a.", "b."], "score": 2}', FIVE)
    expect(parsed.ok && parsed.value.explanation).toBe('a. b.')
  })
})
