import { z } from 'zod'
import { AssayError } from '../errors.js'
import { IdSchema, InstantSchema } from './ids.js'

export const EVALUATOR_KINDS = ['llm', 'metric', 'human'] as const
export const EVALUATOR_CATEGORIES = ['quality', 'safety', 'rag'] as const
export const EVALUATOR_SCOPES = ['system', 'custom', 'global'] as const

/** Score 1..max (or 0..1 for RAG metrics) or boolean 1/0. */
export const ScaleSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('score'), min: z.number().finite(), max: z.number().finite() })
    .refine((s) => s.max > s.min, 'the top of a scale must be above its bottom'),
  z.object({ kind: z.literal('boolean') }),
])
export type Scale = z.infer<typeof ScaleSchema>

export const POLARITIES = ['positive', 'negative'] as const

export const EvaluatorSchema = z.object({
  id: z.string().min(1).max(100),
  kind: z.enum(EVALUATOR_KINDS),
  category: z.enum(EVALUATOR_CATEGORIES),
  scope: z.enum(EVALUATOR_SCOPES),
  projectId: IdSchema.nullable(),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).default(''),
  /** LLM judges only; `{{variables}}` name what the mapping must supply. */
  prompt: z.string().max(50_000).nullable(),
  variables: z.array(z.string()),
  scale: ScaleSchema,
  /** Positive: higher is better (default threshold operator `>`); negative: `<`. */
  polarity: z.enum(POLARITIES),
  createdAt: InstantSchema.nullable(),
})
export type Evaluator = z.infer<typeof EvaluatorSchema>

/**
 * The scope rule storage relies on, the same for every adapter: a `custom` evaluator belongs to a
 * project, a `global` one to none (it outlives the project it was copied from), and `system`
 * evaluators are built in, never stored.
 */
export function checkStoredEvaluatorScope(evaluator: Pick<Evaluator, 'scope' | 'projectId'>): void {
  const refuse = (message: string, field: string) => {
    throw new AssayError('invalid_input', message, { position: { field } })
  }
  if (evaluator.scope === 'system')
    refuse('system evaluators are built in and cannot be stored', 'scope')
  if (evaluator.scope === 'custom' && evaluator.projectId === null) {
    refuse('a custom evaluator belongs to a project: projectId is required', 'projectId')
  }
  if (evaluator.scope === 'global' && evaluator.projectId !== null) {
    refuse('a global evaluator belongs to no project: projectId must be null', 'projectId')
  }
}
