import type { HttpCaller, HttpRequest, HttpResponse, ModelFailure, Result } from '@assay/core'
import { classifyError } from './failure.js'
import { parseRetryAfterMs } from './retry-after.js'

/** Responses over this size are cut off: a generator's cell does not need megabytes. */
const MAX_BODY_CHARS = 2_000_000

/**
 * The HTTP caller of the *Run an API* and RAG endpoint generators: one fetch per attempt with a
 * per-attempt timeout; a non-2xx answer is a failure classified like a model call's (429 and 5xx
 * retryable, with any Retry-After).
 */
export function createHttpCaller(options: { fetch?: typeof fetch } = {}): HttpCaller {
  const doFetch = options.fetch ?? fetch
  return {
    async call(request: HttpRequest, { signal }): Promise<Result<HttpResponse, ModelFailure>> {
      const started = performance.now()
      const timeout = new AbortController()
      const timer = setTimeout(() => timeout.abort(new Error('timeout')), request.timeoutMs)
      const combined = new AbortController()
      const onAbort = () => combined.abort(signal.reason)
      const onTimeout = () => combined.abort(timeout.signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      timeout.signal.addEventListener('abort', onTimeout, { once: true })
      if (signal.aborted) onAbort()
      const latency = () => Math.round(performance.now() - started)
      try {
        const response = await doFetch(request.url, {
          method: request.method,
          headers: request.headers,
          body:
            request.method === 'GET' || request.method === 'DELETE'
              ? undefined
              : (request.body ?? undefined),
          signal: combined.signal,
        })
        let body = await response.text()
        if (body.length > MAX_BODY_CHARS) body = body.slice(0, MAX_BODY_CHARS)
        const headers: Record<string, string> = {}
        response.headers.forEach((value, key) => {
          headers[key] = value
        })
        if (!response.ok) {
          const status = response.status
          const retryable = status === 408 || status === 409 || status === 429 || status >= 500
          const kind =
            status === 429
              ? 'rate_limited'
              : retryable
                ? 'server_error'
                : status === 401 || status === 403
                  ? 'auth'
                  : status === 404
                    ? 'not_found'
                    : 'bad_request'
          return {
            ok: false,
            error: {
              kind,
              retryable,
              retryAfterMs: retryable ? parseRetryAfterMs(headers) : null,
              status,
              message: `HTTP ${status}: ${body.slice(0, 300)}`,
              latencyMs: latency(),
            },
          }
        }
        return { ok: true, value: { status: response.status, headers, body, latencyMs: latency() } }
      } catch (error) {
        return {
          ok: false,
          error: classifyError(error, {
            latencyMs: latency(),
            signals: { caller: signal, timeout: timeout.signal, combined: combined.signal },
          }),
        }
      } finally {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        timeout.signal.removeEventListener('abort', onTimeout)
      }
    },
  }
}
