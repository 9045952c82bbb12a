import { z } from 'zod'
import { ok, type Result } from '../result.js'
import { type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { ReferenceFormatSchema, splitReferences } from './references.js'
import { formatNumber, quote } from './text.js'

/**
 * Tokenisers: `rouge-score` copies Google's rouge-score package (lowercase, every run of
 * characters outside a-z0-9 becomes a space), so accented and non-Latin letters are dropped;
 * `unicode` keeps letters and digits of every script. Porter stemming (rouge-score's
 * `use_stemmer`, off by default there too) is not implemented.
 */
export const ROUGE_TOKENIZERS = ['rouge-score', 'unicode'] as const
export type RougeTokenizer = (typeof ROUGE_TOKENIZERS)[number]

/**
 * Sentence-level ROUGE-L (Lin 2004, §3.1): R = LCS/|reference|, P = LCS/|output|,
 * F = (1 + β²)·R·P / (R + β²·P). β = 1 (default) is the F1 that rouge-score reports as
 * `rougeL` fmeasure. With several references the best F counts (rouge-score `score_multi`).
 */
export const RougeLParamsSchema = z.strictObject({
  beta: z.number().finite().positive().default(1),
  tokenizer: z.enum(ROUGE_TOKENIZERS).default('rouge-score'),
  references: ReferenceFormatSchema,
})
export type RougeLParams = z.output<typeof RougeLParamsSchema>

export function rougeTokens(text: string, tokenizer: RougeTokenizer = 'rouge-score'): string[] {
  const lowered = text.toLowerCase()
  const spaced =
    tokenizer === 'rouge-score'
      ? lowered.replace(/[^a-z0-9]+/g, ' ')
      : lowered.replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
  return spaced.split(' ').filter((token) => token.length > 0)
}

/** Length of the longest common subsequence, O(n·m) time and O(min(n, m)) memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a]
  const row = new Uint32Array(short.length + 1)
  for (const token of long) {
    let diagonal = 0
    for (let j = 1; j <= short.length; j++) {
      const above = row[j]!
      row[j] = short[j - 1] === token ? diagonal + 1 : Math.max(above, row[j - 1]!)
      diagonal = above
    }
  }
  return row[short.length]!
}

export type RougeLDetail = { precision: number; recall: number; fmeasure: number; lcs: number }

export function rougeLDetail(
  output: readonly string[],
  reference: readonly string[],
  beta = 1,
): RougeLDetail {
  if (output.length === 0 || reference.length === 0) {
    return { precision: 0, recall: 0, fmeasure: 0, lcs: 0 }
  }
  const lcs = lcsLength(output, reference)
  const precision = lcs / output.length
  const recall = lcs / reference.length
  if (lcs === 0) return { precision, recall, fmeasure: 0, lcs }
  const b2 = beta * beta
  const fmeasure = ((1 + b2) * recall * precision) / (recall + b2 * precision)
  return { precision, recall, fmeasure, lcs }
}

/** ROUGE-L F-measure of `output` against the best of `references`. */
export function rougeL(
  output: string,
  references: readonly string[],
  params: Omit<RougeLParams, 'references'> = { beta: 1, tokenizer: 'rouge-score' },
): MetricResult {
  const tokens = rougeTokens(output, params.tokenizer)
  if (tokens.length === 0) {
    return { score: 0, explanation: `ROUGE-L 0: the output has no word tokens: ${quote(output)}` }
  }
  let best: RougeLDetail | undefined
  let bestIndex = -1
  for (const [index, reference] of references.entries()) {
    const detail = rougeLDetail(tokens, rougeTokens(reference, params.tokenizer), params.beta)
    if (best === undefined || detail.fmeasure > best.fmeasure) {
      best = detail
      bestIndex = index
    }
  }
  if (best === undefined) return { score: 0, explanation: 'no reference to compare with' }
  const against =
    references.length > 1 ? ` (best of ${references.length} references: #${bestIndex + 1})` : ''
  return {
    score: best.fmeasure,
    explanation: `ROUGE-L ${formatNumber(best.fmeasure)}: LCS ${best.lcs}, precision ${formatNumber(best.precision)}, recall ${formatNumber(best.recall)}${against}`,
  }
}

export function createRougeLMetric(params: RougeLParams): Result<MetricFn> {
  return ok((vars) => {
    const references = splitReferences(readVar(vars, 'expected'), params.references)
    if (!references.ok) return { score: 0, explanation: references.error.message }
    return rougeL(readVar(vars, 'output'), references.value, params)
  })
}
