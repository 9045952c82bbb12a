import { z } from 'zod'
import { IdSchema, InstantSchema } from './ids.js'

export const EVALUATION_NAME_MAX = 100

export const EvaluationNameSchema = z
  .string()
  .trim()
  .min(1, 'an evaluation needs a name')
  .max(EVALUATION_NAME_MAX, `an evaluation name has at most ${EVALUATION_NAME_MAX} characters`)

export const EvaluationSchema = z.object({
  id: IdSchema,
  projectId: IdSchema,
  name: EvaluationNameSchema,
  createdAt: InstantSchema,
  createdBy: IdSchema.nullable(),
  /** SPEC §4: identical requests are answered from the cache unless switched off. */
  cacheEnabled: z.boolean(),
  rowCount: z.number().int().nonnegative(),
})
export type Evaluation = z.infer<typeof EvaluationSchema>
