import { z } from 'zod'
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
