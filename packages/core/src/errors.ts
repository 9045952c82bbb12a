/**
 * Every error Assay raises on purpose carries a code from this closed set. Edges (HTTP, CLI)
 * translate codes once: the server to a status, the CLI to an exit code. Core knows no HTTP.
 */
export const ERROR_CODES = [
  'invalid_input',
  'not_found',
  'conflict',
  'invalid_state',
  'unauthorized',
  'forbidden',
  'limit_exceeded',
  'provider_failed',
  'storage_failed',
  'cancelled',
  'internal',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** Where in an input a problem sits; line and column are 1-based. */
export type ErrorPosition = { line?: number; column?: number; field?: string }

export type ErrorInfo = { code: ErrorCode; message: string; position?: ErrorPosition }

export class AssayError extends Error {
  readonly code: ErrorCode
  readonly position: ErrorPosition | undefined
  readonly details: unknown

  constructor(
    code: ErrorCode,
    message: string,
    options: { position?: ErrorPosition; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AssayError'
    this.code = code
    this.position = options.position
    this.details = options.details
  }

  toInfo(): ErrorInfo {
    return this.position
      ? { code: this.code, message: this.message, position: this.position }
      : { code: this.code, message: this.message }
  }
}

export function isAssayError(value: unknown): value is AssayError {
  return value instanceof AssayError
}
