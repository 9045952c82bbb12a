import { z } from 'zod'
import { invalid, ok, type Result } from '../result.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { quote } from './text.js'

/** Longer patterns are refused: they are rarely intended and harder to reason about. */
export const REGEX_PATTERN_MAX = 1000

/**
 * `pattern` is JavaScript regular-expression syntax. `flags` may combine i (ignore case),
 * m (multiline ^ $), s (dot matches newline) and u (Unicode); g and y are refused because
 * they make matching stateful. `negate: true` passes when the pattern does NOT match.
 */
export const RegexParamsSchema = z.strictObject({
  pattern: z
    .string()
    .min(1, 'the pattern may not be empty')
    .max(REGEX_PATTERN_MAX, `the pattern may have at most ${REGEX_PATTERN_MAX} characters`),
  flags: z
    .string()
    .regex(/^[imsu]*$/, 'flags may only combine i, m, s and u (g and y are not allowed)')
    .default(''),
  negate: z.boolean().default(false),
})
export type RegexParams = z.output<typeof RegexParamsSchema>

/** Compiles the pattern once; a syntax error is returned, never thrown. */
export function compileRegex(params: RegexParams): Result<RegExp> {
  if (params.pattern.length > REGEX_PATTERN_MAX) {
    return invalid(`the pattern may have at most ${REGEX_PATTERN_MAX} characters`)
  }
  if (!/^[imsu]*$/.test(params.flags)) {
    return invalid('flags may only combine i, m, s and u (g and y are not allowed)')
  }
  try {
    return ok(new RegExp(params.pattern, params.flags))
  } catch (error) {
    return invalid(`invalid regular expression: ${(error as Error).message}`)
  }
}

/** Scores one text against an already compiled (non-global) regular expression. */
export function regexMatch(text: string, regex: RegExp, negate = false): MetricResult {
  const match = regex.exec(text)
  const shown = `/${quote(regex.source, 40).slice(1, -1)}/${regex.flags}`
  if (match) {
    const what = `matches ${shown} at index ${match.index}: ${quote(match[0], 40)}`
    return checkResult(!negate, negate ? `${what} (a match fails)` : what)
  }
  return checkResult(
    negate,
    negate ? `no match for ${shown}, as required` : `no match for ${shown}`,
  )
}

export function createRegexMetric(params: RegexParams): Result<MetricFn> {
  const compiled = compileRegex(params)
  if (!compiled.ok) return compiled
  const regex = compiled.value
  return ok((vars) => regexMatch(readVar(vars, 'output'), regex, params.negate))
}
