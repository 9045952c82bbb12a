import type { ModelFailure, ModelFailureKind } from '@assay/core'
import { APICallError, InvalidArgumentError, InvalidPromptError, RetryError } from 'ai'
import { parseRetryAfterMs } from './retry-after.js'

/** The signals of one attempt: the caller's, our per-attempt timeout, and the two combined. */
export type AttemptSignals = { caller: AbortSignal; timeout: AbortSignal; combined: AbortSignal }

export type ClassifyContext = {
  latencyMs: number
  signals?: AttemptSignals
  /** Removed from every message (the connection's API key). */
  secret?: string | null
  now?: number
}

/** Socket-level failures worth another attempt (Node, undici and Bun spellings). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ConnectionRefused',
  'ConnectionClosed',
  'FailedToOpenSocket',
])

const MAX_MESSAGE = 500

/** Turns whatever a failed call threw into data: what happened and whether to try again. */
export function classifyError(error: unknown, context: ClassifyContext): ModelFailure {
  const chain = causeChain(error)
  const apiError = chain.find((e): e is APICallError => APICallError.isInstance(e))
  const status = apiError?.statusCode ?? null
  const failure = (
    kind: ModelFailureKind,
    retryable: boolean,
    message: string,
    retryAfterMs: number | null = null,
  ): ModelFailure => ({
    kind,
    retryable,
    retryAfterMs,
    status,
    message: redact(message, context.secret),
    latencyMs: context.latencyMs,
  })

  if (apiError && status !== null && status >= 400) {
    const message = `HTTP ${status}: ${apiError.message}`
    if (status === 429) {
      return failure(
        'rate_limited',
        true,
        message,
        parseRetryAfterMs(apiError.responseHeaders, context.now),
      )
    }
    if (status === 408 || status === 409 || status >= 500) {
      return failure(
        'server_error',
        true,
        message,
        parseRetryAfterMs(apiError.responseHeaders, context.now),
      )
    }
    if (status === 401 || status === 403) return failure('auth', false, message)
    if (status === 400 || status === 422) return failure('bad_request', false, message)
    if (status === 404) return failure('not_found', false, message)
    return failure('unknown', false, message)
  }

  const signals = context.signals
  if (signals?.combined.aborted) {
    // The combined signal keeps the reason of whichever signal fired first.
    const timedOut = signals.timeout.aborted && signals.combined.reason === signals.timeout.reason
    return timedOut
      ? failure('timeout', true, 'The model did not answer within the time limit')
      : failure('cancelled', false, 'The request was cancelled')
  }

  if (chain.some((e) => InvalidArgumentError.isInstance(e) || InvalidPromptError.isInstance(e))) {
    return failure('bad_request', false, messageOf(error))
  }

  const code = chain.map(errorCode).find((c) => c !== undefined && NETWORK_CODES.has(c))
  const fetchFailed = chain.some(
    (e) => e instanceof TypeError && /fetch failed|failed to fetch/i.test(e.message),
  )
  if (code !== undefined || fetchFailed) {
    const detail = chain.at(-1)
    const text = detail instanceof Error ? detail.message : messageOf(error)
    return failure(
      'network',
      true,
      code ? `Network error (${code}): ${text}` : `Network error: ${text}`,
    )
  }
  return failure('unknown', false, messageOf(error))
}

/** The error, then what it wraps: RetryError's last error and every `cause`. */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = []
  let current: unknown = error
  while (
    current !== undefined &&
    current !== null &&
    !chain.includes(current) &&
    chain.length < 10
  ) {
    chain.push(current)
    if (RetryError.isInstance(current)) current = current.lastError
    else if (current instanceof Error) current = current.cause
    else current = undefined
  }
  return chain
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return typeof error === 'string' ? error : 'Unknown error'
}

/** Drops the secret from a message and keeps it short. */
export function redact(message: string, secret: string | null | undefined): string {
  const clean = secret && secret.length >= 4 ? message.split(secret).join('[redacted]') : message
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean
}
