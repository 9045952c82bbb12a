/** How long reading an answer's body may take once its headers are in. */
const BODY_TIMEOUT_MS = 60_000

/**
 * A fetch for model calls that finishes reading an answer once its headers have arrived, even if
 * the call is aborted meanwhile. A stop aborts every request still waiting for its answer, but an
 * answer already on the wire has been generated (and billed) by the provider: it is read and
 * returned, so that it is stored and its tokens counted (SPEC §4: "an answer that arrives while
 * stopping is still stored and counted"). Only the body read has its own time limit then.
 */
export function answeredFetch(base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const outer = init?.signal ?? null
    const request = new AbortController()
    const onAbort = () => request.abort(outer?.reason)
    if (outer?.aborted) onAbort()
    else outer?.addEventListener('abort', onAbort, { once: true })
    let response: Response
    try {
      response = await base(input, { ...init, signal: request.signal })
    } finally {
      outer?.removeEventListener('abort', onAbort)
    }
    const timer = setTimeout(
      () => request.abort(new Error('the answer body took too long')),
      BODY_TIMEOUT_MS,
    )
    try {
      const body = await response.arrayBuffer()
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      })
    } finally {
      clearTimeout(timer)
    }
  }
}
