import { z } from 'zod'

/**
 * Import limits. Every one is configurable (env `ASSAY_IMPORT_MAX_*`, CLI flags) and shown in
 * the docs; a file over any of them is refused before anything is written.
 */
export const ImportLimitsSchema = z.object({
  maxFileBytes: z
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  maxRows: z.number().int().positive().default(5_000_000),
  maxColumns: z.number().int().positive().default(500),
  /** Characters in one value. */
  maxCellChars: z.number().int().positive().default(1_000_000),
})
export type ImportLimits = z.infer<typeof ImportLimitsSchema>

export const DEFAULT_IMPORT_LIMITS: ImportLimits = ImportLimitsSchema.parse({})
