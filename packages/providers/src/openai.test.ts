import type { ModelEndpoint, ModelRequest } from '@assay/core'
import { type StubLlm, startStubLlm } from '@assay/stub-llm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type CreateModelProviderOptions,
  createModelProvider as createWithClient,
} from './create-model-provider.js'

/** Every test below runs through both clients: the direct Chat Completions one and the AI SDK. */
const CLIENTS = ['direct', 'ai-sdk'] as const

import { recordingFetch } from './test-servers.js'

const SCHEMA = {
  type: 'object',
  properties: {
    score: { type: 'integer', minimum: 1, maximum: 3 },
    explanation: { type: 'string' },
  },
  required: ['score', 'explanation'],
  additionalProperties: false,
}
const request: ModelRequest = {
  prompt: 'Rate it.',
  params: {},
  responseSchema: { name: 'judge', schema: SCHEMA },
  timeoutMs: 5_000,
}
const signal = () => new AbortController().signal

let stub: StubLlm
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

function endpoint(structuredOutput: ModelEndpoint['structuredOutput']): ModelEndpoint {
  return {
    provider: 'openai',
    baseUrl: stub.url,
    model: 'gpt-test',
    apiKey: 'sk-openai-test',
    structuredOutput,
  }
}

describe.each(CLIENTS)('openai provider (Chat Completions API) (%s client)', (client) => {
  const createModelProvider = (endpoint: ModelEndpoint, options: CreateModelProviderOptions = {}) =>
    createWithClient(endpoint, { ...options, client })

  it('posts to /chat/completions with a Bearer key and returns text with billed usage', async () => {
    const recorder = recordingFetch()
    const result = await createModelProvider(endpoint('json-schema'), {
      fetch: recorder.fetch,
    }).generate(
      { prompt: 'Hello', params: { maxOutputTokens: 50 }, timeoutMs: 5_000 },
      { signal: signal() },
    )
    if (!result.ok) throw new Error(result.error.message)
    expect(recorder.urls).toEqual([`${stub.url}/chat/completions`])
    expect(recorder.headers[0]?.get('authorization')).toBe('Bearer sk-openai-test')
    expect(recorder.bodies[0]).toMatchObject({ model: 'gpt-test', max_tokens: 50 })
    const billed = stub.stats().tokensBilled
    expect(result.value.usage).toEqual({
      inputTokens: billed.prompt,
      outputTokens: billed.completion,
    })
    expect(stub.stats().requestsFinished).toBe(1)
  })

  it('json-schema mode sends a strict json_schema and returns the JSON text', async () => {
    const recorder = recordingFetch()
    const result = await createModelProvider(endpoint('json-schema'), {
      fetch: recorder.fetch,
    }).generate(request, { signal: signal() })
    if (!result.ok) throw new Error(result.error.message)
    expect(recorder.bodies[0]?.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'judge', strict: true },
    })
    const answer = JSON.parse(result.value.text) as { score: number }
    expect([1, 2, 3]).toContain(answer.score)
  })

  it('tool-call mode returns the tool input; json mode sends json_object', async () => {
    const tool = await createModelProvider(endpoint('tool-call')).generate(request, {
      signal: signal(),
    })
    if (!tool.ok) throw new Error(tool.error.message)
    expect(JSON.parse(tool.value.text)).toMatchObject({ score: expect.any(Number) })

    const recorder = recordingFetch()
    const json = await createModelProvider(endpoint('json'), { fetch: recorder.fetch }).generate(
      request,
      {
        signal: signal(),
      },
    )
    expect(json.ok).toBe(true)
    expect(recorder.bodies[0]?.response_format).toEqual({ type: 'json_object' })
  })

  it('a malformed structured answer comes back as text', async () => {
    stub.configure({ faultFor: () => 'malformed' })
    const result = await createModelProvider(endpoint('json-schema')).generate(request, {
      signal: signal(),
    })
    expect(result).toMatchObject({ ok: true, value: { finishReason: 'stop' } })
    const billed = stub.stats().tokensBilled
    if (result.ok) {
      expect(result.value.usage).toEqual({
        inputTokens: billed.prompt,
        outputTokens: billed.completion,
      })
    }
  })
})
