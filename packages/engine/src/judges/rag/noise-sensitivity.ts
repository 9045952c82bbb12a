import { type NoiseSensitivityMode, noiseSensitivity } from './formulas.js'
import { describeSteps, type RagMetric, type StepUse } from './rag-metric.js'
import { firstEmpty, numbered, quoteList, RagSession } from './rag-session.js'
import { STATEMENTS_STEP, VERDICTS_STEP } from './rag-steps.js'
import { splitContexts } from './split-contexts.js'
import { parseStatements, parseVerdicts } from './step-parsers.js'

/**
 * Noise sensitivity (RAGAS, after RAGChecker): how often the response makes incorrect claims
 * that come from the retrieved contexts. Lower is better.
 * 1. The judge breaks the reference into statements, then the response.
 * 2. For every retrieved chunk, it checks the reference statements against the chunk, then the
 *    response statements against the chunk (a chunk is *relevant* when it supports at least one
 *    reference statement).
 * 3. It checks the response statements against the reference: those it does not support are
 *    *incorrect*.
 * 4. Default mode `relevant`: score = response statements that are incorrect and supported by
 *    a relevant chunk / response statements. Mode `irrelevant`: incorrect statements supported
 *    only by irrelevant chunks, over the same total. See `noiseSensitivity` in formulas.ts.
 *
 * Calls: 2 + 2 × chunks + 1 (plus at most one re-ask each), in the RAGAS order.
 *
 * Sources: RAGAS docs, "Noise Sensitivity" (docs.ragas.io/en/latest/concepts/metrics/
 * available_metrics/noise_sensitivity/); explodinggradients/ragas, src/ragas/metrics/collections/
 * noise_sensitivity/metric.py (`_compute_score`); Ru et al., "RAGChecker" (arXiv:2408.08067).
 *
 * Edge cases: an empty question, response or reference, or no chunk at all, is refused (RAGAS
 * raises; the metric attributes errors to retrieved chunks, so without any it measures nothing).
 * A response without statements has no score (RAGAS: mean of nothing, NaN) and neither has a
 * reference without statements (RAGAS fails reducing an empty matrix): both `invalid`.
 */
const VARIABLES = ['user_input', 'response', 'retrieved_contexts', 'ground_truth'] as const

const STEPS: StepUse[] = [
  {
    step: STATEMENTS_STEP,
    note: 'twice: on the reference, then on the response',
    display: { text: '{{ground_truth}} (first call), then {{response}} (second call)' },
  },
  {
    step: VERDICTS_STEP,
    note:
      'for each retrieved chunk: the reference statements, then the response statements; ' +
      'finally the response statements against the reference',
    display: {
      context: 'one chunk of {{retrieved_contexts}} at a time; in the last call, {{ground_truth}}',
      statements: '[the statements of the reference or of the response, from step 1, numbered]',
    },
  },
]

export type NoiseSensitivityOptions = { mode?: NoiseSensitivityMode }

export function noiseSensitivityMetric(options: NoiseSensitivityOptions = {}): RagMetric {
  const mode = options.mode ?? 'relevant'
  return {
    id: 'noise-sensitivity',
    variables: VARIABLES,
    steps: STEPS,
    prompt: describeSteps(STEPS),
    async run(ask, vars) {
      const session = new RagSession(ask)
      const empty = firstEmpty(vars, ['user_input', 'response', 'ground_truth'])
      if (empty) {
        return session.invalid(
          `{{${empty}}} is empty: noise sensitivity needs a question, a response and a reference`,
        )
      }
      const chunks = splitContexts(vars.retrieved_contexts ?? '')
      if (chunks.length === 0) {
        return session.invalid(
          'no retrieved contexts: noise sensitivity attributes errors to retrieved chunks and needs at least one',
        )
      }
      const question = vars.user_input ?? ''
      const reference = vars.ground_truth ?? ''
      const refStatements = await session.step(
        STATEMENTS_STEP,
        { user_input: question, text: reference },
        parseStatements,
        'statements of the reference',
      )
      if (!refStatements.ok) return session.finish(refStatements.outcome)
      if (refStatements.value.length === 0) {
        return session.invalid(
          'the reference makes no statement, so noise sensitivity is undefined',
        )
      }
      const resStatements = await session.step(
        STATEMENTS_STEP,
        { user_input: question, text: vars.response ?? '' },
        parseStatements,
        'statements of the response',
      )
      if (!resStatements.ok) return session.finish(resStatements.outcome)
      if (resStatements.value.length === 0) {
        return session.invalid('the response makes no statement, so noise sensitivity is undefined')
      }

      const verify = async (statements: string[], context: string, label: string) =>
        session.step(
          VERDICTS_STEP,
          { context, statements: numbered(statements) },
          (text) => parseVerdicts(text, statements.length),
          label,
        )
      const referenceByChunk: boolean[][] = refStatements.value.map(() => [])
      const responseByChunk: boolean[][] = resStatements.value.map(() => [])
      for (const [j, chunk] of chunks.entries()) {
        const where = `chunk ${j + 1} of ${chunks.length}`
        const ref = await verify(
          refStatements.value,
          chunk,
          `reference statements against ${where}`,
        )
        if (!ref.ok) return session.finish(ref.outcome)
        for (const [i, v] of ref.value.entries()) referenceByChunk[i]?.push(v.verdict)
        const res = await verify(resStatements.value, chunk, `response statements against ${where}`)
        if (!res.ok) return session.finish(res.outcome)
        for (const [k, v] of res.value.entries()) responseByChunk[k]?.push(v.verdict)
      }
      const byReference = await verify(
        resStatements.value,
        reference,
        'response statements against the reference',
      )
      if (!byReference.ok) return session.finish(byReference.outcome)

      const result = noiseSensitivity(
        {
          referenceByChunk,
          responseByChunk,
          responseByReference: byReference.value.map((v) => v.verdict),
          chunkCount: chunks.length,
        },
        mode,
      )
      if (result === null) {
        return session.invalid('the response makes no statement, so noise sensitivity is undefined')
      }
      const total = resStatements.value.length
      const incorrect = byReference.value.filter((v) => !v.verdict).length
      const flagged = result.flagged.map((k) => resStatements.value[k] ?? '')
      const source = mode === 'relevant' ? 'a relevant' : 'only irrelevant'
      const explanation =
        `${flagged.length} of ${total} statements of the response are incorrect (not supported ` +
        `by the reference) and supported by ${source} retrieved chunk${mode === 'relevant' ? '' : 's'}` +
        (flagged.length > 0 ? `: ${quoteList(flagged)}` : '') +
        `; ${incorrect} of ${total} are incorrect in all; ` +
        `${result.relevantChunks.length} of ${chunks.length} chunks are relevant`
      return session.scored(result.score, explanation)
    },
  }
}
