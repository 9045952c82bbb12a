import { ok, type Result } from '../result.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'
import {
  DEFAULT_NORMALIZE_OPTIONS,
  describeNormalization,
  type NormalizeOptions,
  NormalizeOptionsSchema,
  normalizeText,
  quote,
} from './text.js'

/** Defaults: trim and NFC on; case, whitespace runs and punctuation significant. */
export const ExactMatchParamsSchema = NormalizeOptionsSchema
export type ExactMatchParams = NormalizeOptions

/** 1 when `output` equals `expected` after the chosen normalisations, else 0. */
export function exactMatch(
  output: string,
  expected: string,
  options: NormalizeOptions = DEFAULT_NORMALIZE_OPTIONS,
): MetricResult {
  const got = Array.from(normalizeText(output, options))
  const want = Array.from(normalizeText(expected, options))
  const how = describeNormalization(options)
  let i = 0
  while (i < got.length && i < want.length && got[i] === want[i]) i++
  if (i === got.length && i === want.length) return checkResult(true, `exact match after ${how}`)
  const where = `no match after ${how}: at character ${i + 1}`
  if (i === got.length) {
    return checkResult(
      false,
      `${where} the output ends, expected ${quote(want.slice(i).join(''), 20)}`,
    )
  }
  if (i === want.length) {
    return checkResult(
      false,
      `${where} expected ends, output has ${quote(got.slice(i).join(''), 20)}`,
    )
  }
  return checkResult(false, `${where} expected ${quote(want[i] ?? '')}, got ${quote(got[i] ?? '')}`)
}

export function createExactMatchMetric(params: ExactMatchParams): Result<MetricFn> {
  return ok((vars) => exactMatch(readVar(vars, 'output'), readVar(vars, 'expected'), params))
}
