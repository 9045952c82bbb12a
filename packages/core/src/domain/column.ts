import { z } from 'zod'
import { IdSchema, InstantSchema } from './ids.js'

export const COLUMN_NAME_MAX = 200

/** Column names are `{{variable}}` targets, so they are unique per evaluation and brace-free. */
export const ColumnNameSchema = z
  .string()
  .min(1, 'a column needs a name')
  .max(COLUMN_NAME_MAX, `a column name has at most ${COLUMN_NAME_MAX} characters`)
  .refine((name) => name.trim() === name, 'a column name may not start or end with whitespace')
  .refine((name) => !/[{}]/.test(name), 'a column name may not contain { or }')
  .refine(
    (name) => !/[\u0000-\u001f\u007f]/.test(name),
    'a column name may not contain control characters',
  )

export const COLUMN_KINDS = ['data', 'generated', 'manual', 'evaluator', 'human'] as const
export type ColumnKind = (typeof COLUMN_KINDS)[number]

export const ThresholdSchema = z.object({ op: z.enum(['>', '<']), value: z.number().finite() })
export type Threshold = z.infer<typeof ThresholdSchema>

export const ModelParamsSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().max(1_000_000).optional(),
  topP: z.number().min(0).max(1).optional(),
})
export type ModelParams = z.infer<typeof ModelParamsSchema>

const HeaderSchema = z.object({ name: z.string().min(1), value: z.string() })

export const GeneratorConfigSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('prompt'),
    connectionId: IdSchema.nullable(),
    prompt: z.string().min(1),
    params: ModelParamsSchema.default({}),
  }),
  z.object({
    type: z.literal('api'),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']),
    url: z.string().min(1),
    headers: z.array(HeaderSchema).default([]),
    body: z.string().default(''),
    outputPath: z.string().min(1),
    /** RAG endpoint: a second JSON path whose value fills the contexts column. */
    contextsPath: z.string().min(1).optional(),
    contextsColumnId: IdSchema.optional(),
    timeoutMs: z.number().int().positive().max(600_000).default(60_000),
  }),
  /** The contexts half of a RAG endpoint: filled by the generator column `sourceColumnId`. */
  z.object({ type: z.literal('rag-contexts'), sourceColumnId: IdSchema }),
])
export type GeneratorConfig = z.infer<typeof GeneratorConfigSchema>

export const EvaluatorColumnConfigSchema = z.object({
  /** A system evaluator id (`coherence`, `metric:bleu`, …) or a custom evaluator's id. */
  evaluatorId: z.string().min(1),
  connectionId: IdSchema.nullable().default(null),
  params: ModelParamsSchema.default({}),
  /** `{{variable}}` → column id. */
  mapping: z.record(z.string(), IdSchema),
  threshold: ThresholdSchema.nullable(),
  /** Extra key/value parameters, e.g. banned topics, or a metric's options. */
  options: z.record(z.string(), z.unknown()).default({}),
  /** A label or human column to measure agreement against. */
  compareWithColumnId: IdSchema.nullable().default(null),
})
export type EvaluatorColumnConfig = z.infer<typeof EvaluatorColumnConfigSchema>

export const HUMAN_FEEDBACK_KINDS = ['thumbs', 'better_output', 'comment'] as const

export const ColumnConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('data') }),
  z.object({ kind: z.literal('manual'), valueType: z.enum(['text', 'number']).default('text') }),
  z.object({ kind: z.literal('human'), feedback: z.enum(HUMAN_FEEDBACK_KINDS) }),
  z.object({ kind: z.literal('generated'), generator: GeneratorConfigSchema }),
  z.object({ kind: z.literal('evaluator'), evaluator: EvaluatorColumnConfigSchema }),
])
export type ColumnConfig = z.infer<typeof ColumnConfigSchema>

export const ColumnSchema = z.object({
  id: IdSchema,
  evaluationId: IdSchema,
  name: ColumnNameSchema,
  /** Display order; data columns keep their file order. */
  position: z.number().int().nonnegative(),
  config: ColumnConfigSchema,
  createdAt: InstantSchema,
})
export type Column = z.infer<typeof ColumnSchema>
export type ColumnOf<K extends ColumnKind> = Column & { config: Extract<ColumnConfig, { kind: K }> }

export function isColumnKind<K extends ColumnKind>(column: Column, kind: K): column is ColumnOf<K> {
  return column.config.kind === kind
}
