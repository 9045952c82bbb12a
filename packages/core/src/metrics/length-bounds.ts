import { z } from 'zod'
import { ok, type Result } from '../result.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { describeRange, validateBounds } from './numeric-bounds.js'
import { codePointLength, whitespaceTokens } from './text.js'

export const LENGTH_UNITS = ['characters', 'words'] as const
export type LengthUnit = (typeof LENGTH_UNITS)[number]

/**
 * Passes when the output's length is within [min, max] (inclusive; give at least one).
 * Characters are Unicode code points (an emoji is 1, a ZWJ family emoji several); words are
 * runs of non-whitespace. `trim` (default on) ignores leading and trailing whitespace.
 */
export const LengthBoundsParamsSchema = z
  .strictObject({
    unit: z.enum(LENGTH_UNITS).default('characters'),
    min: z.number().int().min(0, 'min may not be negative').optional(),
    max: z.number().int().min(0, 'max may not be negative').optional(),
    trim: z.boolean().default(true),
  })
  .refine((p) => p.min !== undefined || p.max !== undefined, 'give min, max or both')
  .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, {
    message: 'min may not be greater than max',
    path: ['min'],
  })
export type LengthBoundsParams = z.output<typeof LengthBoundsParamsSchema>

export function measureLength(text: string, unit: LengthUnit, trim = true): number {
  const body = trim ? text.trim() : text
  return unit === 'words' ? whitespaceTokens(body).length : codePointLength(body)
}

export function lengthBounds(output: string, params: LengthBoundsParams): MetricResult {
  const length = measureLength(output, params.unit, params.trim)
  const unit = params.unit
  if (params.min !== undefined && length < params.min) {
    return checkResult(false, `${length} ${unit}, below the minimum of ${params.min}`)
  }
  if (params.max !== undefined && length > params.max) {
    return checkResult(false, `${length} ${unit}, above the maximum of ${params.max}`)
  }
  return checkResult(true, `${length} ${unit}, within ${describeRange(params.min, params.max)}`)
}

export function createLengthBoundsMetric(params: LengthBoundsParams): Result<MetricFn> {
  const valid = validateBounds(params.min, params.max)
  if (!valid.ok) return valid
  return ok((vars) => lengthBounds(readVar(vars, 'output'), params))
}
