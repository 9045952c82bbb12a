import type { ModelAnswer, ModelFailure, Result } from '@assay/core'
import type { AskFn, JudgeRequest } from './types.js'

/**
 * Test helper: an `AskFn` that answers from a script and records every request. A script entry
 * is the answer's text, an answer with explicit usage / finish reason, or a provider failure.
 * Without a fixed script, a responder function answers each request.
 */
export type ScriptedAnswer =
  | string
  | { text: string; inputTokens?: number; outputTokens?: number; finishReason?: string }
  | { failure: Partial<ModelFailure> & Pick<ModelFailure, 'kind'> }

export type FakeAsk = AskFn & { requests: JudgeRequest[] }

const DEFAULT_USAGE = { inputTokens: 100, outputTokens: 20 }

export function fakeAsk(
  script: readonly ScriptedAnswer[] | ((request: JudgeRequest, index: number) => ScriptedAnswer),
): FakeAsk {
  const requests: JudgeRequest[] = []
  const ask = async (request: JudgeRequest): Promise<Result<ModelAnswer, ModelFailure>> => {
    const index = requests.length
    requests.push(request)
    const entry = typeof script === 'function' ? script(request, index) : script[index]
    if (entry === undefined) {
      return failure({ kind: 'unknown', message: `the script has no answer #${index + 1}` })
    }
    if (typeof entry === 'string') {
      return {
        ok: true,
        value: { text: entry, usage: DEFAULT_USAGE, finishReason: 'stop', latencyMs: 10 },
      }
    }
    if ('failure' in entry) return failure(entry.failure)
    return {
      ok: true,
      value: {
        text: entry.text,
        usage: {
          inputTokens: entry.inputTokens ?? DEFAULT_USAGE.inputTokens,
          outputTokens: entry.outputTokens ?? DEFAULT_USAGE.outputTokens,
        },
        finishReason: entry.finishReason ?? 'stop',
        latencyMs: 10,
      },
    }
  }
  return Object.assign(ask, { requests })
}

function failure(partial: Partial<ModelFailure> & Pick<ModelFailure, 'kind'>): {
  ok: false
  error: ModelFailure
} {
  return {
    ok: false,
    error: {
      retryable: false,
      retryAfterMs: null,
      status: null,
      message: 'scripted failure',
      latencyMs: 5,
      ...partial,
    },
  }
}
