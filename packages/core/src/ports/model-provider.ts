import type { ModelParams } from '../domain/column.js'
import type { ProviderKind } from '../domain/connection.js'
import type { Result } from '../result.js'

/** What a provider adapter needs to reach a model; the API key is already opened here. */
export type ModelEndpoint = {
  provider: ProviderKind
  baseUrl: string | null
  model: string
  apiKey: string | null
  structuredOutput: 'json-schema' | 'tool-call' | 'json'
}

export type ModelRequest = {
  system?: string
  prompt: string
  params: ModelParams
  /**
   * Ask for a JSON object of this shape (judges). How it is asked depends on the endpoint's
   * structured-output mode; the prompt always spells out the shape too.
   */
  responseSchema?: { name: string; schema: Record<string, unknown> }
  /** Per-attempt time limit. */
  timeoutMs: number
}

export type TokenUsage = { inputTokens: number; outputTokens: number }

export type ModelAnswer = {
  /** The text answer, or the JSON arguments of the tool call in tool-call mode. */
  text: string
  usage: TokenUsage
  finishReason: string
  latencyMs: number
}

export const MODEL_FAILURE_KINDS = [
  'rate_limited',
  'server_error',
  'timeout',
  'network',
  'auth',
  'bad_request',
  'not_found',
  'cancelled',
  'unknown',
] as const
export type ModelFailureKind = (typeof MODEL_FAILURE_KINDS)[number]

/** A failed call is data: whether to retry, and when the provider asked us to. */
export type ModelFailure = {
  kind: ModelFailureKind
  retryable: boolean
  /** From `Retry-After` / `retry-after-ms`, when the provider sent one. */
  retryAfterMs: number | null
  status: number | null
  message: string
  latencyMs: number
}

/** One model connection, ready to call. */
export interface ModelProvider {
  /**
   * `signal` aborts the call while its answer has not started to arrive (an answer whose headers
   * are in is still read, since the provider generated and billed it). `startSignal`, when given,
   * is checked at the last moment before the request is sent (after connecting): once it has
   * aborted nothing is sent and the call fails as `cancelled`.
   */
  generate(
    request: ModelRequest,
    options: { signal: AbortSignal; startSignal?: AbortSignal },
  ): Promise<Result<ModelAnswer, ModelFailure>>
}

/** Builds a provider for an endpoint; the composition root caches one per connection. */
export type ModelProviderFactory = (endpoint: ModelEndpoint) => ModelProvider
