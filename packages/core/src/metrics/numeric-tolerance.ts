import { z } from 'zod'
import { ok, type Result } from '../result.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { parseNumber } from './numbers.js'
import { formatNumber } from './text.js'

/**
 * Passes when |output - expected| <= absoluteTolerance OR <= relativeTolerance * |expected|.
 * Both default to 0: plain numeric equality, so "1.0" equals "1" and "1e3" equals "1000".
 */
export const NumericToleranceParamsSchema = z.strictObject({
  absoluteTolerance: z.number().finite().min(0, 'a tolerance may not be negative').default(0),
  relativeTolerance: z.number().finite().min(0, 'a tolerance may not be negative').default(0),
})
export type NumericToleranceParams = z.output<typeof NumericToleranceParamsSchema>

export function numericTolerance(
  output: string,
  expected: string,
  params: NumericToleranceParams = { absoluteTolerance: 0, relativeTolerance: 0 },
): MetricResult {
  const got = parseNumber(output)
  if (!got.ok) return checkResult(false, `output is ${got.message}`)
  const want = parseNumber(expected)
  if (!want.ok) return checkResult(false, `expected is ${want.message}`)
  const diff = Math.abs(got.value - want.value)
  const relative = params.relativeTolerance * Math.abs(want.value)
  const shown = `|${formatNumber(got.value)} - ${formatNumber(want.value)}| = ${formatNumber(diff)}`
  if (diff === 0) return checkResult(true, `equal: ${formatNumber(got.value)}`)
  if (diff <= params.absoluteTolerance) {
    return checkResult(
      true,
      `${shown}, within absolute tolerance ${formatNumber(params.absoluteTolerance)}`,
    )
  }
  if (diff <= relative) {
    return checkResult(
      true,
      `${shown}, within relative tolerance ${formatNumber(params.relativeTolerance)} (${formatNumber(relative)})`,
    )
  }
  const allowed = Math.max(params.absoluteTolerance, relative)
  return checkResult(false, `${shown} exceeds the tolerance ${formatNumber(allowed)}`)
}

export function createNumericToleranceMetric(params: NumericToleranceParams): Result<MetricFn> {
  return ok((vars) => numericTolerance(readVar(vars, 'output'), readVar(vars, 'expected'), params))
}
