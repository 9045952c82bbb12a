import { AssayError, type ErrorCode, isAssayError } from '@assay/core'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** The one place error codes become HTTP statuses. */
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 409,
  limit_exceeded: 413,
  provider_failed: 502,
  storage_failed: 503,
  cancelled: 499 as ContentfulStatusCode,
  internal: 500,
}

export type ErrorBody = {
  error: {
    code: string
    message: string
    position?: { line?: number; column?: number; field?: string }
  }
}

/** What any thrown value becomes on the wire; unknown errors never leak their message. */
export function toHttpError(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (isAssayError(error)) {
    return { status: STATUS[error.code], body: { error: error.toInfo() } }
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal server error' } } }
}

export const notFound = (what: string) => new AssayError('not_found', `${what} does not exist`)
export const forbidden = (message = 'you do not have access to this') =>
  new AssayError('forbidden', message)
