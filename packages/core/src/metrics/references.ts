import { z } from 'zod'
import { invalid, ok, type Result } from '../result.js'

/**
 * How the `expected` cell holds the reference text(s) for BLEU, ROUGE-L and token F1:
 * - `single`: the whole cell is one reference (default);
 * - `lines`: one reference per non-blank line (CRLF or LF);
 * - `json-array`: a JSON array of strings, e.g. `["Paris", "the city of Paris"]`.
 */
export const REFERENCE_FORMATS = ['single', 'lines', 'json-array'] as const
export const ReferenceFormatSchema = z.enum(REFERENCE_FORMATS).default('single')
export type ReferenceFormat = z.output<typeof ReferenceFormatSchema>

/** Splits the `expected` cell into references; an unusable cell is an error for that row. */
export function splitReferences(expected: string, format: ReferenceFormat): Result<string[]> {
  if (format === 'single') return ok([expected])
  if (format === 'lines') {
    const lines = expected.split(/\r\n|\r|\n/).filter((line) => line.trim().length > 0)
    return lines.length > 0
      ? ok(lines)
      : invalid('expected has no non-blank line to use as a reference')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(expected)
  } catch {
    return invalid('expected is not a JSON array of reference strings')
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length === 0 ||
    !parsed.every((r) => typeof r === 'string')
  ) {
    return invalid('expected is not a non-empty JSON array of reference strings')
  }
  return ok(parsed as string[])
}
