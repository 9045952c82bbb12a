import type { Threshold } from '../domain/column.js'
import type { Scale } from '../domain/evaluator.js'
import { invalid, ok, type Result } from '../result.js'

// The shapes live in the domain schemas (ThresholdSchema, ScaleSchema); re-exported here so the
// stats module reads on its own. Both are the same symbols, not copies.
export type { Threshold } from '../domain/column.js'
export type { Scale } from '../domain/evaluator.js'

/**
 * The pass/fail rule (SPEC §3). With a threshold, `>` passes when score > value and `<` passes
 * when score < value; equality fails (the reference product only ever says "above" / "below", so
 * the comparison is strict). Without a threshold the column is boolean: 1 passes, 0 fails.
 *
 * Returns `null` when no verdict is possible: a score that is not a finite number (NaN, ±∞), a
 * threshold whose value is not finite, or a boolean column holding something other than 0 or 1.
 * Such cells are neither pass nor fail.
 */
export function passes(score: number, threshold: Threshold | null | undefined): boolean | null {
  if (!Number.isFinite(score)) return null
  if (threshold == null) {
    if (score === 1) return true
    if (score === 0) return false
    return null
  }
  if (!Number.isFinite(threshold.value)) return null
  return threshold.op === '>' ? score > threshold.value : score < threshold.value
}

/** `> 2.5`, `< 3`: the canonical text form, which `parseThreshold` reads back. */
export function formatThreshold(threshold: Threshold): string {
  return `${threshold.op} ${threshold.value}`
}

const HINT = `write it like '> 2.5', '< 3', 'greater than 2.5' or 'less than 3'`
const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?`
const THRESHOLD_RE = new RegExp(String.raw`^(>|<|greater\s+than|less\s+than)\s*(${NUMBER})$`, 'i')
const NON_STRICT_RE = /^(>=|<=|=>|=<|==?|≥|≤|at\s+least|at\s+most|equals?)/i

/**
 * Reads a threshold typed by a person: `> 2.5`, `>2.5`, `< 3`, `greater than 2.5`,
 * `less than 3` (case and surrounding whitespace do not matter). Non-strict operators
 * (`>=`, `<=`, `=`) are refused with an explanation, since equality always fails.
 */
export function parseThreshold(text: string): Result<Threshold> {
  const trimmed = text.trim()
  if (trimmed === '') return invalid(`the threshold is empty: ${HINT}`)
  const shown = trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed
  if (NON_STRICT_RE.test(trimmed)) {
    return invalid(
      `"${shown}" is not a threshold: a score equal to the threshold fails, so only the strict ` +
        `'>' (greater than) and '<' (less than) are allowed`,
    )
  }
  const match = THRESHOLD_RE.exec(trimmed)
  if (!match) return invalid(`"${shown}" is not a threshold: ${HINT}`)
  const word = (match[1] ?? '').toLowerCase()
  const value = Number(match[2])
  if (!Number.isFinite(value)) return invalid(`the threshold value in "${shown}" is out of range`)
  const op = word === '>' || word.startsWith('greater') ? '>' : '<'
  // `- 0` would otherwise keep a negative zero and print as "0" while comparing equal anyway.
  return ok({ op, value: value === 0 ? 0 : value })
}

/**
 * Checks a threshold against the evaluator's scale. A boolean scale takes no threshold (1 passes,
 * 0 fails). On a score scale the value must be finite and inside [min, max], and the threshold
 * must be able both to pass and to fail some score: `> max` and `< min` can never pass; a value
 * below min with `>` (or above max with `<`) would pass everything.
 */
export function validateThreshold(threshold: Threshold, scale: Scale): Result<Threshold> {
  if (scale.kind === 'boolean') {
    return invalid('a boolean evaluator takes no threshold: 1 passes and 0 fails')
  }
  const { min, max } = scale
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    return invalid(`the scale ${min}..${max} is not valid: its top must be above its bottom`)
  }
  if (threshold.op !== '>' && threshold.op !== '<') {
    return invalid(`the threshold operator must be '>' or '<', not '${String(threshold.op)}'`)
  }
  const { op, value } = threshold
  if (!Number.isFinite(value)) return invalid('the threshold must be a finite number')
  const range = `the ${min} to ${max} scale`
  const shown = formatThreshold(threshold)
  if (op === '>') {
    if (value >= max) {
      return invalid(
        `no score can pass "${shown}" on ${range}: the highest score, ${max}, is not above ${value}`,
      )
    }
    if (value < min) {
      return invalid(
        `every score passes "${shown}" on ${range}: ${value} is below the lowest score, ${min}`,
      )
    }
  } else {
    if (value <= min) {
      return invalid(
        `no score can pass "${shown}" on ${range}: the lowest score, ${min}, is not below ${value}`,
      )
    }
    if (value > max) {
      return invalid(
        `every score passes "${shown}" on ${range}: ${value} is above the highest score, ${max}`,
      )
    }
  }
  return ok({ op, value })
}
