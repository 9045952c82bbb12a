import { NoObjectGeneratedError, RetryError } from 'ai'
import { describe, expect, it } from 'vitest'
import { recoverText, toolNameOf } from './generate.js'

describe('recoverText', () => {
  const noObject = () =>
    new NoObjectGeneratedError({
      message: 'No object generated: could not parse the response.',
      text: '{"score": 4, "expl',
      response: { id: 'r', timestamp: new Date(0), modelId: 'm' },
      usage: {
        inputTokens: 12,
        outputTokens: 5,
        totalTokens: 17,
        inputTokenDetails: { noCacheTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0 },
        outputTokenDetails: { textTokens: 5, reasoningTokens: 0 },
      },
      finishReason: 'length',
    })

  it("keeps the SDK's unparseable structured answer as text with its usage", () => {
    expect(recoverText(noObject())).toEqual({
      text: '{"score": 4, "expl',
      usage: { inputTokens: 12, outputTokens: 5 },
      finishReason: 'length',
    })
  })

  it('finds it inside a RetryError', () => {
    const wrapped = new RetryError({
      message: 'x',
      reason: 'errorNotRetryable',
      errors: [noObject()],
    })
    expect(recoverText(wrapped)?.text).toBe('{"score": 4, "expl')
  })

  it('leaves other errors alone', () => {
    expect(recoverText(new Error('boom'))).toBeUndefined()
  })
})

describe('toolNameOf', () => {
  it('keeps safe names and replaces the rest', () => {
    expect(toolNameOf('judge_answer-1')).toBe('judge_answer-1')
    expect(toolNameOf('judge answer.v2')).toBe('judge_answer_v2')
    expect(toolNameOf('')).toBe('answer')
    expect(toolNameOf('x'.repeat(80))).toHaveLength(64)
  })
})
