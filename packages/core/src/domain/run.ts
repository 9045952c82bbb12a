import { z } from 'zod'
import { IdSchema, InstantSchema } from './ids.js'

export const RUN_STATUSES = [
  'queued',
  'running',
  'stopping',
  'stopped',
  'completed',
  'failed',
] as const
export const RunStatusSchema = z.enum(RUN_STATUSES)
export type RunStatus = z.infer<typeof RunStatusSchema>

export const RUN_MODES = ['unfinished', 'column', 'failed', 'rows', 'all'] as const

export const RunScopeSchema = z.object({
  mode: z.enum(RUN_MODES),
  columnIds: z.array(IdSchema).nullable().default(null),
  rowIds: z.array(IdSchema).nullable().default(null),
})
export type RunScope = z.infer<typeof RunScopeSchema>

export const BudgetSchema = z.object({
  maxTokens: z.number().int().positive().nullable().default(null),
  maxCost: z.number().positive().nullable().default(null),
})

export const RunSchema = z.object({
  id: IdSchema,
  evaluationId: IdSchema,
  status: RunStatusSchema,
  scope: RunScopeSchema,
  startedBy: IdSchema.nullable(),
  createdAt: InstantSchema,
  /** Start of the segment now running; null when not running. */
  segmentStartedAt: InstantSchema.nullable(),
  /** Sum of the finished segments; a live view adds now - segmentStartedAt. */
  elapsedMs: z.number().int().nonnegative(),
  segments: z.number().int().nonnegative(),
  finishedAt: InstantSchema.nullable(),
  tokensIn: z.number().int().nonnegative(),
  tokensOut: z.number().int().nonnegative(),
  /** Null when some price is unknown: an unknown cost is never shown as 0. */
  cost: z.number().nonnegative().nullable(),
  budget: BudgetSchema.nullable(),
  /** Why the run stopped or failed: `user`, `budget`, an error message. */
  stopReason: z.string().nullable(),
})
export type Run = z.infer<typeof RunSchema>
