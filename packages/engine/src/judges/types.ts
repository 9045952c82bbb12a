import type { ModelAnswer, ModelFailure, ModelRequest, Result, TokenUsage } from '@assay/core'

/** A named JSON schema for a structured answer, as `ModelRequest.responseSchema` takes it. */
export type ResponseSchema = NonNullable<ModelRequest['responseSchema']>

/** One request to the judge model: everything but the parameters, timeout and signal. */
export type JudgeRequest = {
  system?: string
  prompt: string
  responseSchema: ResponseSchema
}

/**
 * How the judges reach a model. The engine binds a provider, the column's model parameters, the
 * timeout, the run's AbortSignal and its retry policy; the judges only see one answer or one
 * failure per call. A failure is data, never a throw.
 */
export type AskFn = (request: JudgeRequest) => Promise<Result<ModelAnswer, ModelFailure>>

/** A model answer that could not be read, with the text it gave. */
export type JudgeUnparseable = { code: 'judge_unparseable'; message: string; raw: string }

export const ZERO_USAGE: TokenUsage = Object.freeze({ inputTokens: 0, outputTokens: 0 })

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
  }
}
