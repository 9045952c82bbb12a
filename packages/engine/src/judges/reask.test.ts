import type { Scale } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { answerShape } from './answer-format.js'
import { fakeAsk } from './fake-ask.js'
import { buildJudgePrompt } from './judge-prompt.js'
import {
  askWithReask,
  judgeReaskMessage,
  judgeWithReask,
  quoteAnswer,
  reaskMessage,
  reaskRequest,
} from './reask.js'
import type { JudgeRequest } from './types.js'

const FIVE: Scale = { kind: 'score', min: 1, max: 5 }
const BOOL: Scale = { kind: 'boolean' }

function judgePrompt(scale: Scale = FIVE): JudgeRequest {
  const built = buildJudgePrompt(
    { name: 'Coherence', prompt: 'Judge {{output}}.', scale },
    { output: 'the text' },
  )
  if (!built.ok) throw new Error(built.error.message)
  return built.value
}

describe('reaskMessage', () => {
  it('names the problem, quotes the answer and gives the exact shape', () => {
    const text = reaskMessage(
      'score 7 is outside the scale: it must be 1 to 5',
      '{"score": 7}',
      answerShape(FIVE),
    )
    expect(text).toContain('Problem: score 7 is outside the scale: it must be 1 to 5.')
    expect(text).toContain('<previous_answer>\n{"score": 7}\n</previous_answer>')
    expect(text).toContain(
      '{"explanation": "<your reasoning>", "score": <a whole number from 1 to 5>}',
    )
    expect(text).toContain('with no code fence and no text before or after it')
  })

  it('is bounded: a long answer is quoted by its head and tail', () => {
    const long = `${'a'.repeat(5000)}${'z'.repeat(5000)}`
    const quoted = quoteAnswer(long)
    expect(quoted.length).toBeLessThan(1500)
    expect(quoted).toMatch(/^a{1000}\n\[… 8600 characters omitted …\]\nz{400}$/)
    expect(reaskMessage('x', long, '{}').length).toBeLessThan(2000)
    expect(reaskMessage('x', '  ', '{}')).toContain('(empty)')
  })

  it('judgeReaskMessage uses the scale shape', () => {
    const text = judgeReaskMessage(
      { code: 'judge_unparseable', message: 'no "pass" field', raw: '{}' },
      BOOL,
    )
    expect(text).toContain('"pass": <true or false>')
  })

  it('reaskRequest keeps system and schema and appends to the prompt', () => {
    const original = judgePrompt()
    const again = reaskRequest(original, 'p', 'raw', 'shape')
    expect(again.system).toBe(original.system)
    expect(again.responseSchema).toBe(original.responseSchema)
    expect(
      again.prompt.startsWith(`${original.prompt}\n\n# Your previous answer could not be used`),
    ).toBe(true)
  })
})

describe('judgeWithReask', () => {
  it('parses a good first answer with one call', async () => {
    const ask = fakeAsk(['{"explanation": "Clear.", "score": 5}'])
    const result = await judgeWithReask(ask, judgePrompt(), FIVE)
    expect(result).toEqual({
      outcome: {
        kind: 'parsed',
        value: { score: 5, explanation: 'Clear.' },
        raw: '{"explanation": "Clear.", "score": 5}',
        finishReason: 'stop',
      },
      usage: { inputTokens: 100, outputTokens: 20 },
      latencyMs: 10,
      calls: 1,
    })
    expect(ask.requests).toHaveLength(1)
    expect(ask.requests[0]).toEqual(judgePrompt())
  })

  it('re-asks once with the error and the shape, and sums the usage', async () => {
    const ask = fakeAsk([
      { text: 'Sure! The score is probably high.', inputTokens: 300, outputTokens: 12 },
      {
        text: '```json\n{"explanation": "Good.", "score": 4}\n```',
        inputTokens: 380,
        outputTokens: 18,
      },
    ])
    const result = await judgeWithReask(ask, judgePrompt(), FIVE)
    expect(result.calls).toBe(2)
    expect(result.usage).toEqual({ inputTokens: 680, outputTokens: 30 })
    expect(result.latencyMs).toBe(20)
    expect(result.outcome).toMatchObject({
      kind: 'parsed',
      value: { score: 4, explanation: 'Good.' },
    })
    const second = ask.requests[1]
    expect(second?.prompt).toContain(judgePrompt().prompt)
    expect(second?.prompt).toContain('Problem: the answer contains no JSON object.')
    expect(second?.prompt).toContain('Sure! The score is probably high.')
    expect(second?.prompt).toContain(answerShape(FIVE))
  })

  it('gives up after the re-ask, with the raw text of the last answer', async () => {
    const ask = fakeAsk(['not json', '{"explanation": "Top.", "score": 9}', 'never asked'])
    const result = await judgeWithReask(ask, judgePrompt(), FIVE)
    expect(ask.requests).toHaveLength(2)
    expect(result.calls).toBe(2)
    expect(result.usage).toEqual({ inputTokens: 200, outputTokens: 40 })
    expect(result.outcome).toEqual({
      kind: 'unparseable',
      error: {
        code: 'judge_unparseable',
        message: 'score 9 is outside the scale: it must be 1 to 5',
        raw: '{"explanation": "Top.", "score": 9}',
      },
    })
  })

  it('returns a provider failure as data, without re-asking', async () => {
    const ask = fakeAsk([
      { failure: { kind: 'rate_limited', retryable: true, status: 429, message: 'slow down' } },
    ])
    const result = await judgeWithReask(ask, judgePrompt(), FIVE)
    expect(ask.requests).toHaveLength(1)
    expect(result).toMatchObject({
      outcome: {
        kind: 'failure',
        failure: { kind: 'rate_limited', status: 429, message: 'slow down' },
      },
      usage: { inputTokens: 0, outputTokens: 0 },
      calls: 1,
    })
  })

  it('keeps the first call’s usage when the re-ask fails', async () => {
    const ask = fakeAsk(['oops', { failure: { kind: 'server_error', status: 500 } }])
    const result = await judgeWithReask(ask, judgePrompt(), FIVE)
    expect(result.calls).toBe(2)
    expect(result.usage).toEqual({ inputTokens: 100, outputTokens: 20 })
    expect(result.outcome).toMatchObject({ kind: 'failure', failure: { kind: 'server_error' } })
  })

  it('tells the model it hit its token limit when a cut-off answer cannot be read', async () => {
    const ask = fakeAsk([
      { text: '{"explanation": "The output is long and', finishReason: 'length' },
      '{"explanation": "Short.", "pass": true}',
    ])
    const result = await judgeWithReask(ask, judgePrompt(BOOL), BOOL)
    expect(ask.requests[1]?.prompt).toMatch(/cut off.*output token limit/)
    expect(result.outcome).toMatchObject({ kind: 'parsed', value: { score: 1, pass: true } })
  })

  it('turns a throwing ask into a failure', async () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' })
    const thrown = await judgeWithReask(() => Promise.reject(abort), judgePrompt(), FIVE)
    expect(thrown.outcome).toMatchObject({
      kind: 'failure',
      failure: { kind: 'cancelled', message: 'aborted' },
    })
    const bug = await judgeWithReask(() => Promise.reject(new Error('boom')), judgePrompt(), FIVE)
    expect(bug.outcome).toMatchObject({
      kind: 'failure',
      failure: { kind: 'unknown', message: 'boom' },
    })
  })
})

describe('askWithReask', () => {
  it('uses the given parser and shape', async () => {
    const ask = fakeAsk(['{"n": "x"}', '{"n": 3}'])
    const result = await askWithReask(
      ask,
      judgePrompt(),
      (text) => {
        const n = (JSON.parse(text) as { n: unknown }).n
        return typeof n === 'number'
          ? { ok: true, value: n }
          : { ok: false, error: { message: 'n is not a number' } }
      },
      '{"n": <number>}',
    )
    expect(result.outcome).toMatchObject({ kind: 'parsed', value: 3 })
    expect(ask.requests[1]?.prompt).toContain('Problem: n is not a number.')
    expect(ask.requests[1]?.prompt).toContain('{"n": <number>}')
  })
})
