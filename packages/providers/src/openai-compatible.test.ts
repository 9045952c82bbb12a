import type { ModelEndpoint, ModelProviderFactory, ModelRequest } from '@assay/core'
import { MALFORMED_CONTENT, type StubLlm, startStubLlm } from '@assay/stub-llm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type CreateModelProviderOptions,
  createModelProvider as createWithClient,
} from './create-model-provider.js'

/** Every test below runs through both clients: the direct Chat Completions one and the AI SDK. */
const CLIENTS = ['direct', 'ai-sdk'] as const

import { recordingFetch, startJsonServer } from './test-servers.js'

const JUDGE_SCHEMA = {
  type: 'object',
  properties: {
    score: { type: 'integer', minimum: 1, maximum: 5 },
    explanation: { type: 'string' },
  },
  required: ['score', 'explanation'],
  additionalProperties: false,
}

const judgeRequest: ModelRequest = {
  system: 'You are a strict judge.',
  prompt: 'Rate the answer "Paris" to "What is the capital of France?"',
  params: {},
  responseSchema: { name: 'judge_answer', schema: JUDGE_SCHEMA },
  timeoutMs: 5_000,
}

let stub: StubLlm

function endpoint(structuredOutput: ModelEndpoint['structuredOutput']): ModelEndpoint {
  return {
    provider: 'openai-compatible',
    baseUrl: stub.url,
    model: 'stub-model',
    apiKey: null,
    structuredOutput,
  }
}

const signal = () => new AbortController().signal

beforeAll(async () => {
  stub = await startStubLlm()
})
afterEach(() => {
  stub.configure({ faultFor: undefined })
  stub.resetStats()
})
afterAll(async () => {
  await stub.close()
})

describe.each(CLIENTS)('openai-compatible provider (%s client)', (client) => {
  const createModelProvider = (endpoint: ModelEndpoint, options: CreateModelProviderOptions = {}) =>
    createWithClient(endpoint, { ...options, client })

  it('is a ModelProviderFactory', () => {
    const factory: ModelProviderFactory = createModelProvider
    expect(typeof factory(endpoint('json')).generate).toBe('function')
  })

  it('returns plain text with the usage the stub billed', async () => {
    const provider = createModelProvider(endpoint('json-schema'))
    const result = await provider.generate(
      { prompt: 'Say something about Paris.', params: {}, timeoutMs: 5_000 },
      { signal: signal() },
    )
    if (!result.ok) throw new Error(result.error.message)
    expect(result.value.text.length).toBeGreaterThan(0)
    expect(() => JSON.parse(result.value.text)).toThrow()
    expect(result.value.finishReason).toBe('stop')
    expect(result.value.latencyMs).toBeGreaterThanOrEqual(0)
    const billed = stub.stats().tokensBilled
    expect(result.value.usage).toEqual({
      inputTokens: billed.prompt,
      outputTokens: billed.completion,
    })
  })

  it('sends system, prompt and parameters, and no Authorization header without a key', async () => {
    const recorder = recordingFetch()
    const provider = createModelProvider(endpoint('json'), { fetch: recorder.fetch })
    const result = await provider.generate(
      {
        system: 'Be brief.',
        prompt: 'Hello',
        params: { temperature: 0.2, topP: 0.9, maxOutputTokens: 64 },
        timeoutMs: 5_000,
      },
      { signal: signal() },
    )
    expect(result.ok).toBe(true)
    const body = recorder.bodies[0]
    expect(body).toMatchObject({
      model: 'stub-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
    })
    expect(body?.response_format).toBeUndefined()
    expect(recorder.headers[0]?.get('authorization')).toBeNull()
  })

  it('sends each call its own prompt around the same settings (bodies built from one frame)', async () => {
    const recorder = recordingFetch()
    const provider = createModelProvider(endpoint('tool-call'), { fetch: recorder.fetch })
    const params = { temperature: 0.5 }
    for (const prompt of ['first "quoted"\nrow', 'second row ünïcode'])
      await provider.generate({ ...judgeRequest, params, prompt }, { signal: signal() })
    await provider.generate({ prompt: 'plain', params, timeoutMs: 5_000 }, { signal: signal() })
    const [first, second, plain] = recorder.bodies
    const common = {
      model: 'stub-model',
      temperature: 0.5,
      tools: [
        {
          type: 'function',
          function: {
            name: 'judge_answer',
            description: 'Give your answer as the arguments of this call.',
            parameters: JUDGE_SCHEMA,
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'judge_answer' } },
    }
    const messages = (prompt: string) => [
      { role: 'system', content: 'You are a strict judge.' },
      { role: 'user', content: prompt },
    ]
    expect(first).toEqual({ ...common, messages: messages('first "quoted"\nrow') })
    expect(second).toEqual({ ...common, messages: messages('second row ünïcode') })
    expect(plain).toEqual({
      model: 'stub-model',
      temperature: 0.5,
      messages: [{ role: 'user', content: 'plain' }],
    })
  })

  it('json-schema mode sends response_format json_schema and returns JSON text of that shape', async () => {
    const recorder = recordingFetch()
    const provider = createModelProvider(endpoint('json-schema'), { fetch: recorder.fetch })
    const result = await provider.generate(judgeRequest, { signal: signal() })
    if (!result.ok) throw new Error(result.error.message)
    expect(recorder.bodies[0]?.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'judge_answer', schema: JUDGE_SCHEMA, strict: true },
    })
    const answer = JSON.parse(result.value.text) as { score: number; explanation: string }
    expect(Object.keys(answer).sort()).toEqual(['explanation', 'score'])
    expect(answer.score).toBeGreaterThanOrEqual(1)
    expect(answer.score).toBeLessThanOrEqual(5)
    expect(typeof answer.explanation).toBe('string')
    const billed = stub.stats().tokensBilled
    expect(result.value.usage).toEqual({
      inputTokens: billed.prompt,
      outputTokens: billed.completion,
    })
  })

  it('tool-call mode forces one tool named after the schema and returns its input as JSON', async () => {
    const recorder = recordingFetch()
    const provider = createModelProvider(endpoint('tool-call'), { fetch: recorder.fetch })
    const result = await provider.generate(judgeRequest, { signal: signal() })
    if (!result.ok) throw new Error(result.error.message)
    const body = recorder.bodies[0]
    expect(body?.tool_choice).toEqual({ type: 'function', function: { name: 'judge_answer' } })
    expect(body?.tools).toMatchObject([
      { type: 'function', function: { name: 'judge_answer', parameters: JUDGE_SCHEMA } },
    ])
    expect(body?.response_format).toBeUndefined()
    const answer = JSON.parse(result.value.text) as { score: number }
    expect(answer.score).toBeGreaterThanOrEqual(1)
    expect(answer.score).toBeLessThanOrEqual(5)
    expect(result.value.finishReason).toBe('tool-calls')
    const billed = stub.stats().tokensBilled
    expect(result.value.usage).toEqual({
      inputTokens: billed.prompt,
      outputTokens: billed.completion,
    })
  })

  it('tool-call mode makes the tool name safe for OpenAI-style APIs', async () => {
    const recorder = recordingFetch()
    const provider = createModelProvider(endpoint('tool-call'), { fetch: recorder.fetch })
    const result = await provider.generate(
      { ...judgeRequest, responseSchema: { name: 'judge answer!', schema: JUDGE_SCHEMA } },
      { signal: signal() },
    )
    expect(result.ok).toBe(true)
    expect(recorder.bodies[0]?.tool_choice).toEqual({
      type: 'function',
      function: { name: 'judge_answer_' },
    })
  })

  it('json mode sends response_format json_object without the schema', async () => {
    const recorder = recordingFetch()
    const provider = createModelProvider(endpoint('json'), { fetch: recorder.fetch })
    const result = await provider.generate(judgeRequest, { signal: signal() })
    if (!result.ok) throw new Error(result.error.message)
    expect(recorder.bodies[0]?.response_format).toEqual({ type: 'json_object' })
    expect(JSON.parse(result.value.text)).toMatchObject({ score: expect.any(Number) })
  })

  describe.each(['json-schema', 'tool-call', 'json'] as const)('%s mode', (mode) => {
    it('returns a malformed answer as text with its usage, not as an error', async () => {
      stub.configure({ faultFor: () => 'malformed' })
      const result = await createModelProvider(endpoint(mode)).generate(judgeRequest, {
        signal: signal(),
      })
      if (!result.ok) throw new Error(result.error.message)
      expect(result.value.text).toBe(MALFORMED_CONTENT)
      const billed = stub.stats().tokensBilled
      expect(billed.completion).toBeGreaterThan(0)
      expect(result.value.usage).toEqual({
        inputTokens: billed.prompt,
        outputTokens: billed.completion,
      })
    })

    it('returns a truncated answer as text with its usage and finish reason length', async () => {
      stub.configure({ faultFor: () => 'truncated' })
      const result = await createModelProvider(endpoint(mode)).generate(judgeRequest, {
        signal: signal(),
      })
      if (!result.ok) throw new Error(result.error.message)
      expect(result.value.text.startsWith('{')).toBe(true)
      expect(() => JSON.parse(result.value.text)).toThrow()
      expect(result.value.finishReason).toBe('length')
      const billed = stub.stats().tokensBilled
      expect(result.value.usage).toEqual({
        inputTokens: billed.prompt,
        outputTokens: billed.completion,
      })
    })
  })

  it('reports 0 tokens when the server sends no usage', async () => {
    const server = await startJsonServer(() => ({
      status: 200,
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: 'm',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' },
        ],
      },
    }))
    try {
      const provider = createModelProvider({ ...endpoint('json'), baseUrl: `${server.origin}/v1` })
      const result = await provider.generate(
        { prompt: 'x', params: {}, timeoutMs: 5_000 },
        { signal: signal() },
      )
      if (!result.ok) throw new Error(result.error.message)
      expect(result.value).toMatchObject({
        text: 'hi',
        usage: { inputTokens: 0, outputTokens: 0 },
        finishReason: 'stop',
      })
    } finally {
      await server.close()
    }
  })

  it('without a base URL answers every call with a bad_request failure', async () => {
    const provider = createModelProvider({ ...endpoint('json'), baseUrl: null })
    const result = await provider.generate(judgeRequest, { signal: signal() })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'bad_request', retryable: false, status: null },
    })
  })
})
