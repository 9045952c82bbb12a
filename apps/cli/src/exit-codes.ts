import { type ErrorCode, isAssayError } from '@assay/core'

/** CLI exit codes: 0 ok, 1 a gate missed, 2 usage/config/data, 3 infrastructure, 130 interrupted. */
export const EXIT = { ok: 0, gateMissed: 1, usage: 2, infrastructure: 3, interrupted: 130 } as const

const BY_CODE: Record<ErrorCode, number> = {
  invalid_input: EXIT.usage,
  not_found: EXIT.usage,
  conflict: EXIT.usage,
  invalid_state: EXIT.usage,
  unauthorized: EXIT.usage,
  forbidden: EXIT.usage,
  limit_exceeded: EXIT.usage,
  provider_failed: EXIT.infrastructure,
  storage_failed: EXIT.infrastructure,
  internal: EXIT.infrastructure,
  cancelled: EXIT.interrupted,
}

export function exitCodeFor(error: unknown): number {
  return isAssayError(error) ? BY_CODE[error.code] : EXIT.infrastructure
}
