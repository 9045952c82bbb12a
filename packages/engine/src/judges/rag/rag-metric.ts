import { renderTemplate } from '@assay/core'
import type { AskFn } from '../types.js'
import type { RagRun } from './rag-session.js'
import type { RagStep } from './rag-steps.js'

export const RAG_METRIC_IDS = [
  'faithfulness',
  'context-precision',
  'context-recall',
  'context-entity-recall',
  'noise-sensitivity',
] as const
export type RagMetricId = (typeof RAG_METRIC_IDS)[number]

export function isRagMetricId(id: string): id is RagMetricId {
  return (RAG_METRIC_IDS as readonly string[]).includes(id)
}

/** The RAG system evaluators have the ids of their metrics. */
export function isRagEvaluatorId(id: string): id is RagMetricId {
  return isRagMetricId(id)
}

/**
 * How a metric uses a step: `note` says when it runs (once, per chunk, twice…) and `display`
 * gives, for each input that is not a mapped column, what the read-only prompt shows in its
 * place (it may name columns as `{{variable}}`).
 */
export type StepUse = { step: RagStep; note: string; display: Readonly<Record<string, string>> }

/**
 * A RAGAS metric: the columns it reads, the model steps it chains (each with its own prompt and
 * JSON schema), the read-only prompt shown to users, and `run`, which drives the steps through
 * `ask` for one row and applies the formula. `run` never throws: failures, unreadable answers
 * and unusable inputs come back as its outcome.
 */
export type RagMetric = {
  id: RagMetricId
  /** The `{{variables}}` to map to columns (retrieved contexts arrive as one cell, see splitContexts). */
  variables: readonly string[]
  steps: readonly StepUse[]
  /** Every step's prompt with its answer format, as users see it; placeholders name columns. */
  prompt: string
  run(ask: AskFn, vars: Readonly<Record<string, string>>): Promise<RagRun>
}

/**
 * The read-only prompt of a metric: each step's title and when it runs, its template with the
 * mapped columns left as `{{variable}}` and derived inputs described, and its answer format.
 */
export function describeSteps(uses: readonly StepUse[]): string {
  return uses
    .map(({ step, note, display }, index) => {
      const values: Record<string, string> = {}
      for (const input of step.inputs) values[input] = display[input] ?? `{{${input}}}`
      const rendered = renderTemplate(step.template, values)
      const body = rendered.ok ? rendered.value : step.template
      return `# Step ${index + 1}: ${step.title}\n(${note})\n\n${body}\n\n${step.instructions}`
    })
    .join('\n\n')
}
