import { averagePrecision } from './formulas.js'
import { describeSteps, type RagMetric, type StepUse } from './rag-metric.js'
import { firstEmpty, RagSession } from './rag-session.js'
import { USEFULNESS_STEP } from './rag-steps.js'
import { splitContexts } from './split-contexts.js'
import { parseUsefulness } from './step-parsers.js'

/**
 * Context precision (RAGAS): whether the useful chunks are ranked at the top of the retrieved
 * contexts.
 * 1. For each retrieved chunk, in retrieval order, the judge decides whether it was useful in
 *    arriving at the response to the question (verdict v_k = 1) or not (0): one call per chunk.
 * 2. score = Σ_k (precision@k × v_k) / (number of useful chunks), precision@k = (v_1+…+v_k) / k.
 *
 * Assay's Context Precision reads the question, the response and the contexts (the variables
 * the reference product lists for it), so it is RAGAS's `LLMContextPrecisionWithoutReference`
 * (also `ContextUtilization`): each chunk is judged against the response. RAGAS's
 * `ContextPrecision` runs the same prompt and formula against a reference answer instead.
 *
 * Sources: RAGAS docs, "Context Precision" (docs.ragas.io/en/stable/concepts/metrics/
 * available_metrics/context_precision/); explodinggradients/ragas, src/ragas/metrics/
 * collections/context_precision/metric.py (`_calculate_average_precision`) and util.py
 * (ContextPrecisionPrompt).
 *
 * Edge cases: an empty question or response, or no chunk at all, is refused (RAGAS raises:
 * "retrieved_contexts cannot be empty"); no useful chunk scores 0.
 */
const VARIABLES = ['user_input', 'response', 'retrieved_contexts'] as const

const STEPS: StepUse[] = [
  {
    step: USEFULNESS_STEP,
    note: 'once per retrieved chunk, in retrieval order',
    display: { context: '[one chunk of {{retrieved_contexts}}]' },
  },
]

export function contextPrecisionMetric(): RagMetric {
  return {
    id: 'context-precision',
    variables: VARIABLES,
    steps: STEPS,
    prompt: describeSteps(STEPS),
    async run(ask, vars) {
      const session = new RagSession(ask)
      const empty = firstEmpty(vars, ['user_input', 'response'])
      if (empty) {
        return session.invalid(
          `{{${empty}}} is empty: context precision needs a question and a response`,
        )
      }
      const chunks = splitContexts(vars.retrieved_contexts ?? '')
      if (chunks.length === 0) {
        return session.invalid(
          'no retrieved contexts: context precision ranks the retrieved chunks and needs at least one',
        )
      }
      const verdicts: boolean[] = []
      for (const [index, chunk] of chunks.entries()) {
        const answer = await session.step(
          USEFULNESS_STEP,
          { user_input: vars.user_input ?? '', response: vars.response ?? '', context: chunk },
          parseUsefulness,
          `chunk ${index + 1} of ${chunks.length}`,
        )
        if (!answer.ok) return session.finish(answer.outcome)
        verdicts.push(answer.value.verdict)
      }
      const score = averagePrecision(verdicts) ?? 0
      const useful = verdicts.flatMap((v, i) => (v ? [i + 1] : []))
      const explanation =
        useful.length === 0
          ? `none of the ${chunks.length} retrieved chunks was useful`
          : `${useful.length} of ${chunks.length} retrieved chunks were useful ` +
            `(${useful.length === 1 ? 'chunk' : 'chunks'} ${useful.join(', ')}); ` +
            `average precision ${score.toFixed(2)}`
      return session.scored(score, explanation)
    },
  }
}
