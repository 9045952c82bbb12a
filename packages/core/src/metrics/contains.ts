import { z } from 'zod'
import { ok, type Result } from '../result.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { foldCase, quote, quoteList } from './text.js'

/**
 * Substring checks. Both sides are NFC-normalised (canonically equal text always matches);
 * `ignoreCase` adds full case folding. `contains` looks for the row's `expected` value,
 * `contains-all` / `contains-any` for a fixed list of needles given as parameters.
 */
export const ContainsParamsSchema = z.strictObject({
  ignoreCase: z.boolean().default(false),
})
export type ContainsParams = z.output<typeof ContainsParamsSchema>

export const NeedlesParamsSchema = z.strictObject({
  needles: z
    .array(z.string().min(1, 'a needle may not be empty'))
    .min(1, 'give at least one needle')
    .max(1000, 'give at most 1000 needles'),
  ignoreCase: z.boolean().default(false),
})
export type NeedlesParams = z.output<typeof NeedlesParamsSchema>

function prepare(text: string, ignoreCase: boolean): string {
  const nfc = text.normalize('NFC')
  return ignoreCase ? foldCase(nfc) : nfc
}

function partition(output: string, needles: readonly string[], ignoreCase: boolean) {
  const haystack = prepare(output, ignoreCase)
  const found: string[] = []
  const missing: string[] = []
  for (const needle of needles) {
    if (haystack.includes(prepare(needle, ignoreCase))) found.push(needle)
    else missing.push(needle)
  }
  return { found, missing }
}

/** 1 when `output` contains `needle`. An empty needle scores 0: there is nothing to find. */
export function contains(output: string, needle: string, ignoreCase = false): MetricResult {
  if (needle.length === 0) return checkResult(false, 'expected is empty: nothing to look for')
  return partition(output, [needle], ignoreCase).found.length > 0
    ? checkResult(true, `found: ${quote(needle)}`)
    : checkResult(false, `missing: ${quote(needle)}`)
}

/** 1 when `output` contains every needle; the explanation names the missing ones. */
export function containsAll(
  output: string,
  needles: readonly string[],
  ignoreCase = false,
): MetricResult {
  const { missing } = partition(output, needles, ignoreCase)
  if (missing.length === 0) {
    return checkResult(true, `found all ${needles.length} of ${quoteList(needles)}`)
  }
  return checkResult(false, `missing: ${quoteList(missing)}`)
}

/** 1 when `output` contains at least one needle; the explanation names those found. */
export function containsAny(
  output: string,
  needles: readonly string[],
  ignoreCase = false,
): MetricResult {
  const { found } = partition(output, needles, ignoreCase)
  if (found.length > 0) return checkResult(true, `found: ${quoteList(found)}`)
  return checkResult(false, `none found of ${quoteList(needles)}`)
}

export function createContainsMetric(params: ContainsParams): Result<MetricFn> {
  return ok((vars) =>
    contains(readVar(vars, 'output'), readVar(vars, 'expected'), params.ignoreCase),
  )
}

export function createContainsAllMetric(params: NeedlesParams): Result<MetricFn> {
  return ok((vars) => containsAll(readVar(vars, 'output'), params.needles, params.ignoreCase))
}

export function createContainsAnyMetric(params: NeedlesParams): Result<MetricFn> {
  return ok((vars) => containsAny(readVar(vars, 'output'), params.needles, params.ignoreCase))
}
