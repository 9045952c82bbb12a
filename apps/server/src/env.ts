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
  /** `assay start`: where the server listens. */
  PORT: z.coerce.number().int().min(0).max(65_535).default(4100),
  ASSAY_HOST: z.string().min(1).default('127.0.0.1'),
  /** The address people open, for the printed sign-in link; defaults to http://HOST:PORT. */
  ASSAY_PUBLIC_URL: z.url().optional(),
  /** Create the first admin non-interactively (both or neither). */
  ASSAY_ADMIN_EMAIL: z.string().optional(),
  ASSAY_ADMIN_PASSWORD: z.string().optional(),
  /** `0` skips the first-start sample project. */
  ASSAY_SAMPLE_PROJECT: z.enum(['0', '1']).default('1'),
  /** `1` marks cookies Secure (when served behind HTTPS). */
  ASSAY_SECURE_COOKIES: z.enum(['0', '1']).default('0'),
  /**
   * Reverse proxies in front of Assay (`1`/`true` for one, or their number): sign-in throttling
   * then takes the client address from X-Forwarded-For; unset, the socket address.
   */
  ASSAY_TRUST_PROXY: z
    .string()
    .regex(/^(true|\d{1,2})$/, 'expected `true` or the number of proxies (0–99)')
    .optional(),
  /** Largest OTLP trace body in bytes. */
  ASSAY_TRACES_MAX_BYTES: positiveInt.default(4 * 1024 * 1024),
  /** Model connections created on start when set. */
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  /** Where a local Ollama is looked for on start; `off` disables the probe. */
  ASSAY_OLLAMA_URL: z.string().default('http://127.0.0.1:11434'),
})

export type AssayConfig = {
  databaseUrl: string
  secretKey: string | undefined
  secretKeyFile: string | undefined
  importLimits: ImportLimits
  engine: { requestTimeoutMs: number; maxAttempts: number; heartbeatMs: number }
  server: ServerConfig
}

export type ServerConfig = {
  port: number
  host: string
  publicUrl: string | undefined
  admin: { email: string; password: string } | undefined
  sampleProject: boolean
  secureCookies: boolean
  /** Proxies trusted in X-Forwarded-For (0: the socket address is the client). */
  trustProxy: number
  maxTraceBytes: number
  openai: { apiKey: string; baseUrl: string | undefined } | undefined
  anthropicApiKey: string | undefined
  ollamaUrl: string | undefined
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
    server: {
      port: e.PORT,
      host: e.ASSAY_HOST,
      publicUrl: e.ASSAY_PUBLIC_URL,
      admin: adminOf(e.ASSAY_ADMIN_EMAIL, e.ASSAY_ADMIN_PASSWORD),
      sampleProject: e.ASSAY_SAMPLE_PROJECT === '1',
      secureCookies: e.ASSAY_SECURE_COOKIES === '1',
      trustProxy:
        e.ASSAY_TRUST_PROXY === undefined
          ? 0
          : e.ASSAY_TRUST_PROXY === 'true'
            ? 1
            : Number(e.ASSAY_TRUST_PROXY),
      maxTraceBytes: e.ASSAY_TRACES_MAX_BYTES,
      openai: e.OPENAI_API_KEY
        ? { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL }
        : undefined,
      anthropicApiKey: e.ANTHROPIC_API_KEY || undefined,
      ollamaUrl: e.ASSAY_OLLAMA_URL === 'off' ? undefined : e.ASSAY_OLLAMA_URL,
    },
  }
}

function adminOf(email: string | undefined, password: string | undefined): ServerConfig['admin'] {
  if (!email && !password) return undefined
  if (!email || !password) {
    throw new AssayError(
      'invalid_input',
      'environment variables ASSAY_ADMIN_EMAIL and ASSAY_ADMIN_PASSWORD go together: set both or neither',
    )
  }
  if (password.length < 8) {
    throw new AssayError(
      'invalid_input',
      'environment variable ASSAY_ADMIN_PASSWORD: at least 8 characters',
    )
  }
  return { email, password }
}
