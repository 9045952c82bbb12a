import {
  EvaluatorSchema,
  extractVariables,
  METRIC_IDS,
  METRICS,
  type Scale,
  validateThreshold,
} from '@assay/core'
import { describe, expect, it } from 'vitest'
import { answerInstructions } from './answer-format.js'
import { createRagMetric } from './rag/create-rag-metric.js'
import {
  getSystemEvaluator,
  isSystemEvaluatorId,
  listSystemEvaluators,
  SYSTEM_EVALUATORS,
} from './system-evaluators.js'

const FIVE: Scale = { kind: 'score', min: 1, max: 5 }
const RATIO: Scale = { kind: 'score', min: 0, max: 1 }
const BOOL: Scale = { kind: 'boolean' }

// SPEC §3, one row per system evaluator: id, name, category, variables, scale, polarity, threshold.
const CATALOGUE: [string, string, string, string[], Scale, string, string | null][] = [
  ['groundedness', 'Groundedness', 'quality', ['input', 'output'], FIVE, 'positive', '> 2.5'],
  [
    'query-relevance',
    'Query Relevance',
    'quality',
    ['query', 'input', 'output'],
    FIVE,
    'positive',
    '> 2.5',
  ],
  [
    'ground-truth-relevance',
    'Ground Truth Relevance',
    'quality',
    ['input', 'output', 'ground_truth'],
    FIVE,
    'positive',
    '> 2.5',
  ],
  ['coherence', 'Coherence', 'quality', ['output'], FIVE, 'positive', '> 2.5'],
  ['fluency', 'Fluency', 'quality', ['output'], FIVE, 'positive', '> 2.5'],
  [
    'reference-similarity',
    'Reference Similarity',
    'quality',
    ['input', 'output', 'reference_output'],
    FIVE,
    'positive',
    '> 2.5',
  ],
  ['paraphrasing', 'Paraphrasing', 'quality', ['input', 'output'], FIVE, 'positive', '> 2.5'],
  ['completeness', 'Completeness', 'quality', ['input', 'output'], FIVE, 'positive', '> 2.5'],
  ['toxicity', 'Toxicity', 'safety', ['output'], FIVE, 'negative', '< 2.5'],
  ['bias-detection', 'Bias Detection', 'safety', ['output'], BOOL, 'positive', null],
  ['banned-topics', 'Banned Topics', 'safety', ['output'], BOOL, 'positive', null],
  [
    'context-precision',
    'Context Precision',
    'rag',
    ['user_input', 'response', 'retrieved_contexts'],
    RATIO,
    'positive',
    '> 0.5',
  ],
  [
    'context-recall',
    'Context Recall',
    'rag',
    ['user_input', 'retrieved_contexts', 'ground_truth'],
    RATIO,
    'positive',
    '> 0.5',
  ],
  [
    'context-entity-recall',
    'Context Entity Recall',
    'rag',
    ['retrieved_contexts', 'ground_truth'],
    RATIO,
    'positive',
    '> 0.5',
  ],
  [
    'noise-sensitivity',
    'Noise Sensitivity',
    'rag',
    ['user_input', 'response', 'retrieved_contexts', 'ground_truth'],
    RATIO,
    'negative',
    '< 0.5',
  ],
  [
    'faithfulness',
    'Faithfulness',
    'rag',
    ['user_input', 'response', 'retrieved_contexts'],
    RATIO,
    'positive',
    '> 0.5',
  ],
]

describe('SYSTEM_EVALUATORS', () => {
  it.each(
    CATALOGUE,
  )('%s is as SPEC §3 says', (id, name, category, variables, scale, polarity, threshold) => {
    const evaluator = getSystemEvaluator(id)
    expect(evaluator).toMatchObject({
      id,
      kind: 'llm',
      name,
      category,
      variables,
      scale,
      polarity,
      scope: 'system',
      projectId: null,
      createdAt: null,
    })
    const shown = evaluator?.defaultThreshold
      ? `${evaluator.defaultThreshold.op} ${evaluator.defaultThreshold.value}`
      : null
    expect(shown).toBe(threshold)
  })

  it('lists Quality, Safety, RAG, then one evaluator per deterministic metric, ids unique', () => {
    const ids = SYSTEM_EVALUATORS.map((e) => e.id)
    expect(ids.slice(0, CATALOGUE.length)).toEqual(CATALOGUE.map((row) => row[0]))
    expect(ids.slice(CATALOGUE.length)).toEqual(METRIC_IDS.map((id) => `metric:${id}`))
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('exposes every core metric as a metric:<id> evaluator with its scale', () => {
    for (const id of METRIC_IDS) {
      const evaluator = getSystemEvaluator(`metric:${id}`)
      const ratio = METRICS[id].scale === 'ratio'
      expect(evaluator).toMatchObject({
        kind: 'metric',
        name: METRICS[id].name,
        prompt: null,
        variables: [...METRICS[id].variables],
        scale: ratio ? RATIO : BOOL,
        polarity: 'positive',
        defaultThreshold: ratio ? { op: '>', value: 0.5 } : null,
        engine: { type: 'metric', metric: id },
      })
    }
  })

  it('is valid under the core Evaluator schema', () => {
    for (const evaluator of SYSTEM_EVALUATORS) {
      const parsed = EvaluatorSchema.safeParse(evaluator)
      expect(parsed.success, `${evaluator.id}: ${parsed.error?.message}`).toBe(true)
    }
  })

  it('has default thresholds that core accepts on each scale', () => {
    for (const evaluator of SYSTEM_EVALUATORS) {
      if (evaluator.scale.kind === 'boolean') expect(evaluator.defaultThreshold).toBeNull()
      else {
        const threshold = evaluator.defaultThreshold
        expect(threshold).not.toBeNull()
        if (threshold) expect(validateThreshold(threshold, evaluator.scale).ok).toBe(true)
        expect(threshold?.op).toBe(evaluator.polarity === 'positive' ? '>' : '<')
      }
    }
  })

  it('names in its prompt exactly its variables plus its in-prompt parameters', () => {
    for (const evaluator of SYSTEM_EVALUATORS) {
      if (evaluator.prompt === null) continue
      const used = extractVariables(evaluator.prompt)
      expect(used.ok).toBe(true)
      if (!used.ok) continue
      const parameters = evaluator.parameters.filter((p) => p.inPrompt).map((p) => p.name)
      expect(new Set(used.value), evaluator.id).toEqual(
        new Set([...evaluator.variables, ...parameters]),
      )
      for (const name of parameters) expect(evaluator.variables).not.toContain(name)
    }
  })

  it('keeps the answer format out of the judge prompts (Assay appends it)', () => {
    for (const evaluator of listSystemEvaluators({ kind: 'llm' })) {
      if (evaluator.engine.type !== 'judge' || evaluator.prompt === null) continue
      expect(evaluator.prompt, evaluator.id).not.toMatch(/json|"score"|"pass"|answer format/i)
      expect(evaluator.prompt).not.toContain(answerInstructions(evaluator.scale))
    }
  })

  it('describes every score level of the 1–5 judges and the pass rule of the boolean ones', () => {
    for (const evaluator of SYSTEM_EVALUATORS) {
      if (evaluator.engine.type !== 'judge' || evaluator.prompt === null) continue
      if (evaluator.scale.kind === 'boolean') {
        expect(evaluator.prompt).toMatch(/The output passes when/)
        expect(evaluator.prompt).toMatch(/It fails when/)
      } else {
        for (const level of [1, 2, 3, 4, 5])
          expect(evaluator.prompt).toMatch(new RegExp(`^${level} - \\S`, 'm'))
        expect(evaluator.prompt).toMatch(/^Ignore:?/m)
      }
      for (const variable of evaluator.variables) {
        expect(evaluator.prompt).toContain(`<${variable}>\n{{${variable}}}\n</${variable}>`)
      }
    }
  })

  it('shows each RAG metric its step prompts, read-only', () => {
    for (const evaluator of listSystemEvaluators({ category: 'rag' })) {
      expect(evaluator.engine).toEqual({ type: 'rag', metric: evaluator.id })
      const metric = createRagMetric(
        evaluator.engine.type === 'rag' ? evaluator.engine.metric : 'faithfulness',
      )
      expect(evaluator.prompt).toBe(metric.prompt)
      expect(evaluator.variables).toEqual([...metric.variables])
      expect(evaluator.prompt).toMatch(/^# Step 1: /)
    }
  })

  it('is frozen', () => {
    const evaluator = getSystemEvaluator('coherence')
    expect(Object.isFrozen(SYSTEM_EVALUATORS)).toBe(true)
    expect(Object.isFrozen(evaluator)).toBe(true)
    expect(Object.isFrozen(evaluator?.variables)).toBe(true)
    expect(Object.isFrozen(evaluator?.scale)).toBe(true)
  })
})

describe('lookups', () => {
  it('finds by id and filters by category or kind', () => {
    expect(getSystemEvaluator('toxicity')?.name).toBe('Toxicity')
    expect(getSystemEvaluator('nope')).toBeUndefined()
    expect(isSystemEvaluatorId('metric:bleu')).toBe(true)
    expect(isSystemEvaluatorId('bleu')).toBe(false)
    expect(listSystemEvaluators({ category: 'safety' }).map((e) => e.id)).toEqual([
      'toxicity',
      'bias-detection',
      'banned-topics',
    ])
    expect(listSystemEvaluators({ kind: 'metric' })).toHaveLength(METRIC_IDS.length)
    expect(listSystemEvaluators()).toHaveLength(SYSTEM_EVALUATORS.length)
  })
})
