import type { HttpCaller, HttpRequest, HttpResponse, ModelFailure, Result } from '@assay/core'
import { classifyError } from './failure.js'
import { parseRetryAfterMs } from './retry-after.js'

/**
 * Answers over this many bytes fail (a generator's cell does not need megabytes). The body is read
 * in chunks and the request dropped as soon as the limit is passed, so an endpoint streaming
 * gigabytes never gets buffered.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576

export type HttpCallerOptions = {
  fetch?: typeof fetch
  /** The largest answer body accepted, in bytes (default 1 MiB). */
  maxResponseBytes?: number
}

/**
 * The HTTP caller of the *Run an API* and RAG endpoint generators: one fetch per attempt with a
 * per-attempt timeout that also covers reading the body; a non-2xx answer is a failure classified
 * like a model call's (429 and 5xx retryable, with any Retry-After); an answer over
 * `maxResponseBytes` is a failure that is not retried.
 */
export function createHttpCaller(options: HttpCallerOptions = {}): HttpCaller {
  const doFetch = options.fetch ?? fetch
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
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
      const refused = (status: number, message: string): Result<HttpResponse, ModelFailure> => ({
        ok: false,
        error: {
          kind: 'bad_request',
          retryable: false,
          retryAfterMs: null,
          status,
          message,
          latencyMs: latency(),
        },
      })
      try {
        // Redirects are followed here, not by fetch: fetch would carry every header but
        // Authorization to wherever a redirect points, and these headers often hold API keys.
        // Only redirects within the request's origin are followed.
        let url = request.url
        let method = request.method
        let payload =
          method === 'GET' || method === 'DELETE' ? undefined : (request.body ?? undefined)
        let response: Response
        for (let hop = 0; ; hop++) {
          response = await doFetch(url, {
            method,
            headers: request.headers,
            body: payload,
            signal: combined.signal,
            redirect: 'manual',
          })
          const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null
          if (location === null) break
          await dropBody(response, null)
          const next = URL.canParse(location, url) ? new URL(location, url) : null
          if (!next) return refused(response.status, `redirect to an invalid URL: ${location}`)
          if (next.origin !== new URL(request.url).origin) {
            return refused(
              response.status,
              `redirected to ${next.origin}, another origin than the request's; not followed, so its headers are not sent there`,
            )
          }
          if (hop >= MAX_REDIRECTS) return refused(response.status, 'too many redirects')
          if (response.status === 303 || (response.status <= 302 && method === 'POST')) {
            method = 'GET'
            payload = undefined
          }
          url = next.href
        }
        const headers: Record<string, string> = {}
        response.headers.forEach((value, key) => {
          headers[key] = value
        })
        const tooLarge = (): Result<HttpResponse, ModelFailure> => ({
          ok: false,
          error: {
            kind: 'unknown',
            retryable: false,
            retryAfterMs: null,
            status: response.status,
            message: `response larger than ${maxBytes} bytes`,
            latencyMs: latency(),
          },
        })
        const declared = Number(response.headers.get('content-length') ?? Number.NaN)
        if (response.ok && Number.isFinite(declared) && declared > maxBytes) {
          await dropBody(response, combined)
          return tooLarge()
        }
        const read = await readBounded(response, maxBytes, combined)
        const body = read.text
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
        if (read.over) return tooLarge()
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

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const MAX_REDIRECTS = 5

/** Why the request is dropped once enough of its answer has been read. */
const DROPPED = new Error('response body dropped')

/** Stops reading an answer and aborts its request (the connection is closed, not drained). */
async function dropBody(response: Response, request: AbortController | null): Promise<void> {
  try {
    await response.body?.cancel()
  } catch {}
  if (request && !request.signal.aborted) request.abort(DROPPED)
}

/**
 * Reads an answer's body as UTF-8 text, chunk by chunk, up to `maxBytes`: once more arrives the
 * rest is not read (`over`; `text` holds the first `maxBytes` bytes). Rejects with the signal's
 * reason when `request` aborts meanwhile (timeout or cancel), even if the fetch used does not
 * tie its body to the signal.
 */
async function readBounded(
  response: Response,
  maxBytes: number,
  request: AbortController,
): Promise<{ text: string; over: boolean }> {
  const stream = response.body
  if (!stream) return { text: '', over: false }
  const signal = request.signal
  const reader = stream.getReader()
  const decoder = new TextDecoder('utf-8')
  let aborted: (reason: unknown) => void = () => {}
  const abortedPromise = new Promise<never>((_, reject) => {
    aborted = reject
  })
  abortedPromise.catch(() => {})
  const onAbort = () => aborted(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  if (signal.aborted) onAbort()
  let text = ''
  let bytes = 0
  let done = false
  try {
    while (true) {
      const chunk = await Promise.race([reader.read(), abortedPromise])
      if (chunk.done) {
        done = true
        text += decoder.decode()
        return { text, over: false }
      }
      const room = maxBytes - bytes
      bytes += chunk.value.byteLength
      if (bytes > maxBytes) {
        text += decoder.decode(chunk.value.subarray(0, room))
        return { text, over: true }
      }
      text += decoder.decode(chunk.value, { stream: true })
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    if (!done) {
      reader.cancel().catch(() => {})
      if (!signal.aborted) request.abort(DROPPED)
    }
  }
}
