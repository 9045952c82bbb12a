import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

/** The CSRF token of the session: from sign-in / `auth/me`, or the readable `assay_csrf` cookie. */
let csrfToken: string | null = null

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

function readCsrfCookie(): string | null {
  const match = /(?:^|;\s*)assay_csrf=([^;]+)/.exec(document.cookie)
  return match?.[1] ? decodeURIComponent(match[1]) : null
}

export function currentCsrfToken(): string | null {
  return csrfToken ?? readCsrfCookie()
}

/** Every write made with the session cookie carries X-CSRF-Token. */
const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const token = currentCsrfToken()
      if (token) request.headers.set('X-CSRF-Token', token)
    }
    return request
  },
}

let onUnauthorized: (() => void) | null = null
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler
}

const unauthorized: Middleware = {
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.includes('/auth/')) onUnauthorized?.()
    return response
  },
}

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' })
api.use(csrf, unauthorized)

export type ApiErrorBody = components['schemas']['Error']

/** An API refusal: `{"error":{"code","message","position?"}}` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly position?: Record<string, unknown>,
  ) {
    super(message)
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response }

/** Resolves to the data of a successful answer; throws {@link ApiError} otherwise. */
export async function call<T>(request: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await request
  if (response.ok) return data as T
  const body = (error ?? {}) as { error?: { code?: string; message?: string; position?: unknown } }
  throw new ApiError(
    response.status,
    body.error?.code ?? 'http_error',
    body.error?.message ?? `${response.status} ${response.statusText}`,
    (body.error?.position ?? undefined) as Record<string, unknown> | undefined,
  )
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const where = error.position ? describePosition(error.position) : ''
    return where ? `${error.message} (${where})` : error.message
  }
  return error instanceof Error ? error.message : String(error)
}

export function describePosition(position: Record<string, unknown>): string {
  const parts: string[] = []
  for (const key of ['line', 'column', 'row', 'field', 'offset']) {
    const value = position[key]
    if (value !== undefined && value !== null) parts.push(`${key} ${String(value)}`)
  }
  return parts.join(', ')
}
