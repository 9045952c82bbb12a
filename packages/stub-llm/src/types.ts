/** A fault the stub can inject into one chat completion request. */
export type FaultKind = 'error500' | 'rateLimit429' | 'malformed' | 'truncated' | 'hang' | 'reset'

export const FAULT_KINDS: readonly FaultKind[] = [
  'error500',
  'rateLimit429',
  'malformed',
  'truncated',
  'hang',
  'reset',
]

/** Per-request probability (0..1) of each fault; their sum must not exceed 1. */
export type FaultProbabilities = Partial<Record<FaultKind, number>>

export interface ChatContentPart {
  type: string
  text?: string
  [key: string]: unknown
}

export interface ChatMessage {
  role: string
  content?: string | ChatContentPart[] | null
  [key: string]: unknown
}

export interface ChatTool {
  type: 'function'
  function: { name: string; description?: string; parameters?: unknown }
}

export type ChatToolChoice =
  | 'none'
  | 'auto'
  | 'required'
  | { type: 'function'; function: { name: string } }

/** The part of an OpenAI Chat Completions request body the stub reads. */
export interface ChatRequest {
  model?: string
  messages: ChatMessage[]
  temperature?: number
  max_tokens?: number
  max_completion_tokens?: number
  response_format?: {
    type: string
    json_schema?: { name?: string; schema?: unknown; strict?: boolean }
  }
  tools?: ChatTool[]
  tool_choice?: ChatToolChoice
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  [key: string]: unknown
}

export interface StubOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number
  /** Interface to listen on; default 127.0.0.1. */
  host?: string
  /** Fixed delay before answering each chat completion (default 0). */
  latencyMs?: number
  /** Uniform ± jitter added to latencyMs, drawn from the seeded PRNG (default 0). */
  jitterMs?: number
  /** Seed of the PRNG that draws jitter and random faults (default 1). */
  seed?: number
  /** Probabilities of random faults, drawn per request from the seeded PRNG. */
  faults?: FaultProbabilities
  /** Deterministic faults: wins over `faults`; requestIndex counts chat requests from 0. */
  faultFor?: (requestIndex: number, body: ChatRequest) => FaultKind | undefined
  /** Seconds sent in Retry-After on 429 answers (default 1). */
  retryAfterSeconds?: number
  /** Chat requests in flight beyond this get 429 (default unlimited). */
  maxConcurrency?: number
  /** Scripted answer: a string overrides the generated content (or tool-call arguments). */
  answer?: (request: ChatRequest) => string | undefined
  /** Model ids listed by GET /v1/models (default ['stub-model']). */
  models?: string[]
}

export interface StubStats {
  requestsStarted: number
  /** 200 responses fully written. */
  requestsFinished: number
  /** Non-200 responses written, plus injected socket resets. */
  requestsFailed: number
  /** The client went away (or the stub closed) before an answer was written. */
  requestsAborted: number
  maxInFlight: number
  inFlight: number
  /** Usage of fully written 200 responses only. */
  tokensBilled: { prompt: number; completion: number }
  /** Injected faults by kind, plus `rejected` (maxConcurrency) and `badRequest` (400). */
  byFault: Record<string, number>
  /** Start time (ms, performance.timeOrigin + performance.now()) of the last 100k requests. */
  startedAt: number[]
  /** Time the last byte of each 200 response was written, last 100k. */
  finishedAt: number[]
}

export interface StubLlm {
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:PORT/v1 */
  url: string
  port: number
  stats(): StubStats
  resetStats(): void
  configure(patch: Partial<StubOptions>): void
  close(): Promise<void>
}

export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}
