/**
 * The RAGAS scoring formulas, as pure functions over the verdicts the judge model gave.
 * Sources: the RAGAS documentation (docs.ragas.io, "Available metrics") and the implementation
 * in explodinggradients/ragas, `src/ragas/metrics/collections/<metric>/metric.py`.
 *
 * Where RAGAS adds an epsilon to a denominator only to avoid dividing by zero (1e-10 in context
 * precision, 1e-8 in context entity recall), we compute the exact ratio and handle the zero case
 * explicitly with the value RAGAS's epsilon yields (0); so a perfect ranking scores exactly 1,
 * not 0.9999999999.
 */

/**
 * Faithfulness and context recall: the share of statements the judge marked supported
 * (attributed). `null` when there are no statements: RAGAS returns NaN there.
 */
export function supportedShare(verdicts: readonly boolean[]): number | null {
  if (verdicts.length === 0) return null
  return verdicts.filter(Boolean).length / verdicts.length
}

/**
 * Context precision: average precision over the ranked chunks,
 *
 *   sum_k (precision@k × v_k) / (number of relevant chunks),  precision@k = (v_1 + … + v_k) / k
 *
 * with v_k = 1 when the chunk at rank k was judged useful. No useful chunk scores 0 (RAGAS:
 * 0 / 1e-10). `null` for an empty list, which RAGAS refuses ("retrieved_contexts cannot be
 * empty"). Example: [1, 0, 1] → (1/1 + 2/3) / 2 = 0.8333….
 */
export function averagePrecision(verdicts: readonly boolean[]): number | null {
  if (verdicts.length === 0) return null
  let relevant = 0
  let sum = 0
  verdicts.forEach((useful, index) => {
    if (!useful) return
    relevant++
    sum += relevant / (index + 1)
  })
  return relevant === 0 ? 0 : sum / relevant
}

/**
 * How entities are compared: Unicode-normalised (NFKC), lower-cased, inner whitespace collapsed,
 * surrounding punctuation and quotes removed. RAGAS compares the extracted strings exactly; this
 * only forgives differences of case and punctuation between the two extractions.
 */
export function normalizeEntity(entity: string): string {
  return entity
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/^[\s"'“”‘’.,;:!?()[\]{}]+|[\s"'“”‘’.,;:!?()[\]{}]+$/g, '')
}

export type EntityRecall = {
  score: number
  /** Distinct reference entities (first spelling kept), found and missing in the contexts. */
  found: string[]
  missing: string[]
}

/**
 * Context entity recall: |CE ∩ RE| / |RE|, with RE the distinct entities of the reference and
 * CE those of the retrieved contexts (compared with `normalizeEntity`). A reference without
 * entities scores 0, as in RAGAS (0 / (0 + 1e-8)).
 */
export function entityRecall(
  referenceEntities: readonly string[],
  contextEntities: readonly string[],
): EntityRecall {
  const inContexts = new Set(contextEntities.map(normalizeEntity))
  const seen = new Set<string>()
  const found: string[] = []
  const missing: string[] = []
  for (const entity of referenceEntities) {
    const key = normalizeEntity(entity)
    if (key === '' || seen.has(key)) continue
    seen.add(key)
    if (inContexts.has(key)) found.push(entity)
    else missing.push(entity)
  }
  const total = found.length + missing.length
  return { score: total === 0 ? 0 : found.length / total, found, missing }
}

export const NOISE_SENSITIVITY_MODES = ['relevant', 'irrelevant'] as const
export type NoiseSensitivityMode = (typeof NOISE_SENSITIVITY_MODES)[number]

export type NoiseVerdicts = {
  /** [reference statement][chunk]: the chunk supports the reference statement. */
  referenceByChunk: readonly (readonly boolean[])[]
  /** [response statement][chunk]: the chunk supports the response statement. */
  responseByChunk: readonly (readonly boolean[])[]
  /** [response statement]: the reference supports it (else the claim is incorrect). */
  responseByReference: readonly boolean[]
  chunkCount: number
}

export type NoiseSensitivity = {
  score: number
  /** Indexes of the response statements counted as noise-induced errors. */
  flagged: number[]
  /** Indexes of the chunks that support at least one reference statement. */
  relevantChunks: number[]
}

/**
 * Noise sensitivity (RAGAS, after RAGChecker). A chunk is *relevant* when it supports at least
 * one reference statement. A response statement is *incorrect* when the reference does not
 * support it.
 *
 * - `relevant` (RAGAS's default): the share of response statements that are incorrect and yet
 *   supported by some relevant chunk, i.e. errors the model picked up from relevant retrieval.
 * - `irrelevant`: the share of response statements that are incorrect, supported by some
 *   irrelevant chunk and by no relevant chunk.
 *
 * `null` when the response has no statements (RAGAS: the mean of an empty array, NaN).
 */
export function noiseSensitivity(
  verdicts: NoiseVerdicts,
  mode: NoiseSensitivityMode,
): NoiseSensitivity | null {
  const { referenceByChunk, responseByChunk, responseByReference, chunkCount } = verdicts
  if (responseByChunk.length === 0) return null
  const relevantChunk = Array.from({ length: chunkCount }, (_, j) =>
    referenceByChunk.some((row) => row[j] === true),
  )
  const flagged: number[] = []
  responseByChunk.forEach((row, k) => {
    const incorrect = responseByReference[k] !== true
    const fromRelevant = row.some((supported, j) => supported && relevantChunk[j] === true)
    const fromIrrelevant = row.some((supported, j) => supported && relevantChunk[j] !== true)
    const counted = mode === 'relevant' ? fromRelevant : fromIrrelevant && !fromRelevant
    if (incorrect && counted) flagged.push(k)
  })
  const relevantChunks = relevantChunk.flatMap((relevant, j) => (relevant ? [j] : []))
  return { score: flagged.length / responseByChunk.length, flagged, relevantChunks }
}
