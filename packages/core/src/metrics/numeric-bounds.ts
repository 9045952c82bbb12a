import { z } from 'zod'
import { invalid, ok, type Result } from '../result.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { parseNumber } from './numbers.js'
import { formatNumber } from './text.js'

/**
 * Bounds on a numeric cell, typically an imported latency or token count: passes when
 * min <= value <= max (both inclusive). Give at least one bound; min may not exceed max.
 */
export const NumericBoundsParamsSchema = z
  .strictObject({
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  })
  .refine((p) => p.min !== undefined || p.max !== undefined, 'give min, max or both')
  .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, {
    message: 'min may not be greater than max',
    path: ['min'],
  })
export type NumericBoundsParams = z.output<typeof NumericBoundsParamsSchema>

/** Re-checks what the schema checks, for callers that build params by hand. */
export function validateBounds(min: number | undefined, max: number | undefined): Result<true> {
  if (min === undefined && max === undefined) return invalid('give min, max or both')
  if (min !== undefined && max !== undefined && min > max) {
    return invalid(`min (${min}) may not be greater than max (${max})`)
  }
  return ok(true)
}

export function numericBounds(value: string, params: NumericBoundsParams): MetricResult {
  const parsed = parseNumber(value)
  if (!parsed.ok) return checkResult(false, `value is ${parsed.message}`)
  const n = parsed.value
  const shown = formatNumber(n)
  if (params.min !== undefined && n < params.min) {
    return checkResult(false, `${shown} is below the minimum ${formatNumber(params.min)}`)
  }
  if (params.max !== undefined && n > params.max) {
    return checkResult(false, `${shown} is above the maximum ${formatNumber(params.max)}`)
  }
  return checkResult(true, `${shown} is within ${describeRange(params.min, params.max)}`)
}

/** "[10, 20]", "[10, ∞)" or "(-∞, 20]". */
export function describeRange(min: number | undefined, max: number | undefined): string {
  const low = min === undefined ? '(-∞' : `[${formatNumber(min)}`
  const high = max === undefined ? '∞)' : `${formatNumber(max)}]`
  return `${low}, ${high}`
}

export function createNumericBoundsMetric(params: NumericBoundsParams): Result<MetricFn> {
  const valid = validateBounds(params.min, params.max)
  if (!valid.ok) return valid
  return ok((vars) => numericBounds(readVar(vars, 'value'), params))
}
