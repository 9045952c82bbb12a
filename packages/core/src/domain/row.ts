import { z } from 'zod'
import { IdSchema } from './ids.js'

/**
 * A dataset row. `values` holds the data columns' strings in column position order, exactly as
 * imported; generated, manual, human and evaluator values live in their own tables.
 */
export const RowSchema = z.object({
  id: IdSchema,
  evaluationId: IdSchema,
  /** 0-based order of the row in the evaluation (import order). */
  index: z.number().int().nonnegative(),
  values: z.array(z.string()),
})
export type Row = z.infer<typeof RowSchema>
