import { BODY_TIMEOUT_MS, type HttpAnswer, type PostJson, TimeoutError } from './http1.js'

/**
 * The lean path's transport over a given fetch (tests that record requests, proxies): the same
 * contract as the HTTP/1.1 client — the caller's signal and the time limit apply until the
 * answer's headers are in, then the body is read regardless (an answer on the wire was billed).
 */
export function createFetchPoster(
  url: string,
  headers: Readonly<Record<string, string>>,
  doFetch: typeof fetch,
): PostJson {
  return async (body, { signal, startSignal, timeoutMs }) => {
    if (startSignal?.aborted) throw startSignal.reason
    const request = new AbortController()
    const onAbort = () => request.abort(signal.reason)
    const timer = setTimeout(
      () => request.abort(new TimeoutError('the model did not answer within the time limit')),
      Math.min(2_147_483_647, Math.max(1, Math.ceil(timeoutMs))),
    )
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    let response: Response
    try {
      response = await doFetch(url, { method: 'POST', headers, body, signal: request.signal })
    } catch (error) {
      // Whichever fired first is what the caller sees (the abort reason, or the timeout).
      throw request.signal.aborted ? request.signal.reason : error
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
    const bodyTimer = setTimeout(
      () => request.abort(new TimeoutError('the answer body took too long')),
      BODY_TIMEOUT_MS,
    )
    try {
      const text = await response.text()
      const answer: HttpAnswer = {
        status: response.status,
        statusText: response.statusText,
        headers: Object.fromEntries(response.headers),
        body: text,
      }
      return answer
    } finally {
      clearTimeout(bodyTimer)
    }
  }
}
