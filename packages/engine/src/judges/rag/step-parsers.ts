import { err, ok, type Result } from '@assay/core'
import { isRecord, pick, scanJson } from '../json-candidates.js'
import { readBoolean } from '../parse-judge-answer.js'

/**
 * Tolerant parsers for the answers of the RAG metric steps, built like `parseJudgeAnswer`: JSON
 * is found with `scanJson` (fences, prose around it, cheap repairs), keys match in any case,
 * an object wrapped one level deep or a bare array is accepted, the last usable value wins, and
 * a verdict is 1/0, true/false or yes/no. Each returns the reason of a refusal as `message`.
 */
export type StepParse<T> = Result<T, { message: string }>

export type Verdict = { verdict: boolean; reason: string }
export type Attribution = { statement: string; attributed: boolean; reason: string }

const REASON_KEYS = ['reason', 'reasoning', 'explanation', 'rationale'] as const
const STATEMENT_KEYS = ['statement', 'claim', 'text'] as const
const VERDICT_KEYS = ['verdict', 'supported', 'useful', 'attributed'] as const

/** `{"statements": ["…"]}` (or `claims`, or a bare array); an empty list is valid. */
export function parseStatements(text: string): StepParse<string[]> {
  return parseList(text, ['statements', 'claims'], 'statements', readStatementItem)
}

/** `{"entities": ["…"]}` (or a bare array); an empty list is valid. */
export function parseEntities(text: string): StepParse<string[]> {
  return parseList(text, ['entities'], 'entities', readStatementItem)
}

/** `{"verdicts": [{statement, reason, verdict}]}`, exactly one per statement, in order. */
export function parseVerdicts(text: string, expected: number): StepParse<Verdict[]> {
  const parsed = parseList(text, ['verdicts', 'statements', 'results'], 'verdicts', readVerdictItem)
  if (!parsed.ok) return parsed
  if (parsed.value.length !== expected) {
    return fail(
      `expected ${expected} verdict${expected === 1 ? '' : 's'}, one per statement in the ` +
        `order given, but the answer has ${parsed.value.length}`,
    )
  }
  return parsed
}

/** `{"reason": "…", "verdict": 1}` for one chunk. */
export function parseUsefulness(text: string): StepParse<Verdict> {
  const { values, truncated } = scanJson(text)
  let specific: string | undefined
  const records = values.flatMap(recordsOf)
  for (let i = records.length - 1; i >= 0; i--) {
    const read = readVerdictItem(records[i])
    if (read.ok) return read
    if (specific === undefined && pick(records[i] as Record<string, unknown>, VERDICT_KEYS)) {
      specific = read.error.message
    }
  }
  return fail(specific ?? missing(values.length > 0, truncated, '"verdict"'))
}

/** `{"classifications": [{statement, reason, attributed}]}`; an empty list is valid. */
export function parseAttributions(text: string): StepParse<Attribution[]> {
  return parseList(text, ['classifications', 'statements'], 'classifications', (item) => {
    if (!isRecord(item)) return fail('each classification must be an object')
    const statement = readStatementItem(item)
    if (!statement.ok) return statement
    const verdict = readVerdictItem(item)
    if (!verdict.ok) return verdict
    return ok({
      statement: statement.value,
      attributed: verdict.value.verdict,
      reason: verdict.value.reason,
    })
  })
}

function fail(message: string): { ok: false; error: { message: string } } {
  return err({ message })
}

function missing(sawJson: boolean, truncated: boolean, field: string): string {
  if (truncated) return 'the answer is cut off: a JSON object starts but never closes'
  return sawJson
    ? `the JSON in the answer has no ${field} field`
    : 'the answer contains no JSON object'
}

function recordsOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.filter(isRecord)
  if (!isRecord(value)) return []
  return [...Object.values(value).filter(isRecord), value]
}

/**
 * Finds the last list under one of `keys` (in an object, one level deep, or as a bare array)
 * whose every item `readItem` accepts. A list with a bad item is reported when nothing better
 * turns up.
 */
function parseList<T>(
  text: string,
  keys: readonly string[],
  field: string,
  readItem: (item: unknown, index: number) => StepParse<T>,
): StepParse<T[]> {
  const { values, truncated } = scanJson(text)
  const lists: unknown[][] = []
  for (const value of values) {
    if (Array.isArray(value)) lists.push(value)
    for (const record of recordsOf(value)) {
      const found = pick(record as Record<string, unknown>, keys)
      if (found && Array.isArray(found.value)) lists.push(found.value)
    }
  }
  let specific: string | undefined
  for (let i = lists.length - 1; i >= 0; i--) {
    const items: T[] = []
    let problem: string | undefined
    for (const [index, item] of (lists[i] as unknown[]).entries()) {
      const read = readItem(item, index)
      if (!read.ok) {
        problem = `item ${index + 1} of "${field}": ${read.error.message}`
        break
      }
      items.push(read.value)
    }
    if (problem === undefined) return ok(items)
    specific ??= problem
  }
  return fail(specific ?? missing(values.length > 0, truncated, `"${field}"`))
}

/** A string, or an object's `statement` / `claim` / `text` string; blank items are refused. */
function readStatementItem(item: unknown): StepParse<string> {
  let value: unknown = item
  if (isRecord(item)) value = pick(item, STATEMENT_KEYS)?.value
  if (typeof value === 'number') value = String(value)
  if (typeof value !== 'string') return fail('expected a text')
  const text = value.trim()
  return text === '' ? fail('the text is empty') : ok(text)
}

/** An object with a verdict (1/0, true/false, yes/no) and optional reason, or a bare verdict. */
function readVerdictItem(item: unknown): StepParse<Verdict> {
  if (!isRecord(item)) {
    const verdict = readBoolean(item)
    return verdict === null ? fail('expected a verdict of 1 or 0') : ok({ verdict, reason: '' })
  }
  const found = pick(item, VERDICT_KEYS)
  if (!found) return fail('no "verdict" field')
  const verdict = readBoolean(found.value)
  if (verdict === null) return fail(`"${found.key}" is ${JSON.stringify(found.value)}, not 1 or 0`)
  const reason = pick(item, REASON_KEYS)?.value
  return ok({ verdict, reason: typeof reason === 'string' ? reason.trim() : '' })
}
