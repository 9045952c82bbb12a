import { supportedShare } from './formulas.js'
import { describeSteps, type RagMetric, type StepUse } from './rag-metric.js'
import { firstEmpty, quoteList, RagSession } from './rag-session.js'
import { ATTRIBUTION_STEP } from './rag-steps.js'
import { formatContexts, splitContexts } from './split-contexts.js'
import { parseAttributions } from './step-parsers.js'

/**
 * Context recall (RAGAS `LLMContextRecall`): how much of what the reference answer says was
 * retrieved.
 * 1. In one call, as RAGAS does, the judge breaks the reference (ground truth) into statements
 *    and classifies each as attributable to the retrieved contexts (1) or not (0).
 * 2. score = attributed statements / statements of the reference.
 *
 * Sources: RAGAS docs, "Context Recall" (docs.ragas.io/en/v0.3.9/concepts/metrics/
 * available_metrics/context_recall/); explodinggradients/ragas, src/ragas/metrics/collections/
 * context_recall/metric.py and util.py (ContextRecallPrompt).
 *
 * Edge cases: an empty question or reference is refused (RAGAS raises). No classification at
 * all has no score (RAGAS returns NaN): `invalid`. No retrieved chunk scores 0 without a call:
 * nothing of the reference was retrieved (RAGAS raises instead).
 */
const VARIABLES = ['user_input', 'retrieved_contexts', 'ground_truth'] as const

const STEPS: StepUse[] = [
  {
    step: ATTRIBUTION_STEP,
    note: 'once, with all retrieved chunks together, numbered [1], [2], …',
    display: {},
  },
]

export function contextRecallMetric(): RagMetric {
  return {
    id: 'context-recall',
    variables: VARIABLES,
    steps: STEPS,
    prompt: describeSteps(STEPS),
    async run(ask, vars) {
      const session = new RagSession(ask)
      const empty = firstEmpty(vars, ['user_input', 'ground_truth'])
      if (empty) {
        return session.invalid(
          `{{${empty}}} is empty: context recall needs a question and a reference answer`,
        )
      }
      const chunks = splitContexts(vars.retrieved_contexts ?? '')
      if (chunks.length === 0) {
        return session.scored(
          0,
          'no contexts were retrieved, so nothing of the reference is recalled',
        )
      }
      const answer = await session.step(
        ATTRIBUTION_STEP,
        {
          user_input: vars.user_input ?? '',
          retrieved_contexts: formatContexts(chunks),
          ground_truth: vars.ground_truth ?? '',
        },
        parseAttributions,
        'attribution of the reference statements',
      )
      if (!answer.ok) return session.finish(answer.outcome)
      const list = answer.value
      const score = supportedShare(list.map((c) => c.attributed))
      if (score === null) {
        return session.invalid(
          'the reference yielded no statements to look for, so context recall is undefined',
        )
      }
      const missing = list.filter((c) => !c.attributed).map((c) => c.statement)
      const explanation =
        `${list.length - missing.length} of ${list.length} statements of the reference are ` +
        `attributable to the retrieved contexts` +
        (missing.length > 0 ? `; not found: ${quoteList(missing)}` : '')
      return session.scored(score, explanation)
    },
  }
}
