import type { Result } from '../result.js'
import type { ModelFailure } from './model-provider.js'

export type HttpRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
  url: string
  headers: Record<string, string>
  body: string | null
  timeoutMs: number
}

export type HttpResponse = {
  status: number
  headers: Record<string, string>
  body: string
  latencyMs: number
}

/**
 * Calls a user's HTTP endpoint for the *Run an API* and RAG endpoint generators. A non-2xx answer
 * or a network fault is a failure classified like a model call's (retryable or not).
 */
export interface HttpCaller {
  call(
    request: HttpRequest,
    options: { signal: AbortSignal },
  ): Promise<Result<HttpResponse, ModelFailure>>
}
