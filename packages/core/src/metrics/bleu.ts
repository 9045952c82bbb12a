import { z } from 'zod'
import { ok, type Result } from '../result.js'
import { type MetricFn, type MetricResult, readVar } from './metric-result.js'
import { ReferenceFormatSchema, splitReferences } from './references.js'
import { formatNumber, whitespaceTokens } from './text.js'

/**
 * Smoothing for zero n-gram matches (Chen & Cherry 2014, as NLTK's `SmoothingFunction`):
 * - `none`: plain BLEU (Papineni et al. 2002), exactly 0 as soon as one order has no match
 *   (NLTK warns and returns a vanishing value such as 1e-78 there);
 * - `method1`: a zero match count becomes `epsilon` (default 0.1) over the n-gram count;
 * - `method3`: NIST geometric smoothing, the k-th zero precision becomes 1 / (2^k · count).
 */
export const BLEU_SMOOTHINGS = ['none', 'method1', 'method3'] as const
export type BleuSmoothing = (typeof BLEU_SMOOTHINGS)[number]

/** `whitespace` splits on whitespace only; `13a` also splits punctuation like sacreBLEU's 13a. */
export const BLEU_TOKENIZERS = ['whitespace', '13a'] as const
export type BleuTokenizer = (typeof BLEU_TOKENIZERS)[number]

/**
 * Sentence BLEU with uniform weights up to `maxOrder`-grams (default 4), clipped n-gram
 * precision against all references, and the brevity penalty against the reference length
 * closest to the output (ties go to the shorter one). Defaults reproduce NLTK's
 * `sentence_bleu` on whitespace-split text: case-sensitive, no smoothing.
 */
export const BleuParamsSchema = z.strictObject({
  maxOrder: z.number().int().min(1).max(8).default(4),
  smoothing: z.enum(BLEU_SMOOTHINGS).default('none'),
  epsilon: z.number().positive().max(1).default(0.1),
  tokenizer: z.enum(BLEU_TOKENIZERS).default('whitespace'),
  lowercase: z.boolean().default(false),
  references: ReferenceFormatSchema,
})
export type BleuParams = z.output<typeof BleuParamsSchema>
export type BleuOptions = Pick<BleuParams, 'maxOrder' | 'smoothing' | 'epsilon'>

const DEFAULT_BLEU_OPTIONS: BleuOptions = { maxOrder: 4, smoothing: 'none', epsilon: 0.1 }

/**
 * The 13a tokeniser of mteval-v13a.pl as sacreBLEU implements it: unescape a few HTML
 * entities, split out ASCII punctuation and symbols except `'` and `-`, split `.` and `,`
 * unless between digits, and split `-` after a digit.
 */
export function tokenize13a(text: string): string[] {
  let line = text.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ')
  if (line.includes('&')) {
    line = line
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
  }
  line = ` ${line} `
    .replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ')
    .replace(/([^0-9])([.,])/g, '$1 $2 ')
    .replace(/([.,])([^0-9])/g, ' $1 $2')
    .replace(/([0-9])(-)/g, '$1 $2 ')
  return whitespaceTokens(line)
}

export function bleuTokens(text: string, tokenizer: BleuTokenizer, lowercase: boolean): string[] {
  const body = lowercase ? text.toLowerCase() : text
  return tokenizer === '13a' ? tokenize13a(body) : whitespaceTokens(body)
}

/** Tokens never contain whitespace, so a space-joined key is unambiguous. */
function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ')
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** Clipped matches and the output's n-gram count for one order. */
export type NgramPrecision = { matches: number; total: number }

/** Modified n-gram precision: each n-gram's count is clipped to its maximum in any reference. */
export function modifiedPrecision(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  n: number,
): NgramPrecision {
  const counts = ngramCounts(hypothesis, n)
  const maxRef = new Map<string, number>()
  for (const reference of references) {
    for (const [ngram, count] of ngramCounts(reference, n)) {
      if (counts.has(ngram)) maxRef.set(ngram, Math.max(maxRef.get(ngram) ?? 0, count))
    }
  }
  let matches = 0
  let total = 0
  for (const [ngram, count] of counts) {
    matches += Math.min(count, maxRef.get(ngram) ?? 0)
    total += count
  }
  return { matches, total }
}

/** The reference length closest to the output's; on a tie the shorter reference. */
export function closestReferenceLength(references: readonly (readonly string[])[], length: number) {
  let best = Number.POSITIVE_INFINITY
  for (const reference of references) {
    const r = reference.length
    const closer = Math.abs(r - length) < Math.abs(best - length)
    if (closer || (Math.abs(r - length) === Math.abs(best - length) && r < best)) best = r
  }
  return best
}

/** Papineni et al. 2002: 1 when the output is longer than r, else exp(1 - r / c); 0 when empty. */
export function brevityPenalty(referenceLength: number, outputLength: number): number {
  if (outputLength > referenceLength) return 1
  if (outputLength === 0) return 0
  return Math.exp(1 - referenceLength / outputLength)
}

export type BleuDetail = {
  score: number
  precisions: NgramPrecision[]
  brevityPenalty: number
  outputLength: number
  referenceLength: number
}

/** Sentence BLEU on already tokenised text, following NLTK's `sentence_bleu`. */
export function bleuDetail(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  options: BleuOptions = DEFAULT_BLEU_OPTIONS,
): BleuDetail {
  const precisions: NgramPrecision[] = []
  for (let n = 1; n <= options.maxOrder; n++) {
    precisions.push(modifiedPrecision(hypothesis, references, n))
  }
  const referenceLength = closestReferenceLength(references, hypothesis.length)
  const bp = brevityPenalty(referenceLength, hypothesis.length)
  const detail = {
    precisions,
    brevityPenalty: bp,
    outputLength: hypothesis.length,
    referenceLength,
  }
  // Without a single unigram match BLEU is 0 whatever the smoothing (as in NLTK).
  if (precisions[0]?.matches === 0 || bp === 0) return { score: 0, ...detail }
  let logSum = 0
  let zeros = 0
  for (const { matches, total } of precisions) {
    // NLTK keeps the denominator at least 1 when the output is shorter than n.
    const denominator = Math.max(1, total)
    let p = matches / denominator
    if (matches === 0) {
      if (options.smoothing === 'none') return { score: 0, ...detail }
      zeros++
      p =
        options.smoothing === 'method1'
          ? options.epsilon / denominator
          : 1 / (2 ** zeros * denominator)
    }
    logSum += Math.log(p) / options.maxOrder
  }
  return { score: bp * Math.exp(logSum), ...detail }
}

/** Sentence BLEU of `output` against one or more reference texts. */
export function bleu(
  output: string,
  references: readonly string[],
  params: Omit<BleuParams, 'references'> = {
    ...DEFAULT_BLEU_OPTIONS,
    tokenizer: 'whitespace',
    lowercase: false,
  },
): MetricResult {
  const hypothesis = bleuTokens(output, params.tokenizer, params.lowercase)
  if (hypothesis.length === 0) return { score: 0, explanation: 'BLEU 0: the output has no tokens' }
  const refs = references.map((r) => bleuTokens(r, params.tokenizer, params.lowercase))
  const detail = bleuDetail(hypothesis, refs, params)
  const shown = detail.precisions.map((p) => `${p.matches}/${p.total}`).join(', ')
  const bp = `brevity penalty ${formatNumber(detail.brevityPenalty)}`
  const firstZero = detail.precisions.findIndex((p) => p.matches === 0)
  if (detail.score === 0 && firstZero >= 0) {
    const hint = params.smoothing === 'none' && firstZero > 0 ? ' (no smoothing; try method1)' : ''
    return {
      score: 0,
      explanation: `BLEU 0: no matching ${firstZero + 1}-grams${hint}; precisions ${shown}`,
    }
  }
  return {
    score: detail.score,
    explanation: `BLEU ${formatNumber(detail.score)}: precisions ${shown}, ${bp}`,
  }
}

export function createBleuMetric(params: BleuParams): Result<MetricFn> {
  return ok((vars) => {
    const references = splitReferences(readVar(vars, 'expected'), params.references)
    if (!references.ok) return { score: 0, explanation: references.error.message }
    return bleu(readVar(vars, 'output'), references.value, params)
  })
}
