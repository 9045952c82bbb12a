import { supportedShare } from './formulas.js'
import { describeSteps, type RagMetric, type StepUse } from './rag-metric.js'
import { firstEmpty, numbered, quoteList, RagSession } from './rag-session.js'
import { STATEMENTS_STEP, VERDICTS_STEP } from './rag-steps.js'
import { formatContexts, splitContexts } from './split-contexts.js'
import { parseStatements, parseVerdicts } from './step-parsers.js'

/**
 * Faithfulness (RAGAS): how factually consistent the response is with the retrieved contexts.
 * 1. The judge breaks the response into self-contained statements (using the question).
 * 2. It checks every statement against all retrieved chunks together: 1 if it can be directly
 *    inferred from them, 0 if not.
 * 3. score = supported statements / statements.
 *
 * Sources: RAGAS docs, "Faithfulness" (docs.ragas.io/en/v0.3.3/concepts/metrics/
 * available_metrics/faithfulness/); explodinggradients/ragas, src/ragas/metrics/collections/
 * faithfulness/metric.py (StatementGeneratorPrompt, NLIStatementPrompt, `_compute_score`);
 * Es et al., "RAGAS: Automated Evaluation of Retrieval Augmented Generation" (arXiv:2309.15217).
 *
 * Edge cases: an empty question or response is refused (RAGAS raises). A response without
 * statements has no score (RAGAS returns NaN): `invalid`. With no retrieved chunk, nothing can be
 * inferred, so every statement is unsupported and the score is 0 without a verification call
 * (RAGAS raises instead; we score it so that "retrieved nothing, answered anyway" fails).
 */
const VARIABLES = ['user_input', 'response', 'retrieved_contexts'] as const

const STEPS: StepUse[] = [
  {
    step: STATEMENTS_STEP,
    note: 'once, on the response',
    display: { text: '{{response}}' },
  },
  {
    step: VERDICTS_STEP,
    note: 'once, with all retrieved chunks together',
    display: {
      context: '{{retrieved_contexts}} (every chunk, numbered [1], [2], …)',
      statements: '[the statements from step 1, numbered]',
    },
  },
]

export function faithfulnessMetric(): RagMetric {
  return {
    id: 'faithfulness',
    variables: VARIABLES,
    steps: STEPS,
    prompt: describeSteps(STEPS),
    async run(ask, vars) {
      const session = new RagSession(ask)
      const empty = firstEmpty(vars, ['user_input', 'response'])
      if (empty)
        return session.invalid(
          `{{${empty}}} is empty: faithfulness needs a question and a response`,
        )
      const chunks = splitContexts(vars.retrieved_contexts ?? '')
      const statements = await session.step(
        STATEMENTS_STEP,
        { user_input: vars.user_input ?? '', text: vars.response ?? '' },
        parseStatements,
        'statements of the response',
      )
      if (!statements.ok) return session.finish(statements.outcome)
      const list = statements.value
      if (list.length === 0) {
        return session.invalid(
          'the response makes no statement that can be checked, so faithfulness is undefined',
        )
      }
      if (chunks.length === 0) {
        return session.scored(
          0,
          `0 of ${list.length} statements of the response are supported: no contexts were retrieved`,
        )
      }
      const verdicts = await session.step(
        VERDICTS_STEP,
        { context: formatContexts(chunks), statements: numbered(list) },
        (text) => parseVerdicts(text, list.length),
        'verdicts on the statements of the response',
      )
      if (!verdicts.ok) return session.finish(verdicts.outcome)
      const supported = verdicts.value.map((v) => v.verdict)
      const score = supportedShare(supported) ?? 0
      const unsupported = list.filter((_, i) => !supported[i])
      const count = supported.filter(Boolean).length
      const explanation =
        `${count} of ${list.length} statements of the response are supported by the retrieved ` +
        `contexts${unsupported.length > 0 ? `; unsupported: ${quoteList(unsupported)}` : ''}`
      return session.scored(score, explanation)
    },
  }
}
