import { z } from 'zod'
import { ok, type Result } from '../result.js'
import { type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { ReferenceFormatSchema, splitReferences } from './references.js'
import { formatNumber, quote } from './text.js'

/**
 * Token F1 as in the official SQuAD v1.1 evaluation script: both texts are normalised
 * (lowercase, ASCII punctuation removed, the articles a/an/the removed, whitespace split),
 * then precision and recall are taken on the bags of tokens (with multiplicity). With several
 * references the best F1 counts, as SQuAD does over its ground truths.
 *
 * One deliberate difference: when both sides normalise to no tokens at all the score is 1
 * (the SQuAD v2.0 script's rule), where v1.1 would give 0; one empty side gives 0 in both.
 */
export const TokenF1ParamsSchema = z.strictObject({
  references: ReferenceFormatSchema,
})
export type TokenF1Params = z.output<typeof TokenF1ParamsSchema>

/** Python's `string.punctuation`, which the SQuAD script strips. */
const ASCII_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')
/** `\b(a|an|the)\b` with Python 3's Unicode word boundaries (JS `\b` is ASCII-only). */
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu

/** SQuAD's `normalize_answer` followed by `.split()`. */
export function squadTokens(text: string): string[] {
  const lowered = text.toLowerCase()
  let unpunctuated = ''
  for (const char of lowered) if (!ASCII_PUNCTUATION.has(char)) unpunctuated += char
  return unpunctuated
    .replace(ARTICLES, ' ')
    .split(/\s+/u)
    .filter((token) => token.length > 0)
}

export type TokenF1Detail = { f1: number; precision: number; recall: number; common: number }

/** F1 between two token bags. */
export function tokenF1Detail(
  prediction: readonly string[],
  truth: readonly string[],
): TokenF1Detail {
  if (prediction.length === 0 || truth.length === 0) {
    const same = prediction.length === truth.length ? 1 : 0
    return { f1: same, precision: same, recall: same, common: 0 }
  }
  const counts = new Map<string, number>()
  for (const token of truth) counts.set(token, (counts.get(token) ?? 0) + 1)
  let common = 0
  for (const token of prediction) {
    const left = counts.get(token) ?? 0
    if (left > 0) {
      common++
      counts.set(token, left - 1)
    }
  }
  if (common === 0) return { f1: 0, precision: 0, recall: 0, common: 0 }
  const precision = common / prediction.length
  const recall = common / truth.length
  return { f1: (2 * precision * recall) / (precision + recall), precision, recall, common }
}

/** Token F1 of `output` against the best of `references`. */
export function tokenF1(output: string, references: readonly string[]): MetricResult {
  const prediction = squadTokens(output)
  let best: TokenF1Detail = { f1: -1, precision: 0, recall: 0, common: 0 }
  let bestIndex = -1
  for (const [index, reference] of references.entries()) {
    const detail = tokenF1Detail(prediction, squadTokens(reference))
    if (detail.f1 > best.f1) {
      best = detail
      bestIndex = index
    }
  }
  if (bestIndex < 0) return { score: 0, explanation: 'no reference to compare with' }
  const against =
    references.length > 1 ? ` (best of ${references.length} references: #${bestIndex + 1})` : ''
  if (best.common === 0) {
    if (best.f1 === 1)
      return { score: 1, explanation: 'both sides have no tokens after normalisation' }
    if (prediction.length === 0) {
      return { score: 0, explanation: `output has no tokens after normalisation: ${quote(output)}` }
    }
    return { score: 0, explanation: `no shared tokens${against}` }
  }
  const shared = best.common === 1 ? '1 shared token' : `${best.common} shared tokens`
  return {
    score: best.f1,
    explanation: `F1 ${formatNumber(best.f1)}: precision ${formatNumber(best.precision)}, recall ${formatNumber(best.recall)}, ${shared}${against}`,
  }
}

export function createTokenF1Metric(params: TokenF1Params): Result<MetricFn> {
  return ok((vars) => {
    const references = splitReferences(readVar(vars, 'expected'), params.references)
    if (!references.ok) return { score: 0, explanation: references.error.message }
    return tokenF1(readVar(vars, 'output'), references.value)
  })
}
