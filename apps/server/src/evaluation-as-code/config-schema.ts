import {
  ColumnNameSchema,
  EvaluationNameSchema,
  ProjectNameSchema,
  ProviderKindSchema,
  STRUCTURED_OUTPUT_MODES,
} from '@assay/core'
import { z } from 'zod'

const ModelSettings = {
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  topP: z.number().min(0).max(1).optional(),
}

export const YamlConnectionSchema = z
  .object({
    provider: ProviderKindSchema,
    baseURL: z.url().optional(),
    apiKey: z.string().optional(),
    model: z.string().min(1),
    concurrency: z.number().int().min(1).max(1024).default(4),
    requestsPerMinute: z.number().int().positive().optional(),
    tokensPerMinute: z.number().int().positive().optional(),
    structuredOutput: z.enum(STRUCTURED_OUTPUT_MODES).optional(),
    prices: z
      .object({ input: z.number().nonnegative(), output: z.number().nonnegative() })
      .strict()
      .optional(),
    ...ModelSettings,
  })
  .strict()

const HeaderList = z.union([
  z.record(z.string(), z.string()),
  z.array(z.object({ name: z.string(), value: z.string() }).strict()),
])

export const YamlColumnSchema = z.discriminatedUnion('type', [
  z
    .object({
      name: ColumnNameSchema,
      type: z.literal('prompt'),
      connection: z.string().min(1),
      prompt: z.string().min(1),
      ...ModelSettings,
    })
    .strict(),
  z
    .object({
      name: ColumnNameSchema,
      type: z.literal('api'),
      method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']).optional(),
      url: z.string().min(1).optional(),
      curl: z.string().min(1).optional(),
      headers: HeaderList.optional(),
      body: z.string().optional(),
      outputPath: z.string().min(1),
      contextsPath: z.string().min(1).optional(),
      contextsColumn: ColumnNameSchema.optional(),
      timeoutMs: z.number().int().positive().max(600_000).optional(),
    })
    .strict()
    .refine((c) => (c.url === undefined) !== (c.curl === undefined), 'give either url or curl')
    .refine(
      (c) => (c.contextsPath === undefined) === (c.contextsColumn === undefined),
      'contextsPath and contextsColumn go together',
    ),
  z
    .object({
      name: ColumnNameSchema,
      type: z.literal('manual'),
      valueType: z.enum(['text', 'number']).optional(),
    })
    .strict(),
  z
    .object({
      name: ColumnNameSchema,
      type: z.literal('human'),
      feedback: z.enum(['thumbs', 'better_output', 'comment']),
    })
    .strict(),
])

export const YamlEvaluatorSchema = z
  .object({
    name: ColumnNameSchema,
    /** A system evaluator id (`coherence`), a metric id (`exact-match`), or `custom`. */
    use: z.string().min(1),
    connection: z.string().min(1).optional(),
    map: z.record(z.string(), z.string()).default({}),
    threshold: z.union([z.string(), z.number()]).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    compareWith: z.string().optional(),
    /** Custom LLM evaluators only. */
    prompt: z.string().min(1).optional(),
    output: z.enum(['score', 'boolean']).optional(),
    maxScore: z.number().int().min(2).max(100).optional(),
    category: z.enum(['quality', 'safety']).optional(),
    description: z.string().max(2000).optional(),
    ...ModelSettings,
  })
  .strict()

/** The evaluation-as-code file (`assay run evaluation.yaml`). */
export const EvaluationFileSchema = z
  .object({
    project: ProjectNameSchema,
    evaluation: EvaluationNameSchema,
    /** Imported on the first run, when the evaluation has no rows; relative to the YAML file. */
    dataset: z.string().min(1).optional(),
    format: z.enum(['csv', 'jsonl']).optional(),
    cache: z.boolean().default(true),
    connections: z.record(z.string().min(1), YamlConnectionSchema).default({}),
    columns: z.array(YamlColumnSchema).default([]),
    evaluators: z.array(YamlEvaluatorSchema).default([]),
    /** Minimum pass rate (0..1) per evaluator name. */
    gate: z.record(z.string(), z.number().min(0).max(1)).default({}),
    budget: z
      .object({
        tokens: z.number().int().positive().optional(),
        cost: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    run: z
      .object({
        mode: z.enum(['unfinished', 'failed', 'all']).default('unfinished'),
        timeoutMs: z.number().int().positive().max(600_000).optional(),
        maxAttempts: z.number().int().min(1).max(10).optional(),
      })
      .strict()
      .default({ mode: 'unfinished' }),
  })
  .strict()

export type EvaluationFile = z.infer<typeof EvaluationFileSchema>
export type YamlEvaluator = z.infer<typeof YamlEvaluatorSchema>
export type YamlColumn = z.infer<typeof YamlColumnSchema>
