import type { ErrorInfo } from './errors.js'

/** Expected branches return a Result instead of throwing (parsing, transitions, config). */
export type Result<T, E = ErrorInfo> = { ok: true; value: T } | { ok: false; error: E }

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value }
}

export function err<E = ErrorInfo>(error: E): { ok: false; error: E } {
  return { ok: false, error }
}

export function invalid(
  message: string,
  position?: ErrorInfo['position'],
): {
  ok: false
  error: ErrorInfo
} {
  return err(
    position ? { code: 'invalid_input', message, position } : { code: 'invalid_input', message },
  )
}
