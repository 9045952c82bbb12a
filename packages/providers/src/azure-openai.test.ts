import type { ModelEndpoint } from '@assay/core'
import { type StubLlm, startStubLlm } from '@assay/stub-llm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createModelProvider } from './create-model-provider.js'
import { recordingFetch } from './test-servers.js'

let stub: StubLlm
beforeAll(async () => {
  stub = await startStubLlm()
})
afterAll(async () => {
  await stub.close()
})

const signal = () => new AbortController().signal

describe('azure-openai provider', () => {
  it('sends the deployment name as the model with an api-key header', async () => {
    const recorder = recordingFetch()
    const endpoint: ModelEndpoint = {
      provider: 'azure-openai',
      baseUrl: stub.url,
      model: 'my-gpt-deployment',
      apiKey: 'azure-key-123',
      structuredOutput: 'json',
    }
    const result = await createModelProvider(endpoint, { fetch: recorder.fetch }).generate(
      { prompt: 'Hello', params: {}, timeoutMs: 5_000 },
      { signal: signal() },
    )
    if (!result.ok) throw new Error(result.error.message)
    expect(result.value.text.length).toBeGreaterThan(0)
    expect(recorder.urls).toEqual([`${stub.url}/chat/completions`])
    expect(recorder.headers[0]?.get('api-key')).toBe('azure-key-123')
    expect(recorder.headers[0]?.get('authorization')).toBeNull()
    expect(recorder.bodies[0]).toMatchObject({ model: 'my-gpt-deployment' })
    const billed = stub.stats().tokensBilled
    expect(result.value.usage).toEqual({
      inputTokens: billed.prompt,
      outputTokens: billed.completion,
    })
  })

  it('without a base URL answers with a bad_request failure', async () => {
    const provider = createModelProvider({
      provider: 'azure-openai',
      baseUrl: null,
      model: 'dep',
      apiKey: 'k',
      structuredOutput: 'json',
    })
    const result = await provider.generate(
      { prompt: 'x', params: {}, timeoutMs: 1_000 },
      { signal: signal() },
    )
    expect(result).toMatchObject({ ok: false, error: { kind: 'bad_request', retryable: false } })
  })
})
