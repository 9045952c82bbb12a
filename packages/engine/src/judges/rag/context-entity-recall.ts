import { entityRecall } from './formulas.js'
import { describeSteps, type RagMetric, type StepUse } from './rag-metric.js'
import { firstEmpty, quoteList, RagSession } from './rag-session.js'
import { ENTITIES_STEP } from './rag-steps.js'
import { splitContexts } from './split-contexts.js'
import { parseEntities } from './step-parsers.js'

/**
 * Context entity recall (RAGAS): the share of the reference's entities that the retrieved
 * contexts contain.
 * 1. The judge extracts the distinct named entities of the reference (RE).
 * 2. It extracts those of the retrieved contexts, all chunks together (CE).
 * 3. score = |CE ∩ RE| / |RE|, entities compared after `normalizeEntity` (case, spacing and
 *    surrounding punctuation forgiven; RAGAS compares the strings exactly).
 *
 * Sources: RAGAS docs, "Context Entities Recall" (docs.ragas.io/en/latest/concepts/metrics/
 * available_metrics/context_entities_recall/); explodinggradients/ragas, src/ragas/metrics/
 * collections/context_entity_recall/metric.py (`_compute_recall_score`) and util.py
 * (ExtractEntitiesPrompt).
 *
 * Edge cases: an empty reference is refused. A reference without entities scores 0, as in
 * RAGAS (0 / (0 + 1e-8)), and then the contexts are not asked about. No retrieved chunk scores 0
 * after the first call: none of the reference's entities was retrieved.
 */
const VARIABLES = ['retrieved_contexts', 'ground_truth'] as const

const STEPS: StepUse[] = [
  {
    step: ENTITIES_STEP,
    note: 'twice: on the reference, then on all retrieved chunks together',
    display: { text: '{{ground_truth}} (first call), then {{retrieved_contexts}} (second call)' },
  },
]

export function contextEntityRecallMetric(): RagMetric {
  return {
    id: 'context-entity-recall',
    variables: VARIABLES,
    steps: STEPS,
    prompt: describeSteps(STEPS),
    async run(ask, vars) {
      const session = new RagSession(ask)
      if (firstEmpty(vars, ['ground_truth'])) {
        return session.invalid('{{ground_truth}} is empty: context entity recall needs a reference')
      }
      const reference = await session.step(
        ENTITIES_STEP,
        { text: vars.ground_truth ?? '' },
        parseEntities,
        'entities of the reference',
      )
      if (!reference.ok) return session.finish(reference.outcome)
      const referenceEntities = reference.value
      if (entityRecall(referenceEntities, []).missing.length === 0) {
        return session.scored(
          0,
          'the reference names no entities, so none can be recalled (RAGAS scores this 0)',
        )
      }
      const chunks = splitContexts(vars.retrieved_contexts ?? '')
      let contextEntities: string[] = []
      if (chunks.length > 0) {
        const contexts = await session.step(
          ENTITIES_STEP,
          { text: chunks.join('\n\n') },
          parseEntities,
          'entities of the retrieved contexts',
        )
        if (!contexts.ok) return session.finish(contexts.outcome)
        contextEntities = contexts.value
      }
      const recall = entityRecall(referenceEntities, contextEntities)
      const total = recall.found.length + recall.missing.length
      const explanation =
        (chunks.length === 0 ? 'no contexts were retrieved: ' : '') +
        `${recall.found.length} of ${total} entities of the reference appear in the retrieved contexts` +
        (recall.missing.length > 0 ? `; missing: ${quoteList(recall.missing, 5, 40)}` : '')
      return session.scored(recall.score, explanation)
    },
  }
}
