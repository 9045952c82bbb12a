import { err, ok, type Result, type Scale } from '@assay/core'
import { isIntegerScale } from './answer-format.js'
import { isRecord, pick, scanJson } from './json-candidates.js'
import type { JudgeUnparseable } from './types.js'

/** A judge's verdict: `score` on the evaluator's scale (1/0 on a boolean one, with `pass`). */
export type JudgeVerdict = { score: number; pass?: boolean; explanation: string }

const SCORE_KEYS = ['score', 'rating'] as const
const PASS_KEYS = ['pass', 'passed', 'verdict'] as const
const EXPLANATION_KEYS = [
  'explanation',
  'reasoning',
  'rationale',
  'reason',
  'justification',
  'analysis',
] as const

/** Distance from a whole number still read as that number (floating-point noise: 4.0000001). */
const INTEGER_TOLERANCE = 1e-6

/**
 * Reads a judge's answer tolerantly, never throwing.
 *
 * Accepted: the bare JSON object; the object inside a ```json fence or surrounded by prose; the
 * object wrapped one level deep (`{"result": {…}}`) or alone in an array; almost-JSON that
 * `repairJson` fixes (single quotes, trailing commas, bare keys, Python literals, raw newlines in
 * strings); keys in any case; `rating` for `score`; `reasoning`, `rationale`, `reason`,
 * `justification` or `analysis` for `explanation` (a missing explanation reads as ''). When the
 * text holds several objects carrying a verdict, the **last** one wins: models that revise
 * themselves put the final answer last.
 *
 * Score scales: a number or a numeric string (`"4"`, `"4.0"`, `"4/5"`, `"4 out of 5"` when the
 * denominator is the scale's top). It must be finite and inside [min, max]. On whole-number
 * scales (see `isIntegerScale`) a value within 1e-6 of a whole number is snapped to it and any
 * other fraction (3.5 on 1–5) is refused: the format asked for a whole number, and the single
 * re-ask tells the model so; rounding would invent a judgement the model did not make.
 *
 * Boolean scales: `pass` (or `passed`, `verdict`, or a `score` of 0/1) as true/false, 1/0, or the
 * strings "true"/"false", "yes"/"no", "pass"/"fail", "passed"/"failed", "1"/"0".
 *
 * Refused (`judge_unparseable`, with the raw text): empty answers, answers without JSON, JSON
 * without the verdict field, values of the wrong type or outside the scale, and truncated JSON
 * such as `{"explanation": "The answer is`.
 */
export function parseJudgeAnswer(
  text: string,
  scale: Scale,
): Result<JudgeVerdict, JudgeUnparseable> {
  const fail = (message: string) =>
    err<JudgeUnparseable>({ code: 'judge_unparseable', message, raw: text })
  if (text.trim() === '') return fail('the answer is empty')
  const scan = scanJson(text)
  const candidates = scan.values.flatMap(recordsOf)
  let specific: string | undefined
  for (let i = candidates.length - 1; i >= 0; i--) {
    const read = readVerdict(candidates[i] as Record<string, unknown>, scale)
    if (read.kind === 'ok') return ok(read.verdict)
    if (read.kind === 'invalid' && specific === undefined) specific = read.message
  }
  if (specific !== undefined) return fail(specific)
  if (scan.truncated) {
    return fail('the answer is cut off: a JSON object starts but never closes')
  }
  const field = scale.kind === 'boolean' ? 'pass' : 'score'
  if (scan.values.length > 0) return fail(`the JSON in the answer has no "${field}" field`)
  return fail('the answer contains no JSON object')
}

/** The records a value offers, innermost first so that the outer one is tried first. */
function recordsOf(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isRecord)
  if (!isRecord(value)) return []
  return [...Object.values(value).filter(isRecord), value]
}

type Read =
  | { kind: 'ok'; verdict: JudgeVerdict }
  | { kind: 'invalid'; message: string }
  | { kind: 'missing' }

function readVerdict(record: Record<string, unknown>, scale: Scale): Read {
  const explanation = readExplanation(record)
  if (scale.kind === 'boolean') {
    const found = pick(record, PASS_KEYS) ?? pick(record, SCORE_KEYS)
    if (!found) return { kind: 'missing' }
    const pass = readBoolean(found.value)
    if (pass === null) {
      return {
        kind: 'invalid',
        message: `"${found.key}" is ${shown(found.value)}, not true or false`,
      }
    }
    return { kind: 'ok', verdict: { score: pass ? 1 : 0, pass, explanation } }
  }
  const found = pick(record, SCORE_KEYS)
  if (!found) return { kind: 'missing' }
  const number = readNumber(found.value, scale.max)
  if (number.kind === 'invalid') return number
  let score = number.value
  const range = `${scale.min} to ${scale.max}`
  if (isIntegerScale(scale)) {
    const nearest = Math.round(score)
    if (Math.abs(score - nearest) > INTEGER_TOLERANCE) {
      return {
        kind: 'invalid',
        message: `score ${score} is not a whole number: the scale takes whole numbers from ${range}`,
      }
    }
    score = nearest
  }
  if (score < scale.min || score > scale.max) {
    return { kind: 'invalid', message: `score ${score} is outside the scale: it must be ${range}` }
  }
  return { kind: 'ok', verdict: { score: score === 0 ? 0 : score, explanation } }
}

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?`
const NUMERIC_TEXT = new RegExp(
  String.raw`^\s*(${NUMBER})\s*(?:(?:\/|out\s+of)\s*(${NUMBER}))?\s*$`,
  'i',
)

function readNumber(
  value: unknown,
  top: number,
): { kind: 'ok'; value: number } | { kind: 'invalid'; message: string } {
  let number: number | undefined
  if (typeof value === 'number') number = value
  else if (typeof value === 'string') {
    const match = NUMERIC_TEXT.exec(value)
    if (match) {
      const denominator = match[2] === undefined ? undefined : Number(match[2])
      if (denominator !== undefined && denominator !== top) {
        return {
          kind: 'invalid',
          message: `score ${shown(value)} is not on this scale, whose top is ${top}`,
        }
      }
      number = Number(match[1])
    }
  }
  if (number === undefined)
    return { kind: 'invalid', message: `score ${shown(value)} is not a number` }
  if (!Number.isFinite(number)) {
    return { kind: 'invalid', message: `score ${shown(value)} is not a finite number` }
  }
  return { kind: 'ok', value: number }
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', 'pass', 'passed', '1'])
const FALSE_WORDS = new Set(['false', 'no', 'n', 'fail', 'failed', '0'])

/** true/false, 1/0 and their common spellings; null for anything else. */
export function readBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value
  if (value === 1 || value === 0) return value === 1
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase()
    if (TRUE_WORDS.has(word)) return true
    if (FALSE_WORDS.has(word)) return false
  }
  return null
}

function readExplanation(record: Record<string, unknown>): string {
  const found = pick(record, EXPLANATION_KEYS)
  if (!found || found.value === null || found.value === undefined) return ''
  const { value } = found
  if (typeof value === 'string') return value.trim()
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.join(' ').trim()
  }
  return JSON.stringify(value) ?? ''
}

/** A value as it appears in a message: strings quoted, long ones shortened. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value))
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}
