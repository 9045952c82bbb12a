import { AssayError } from '@assay/core'
import { DEFAULT_DATABASE_URL } from '@assay/storage'
import { z } from 'zod'
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './dataset/limits.js'

const positiveInt = z.coerce.number().int().positive()

/** Every environment variable Assay reads, parsed once here; nothing else reads process.env. */
const EnvSchema = z.object({
  ASSAY_DATABASE_URL: z.string().min(1).default(DEFAULT_DATABASE_URL),
  /** 32 bytes, base64 or hex, for sealing API keys; without it a key file beside the database. */
  ASSAY_SECRET_KEY: z.string().optional(),
  ASSAY_SECRET_KEY_FILE: z.string().optional(),
  ASSAY_IMPORT_MAX_FILE_BYTES: positiveInt.default(DEFAULT_IMPORT_LIMITS.maxFileBytes),
  ASSAY_IMPORT_MAX_ROWS: positiveInt.default(DEFAULT_IMPORT_LIMITS.maxRows),
  ASSAY_IMPORT_MAX_COLUMNS: positiveInt.default(DEFAULT_IMPORT_LIMITS.maxColumns),
  ASSAY_IMPORT_MAX_CELL_CHARS: positiveInt.default(DEFAULT_IMPORT_LIMITS.maxCellChars),
  /** Per-attempt time limit of a model or API call. */
  ASSAY_REQUEST_TIMEOUT_MS: positiveInt.default(60_000),
  /** Attempts per call, the first included (retries on 429, 5xx, timeouts, resets). */
  ASSAY_MAX_ATTEMPTS: positiveInt.max(20).default(4),
  /** How often a running run records it is alive; a run silent for 3× this is taken over. */
  ASSAY_RUN_HEARTBEAT_MS: positiveInt.default(2_000),
})

export type AssayConfig = {
  databaseUrl: string
  secretKey: string | undefined
  secretKeyFile: string | undefined
  importLimits: ImportLimits
  engine: { requestTimeoutMs: number; maxAttempts: number; heartbeatMs: number }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AssayConfig {
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AssayError(
      'invalid_input',
      `environment variable ${String(issue?.path[0])}: ${issue?.message}`,
    )
  }
  const e = parsed.data
  return {
    databaseUrl: e.ASSAY_DATABASE_URL,
    secretKey: e.ASSAY_SECRET_KEY,
    secretKeyFile: e.ASSAY_SECRET_KEY_FILE,
    importLimits: {
      maxFileBytes: e.ASSAY_IMPORT_MAX_FILE_BYTES,
      maxRows: e.ASSAY_IMPORT_MAX_ROWS,
      maxColumns: e.ASSAY_IMPORT_MAX_COLUMNS,
      maxCellChars: e.ASSAY_IMPORT_MAX_CELL_CHARS,
    },
    engine: {
      requestTimeoutMs: e.ASSAY_REQUEST_TIMEOUT_MS,
      maxAttempts: e.ASSAY_MAX_ATTEMPTS,
      heartbeatMs: e.ASSAY_RUN_HEARTBEAT_MS,
    },
  }
}
