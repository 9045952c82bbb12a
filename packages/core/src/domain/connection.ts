import { z } from 'zod'
import { ModelParamsSchema } from './column.js'
import { IdSchema, InstantSchema } from './ids.js'

export const PROVIDER_KINDS = ['openai', 'openai-compatible', 'anthropic', 'azure-openai'] as const
export const ProviderKindSchema = z.enum(PROVIDER_KINDS)
export type ProviderKind = z.infer<typeof ProviderKindSchema>

/** How a judge asks for a structured answer (DESIGN.md: the connection declares its mode). */
export const STRUCTURED_OUTPUT_MODES = ['json-schema', 'tool-call', 'json'] as const

export const ConnectionLimitsSchema = z.object({
  concurrency: z.number().int().min(1).max(1024).default(4),
  requestsPerMinute: z.number().int().positive().nullable().default(null),
  tokensPerMinute: z.number().int().positive().nullable().default(null),
})

/** Prices per one million tokens; null means unknown, which is never shown as 0. */
export const ConnectionPricesSchema = z.object({
  inputPerMillion: z.number().nonnegative().nullable().default(null),
  outputPerMillion: z.number().nonnegative().nullable().default(null),
})

const ConnectionFields = {
  name: z.string().trim().min(1).max(100),
  provider: ProviderKindSchema,
  baseUrl: z.url().nullable().default(null),
  model: z.string().trim().min(1).max(200),
  defaults: ModelParamsSchema.default({}),
  limits: ConnectionLimitsSchema.default({
    concurrency: 4,
    requestsPerMinute: null,
    tokensPerMinute: null,
  }),
  prices: ConnectionPricesSchema.default({ inputPerMillion: null, outputPerMillion: null }),
  structuredOutput: z.enum(STRUCTURED_OUTPUT_MODES).default('json'),
}

/** What callers write: the API key comes in clear and is sealed by the repository. */
export const ConnectionInputSchema = z.object({
  ...ConnectionFields,
  projectId: IdSchema.nullable().default(null),
  apiKey: z.string().max(4096).nullable().default(null),
})
export type ConnectionInput = z.input<typeof ConnectionInputSchema>

/** What callers read: never the key, only whether one is set. */
export const ConnectionSchema = z.object({
  ...ConnectionFields,
  id: IdSchema,
  projectId: IdSchema.nullable(),
  hasApiKey: z.boolean(),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
})
export type Connection = z.infer<typeof ConnectionSchema>
