import { ok, type Result } from '../result.js'
import { type MetricFn, type MetricResult, readVar } from './metric-result.js'
import {
  DEFAULT_NORMALIZE_OPTIONS,
  describeNormalization,
  formatNumber,
  type NormalizeOptions,
  NormalizeOptionsSchema,
  normalizeText,
} from './text.js'

/** Same normalisation options and defaults as exact match (trim and NFC on). */
export const LevenshteinParamsSchema = NormalizeOptionsSchema
export type LevenshteinParams = NormalizeOptions

function codePoints(text: string): number[] {
  return Array.from(text, (char) => char.codePointAt(0) ?? 0)
}

/**
 * Edit distance (insertions, deletions, substitutions, each cost 1) over Unicode code points.
 * O(n·m) time and O(min(n, m)) memory; a shared prefix and suffix are skipped first.
 */
export function levenshteinDistance(a: string, b: string): number {
  let long = codePoints(a)
  let short = codePoints(b)
  if (short.length > long.length) [long, short] = [short, long]
  let start = 0
  while (start < short.length && short[start] === long[start]) start++
  let endShort = short.length
  let endLong = long.length
  while (endShort > start && short[endShort - 1] === long[endLong - 1]) {
    endShort--
    endLong--
  }
  const n = endShort - start
  const m = endLong - start
  if (n === 0) return m
  // row[j] = distance between long[start, i) and short[start, start + j)
  const row = new Uint32Array(n + 1)
  for (let j = 0; j <= n; j++) row[j] = j
  for (let i = 1; i <= m; i++) {
    const c = long[start + i - 1]
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= n; j++) {
      const above = row[j]!
      const cost = short[start + j - 1] === c ? 0 : 1
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + cost)
      diagonal = above
    }
  }
  return row[n]!
}

/** 1 - distance / max(length): 1 for identical texts (two empty texts included), 0 for disjoint. */
export function levenshteinSimilarity(
  output: string,
  expected: string,
  options: NormalizeOptions = DEFAULT_NORMALIZE_OPTIONS,
): MetricResult {
  const a = normalizeText(output, options)
  const b = normalizeText(expected, options)
  const longest = Math.max(codePoints(a).length, codePoints(b).length)
  if (longest === 0) return { score: 1, explanation: 'both texts are empty' }
  const distance = levenshteinDistance(a, b)
  const score = 1 - distance / longest
  const edits = distance === 1 ? '1 edit' : `${distance} edits`
  return {
    score,
    explanation: `${edits} over ${longest} ${longest === 1 ? 'character' : 'characters'} (after ${describeNormalization(options)}): similarity ${formatNumber(score)}`,
  }
}

export function createLevenshteinMetric(params: LevenshteinParams): Result<MetricFn> {
  return ok((vars) =>
    levenshteinSimilarity(readVar(vars, 'output'), readVar(vars, 'expected'), params),
  )
}
