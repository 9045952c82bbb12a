import { z } from 'zod'
import { IdSchema, InstantSchema } from './ids.js'

export const CELL_STATUSES = ['pending', 'running', 'done', 'error', 'stopped', 'skipped'] as const
export const CellStatusSchema = z.enum(CELL_STATUSES)
export type CellStatus = z.infer<typeof CellStatusSchema>

export const CellErrorSchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  retryable: z.boolean().default(false),
})

/** One (run, row, column) outcome. Written once per run; the key makes a retried write harmless. */
export const CellResultSchema = z.object({
  runId: IdSchema,
  rowId: IdSchema,
  columnId: IdSchema,
  status: CellStatusSchema,
  /** A score or boolean 1/0 for evaluators, text for generators. */
  value: z.union([z.number(), z.string()]).nullable(),
  pass: z.boolean().nullable(),
  explanation: z.string().nullable(),
  raw: z.string().nullable(),
  tokensIn: z.number().int().nonnegative(),
  tokensOut: z.number().int().nonnegative(),
  cost: z.number().nonnegative().nullable(),
  latencyMs: z.number().int().nonnegative().nullable(),
  attempts: z.number().int().nonnegative(),
  error: CellErrorSchema.nullable(),
  model: z.string().nullable(),
  promptHash: z.string().nullable(),
  cached: z.boolean(),
  finishedAt: InstantSchema,
})
export type CellResult = z.infer<typeof CellResultSchema>

/** A value typed into a manual or human column, with who and when. */
export const CellValueSchema = z.object({
  rowId: IdSchema,
  columnId: IdSchema,
  value: z.string().nullable(),
  editedBy: IdSchema.nullable(),
  editedAt: InstantSchema,
})
export type CellValue = z.infer<typeof CellValueSchema>
