import type { ModelEndpoint, ModelRequest } from '@assay/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createModelProvider } from './create-model-provider.js'
import { type LocalServer, type RecordedRequest, startJsonServer } from './test-servers.js'

const API_KEY = 'sk-ant-test-key-0001'
const SCHEMA = {
  type: 'object',
  properties: { pass: { type: 'boolean' }, explanation: { type: 'string' } },
  required: ['pass', 'explanation'],
  additionalProperties: false,
}

/** Answers like the Anthropic Messages API: a tool_use block when a tool is forced, else text. */
function messagesApi(request: RecordedRequest) {
  const body = request.body as { model: string; tool_choice?: { type: string; name?: string } }
  const content =
    body.tool_choice?.type === 'tool'
      ? [
          {
            type: 'tool_use',
            id: 'toolu_1',
            name: body.tool_choice.name,
            input: { pass: true, explanation: 'ok' },
          },
        ]
      : [{ type: 'text', text: 'Bonjour from the messages API.' }]
  return {
    status: 200,
    body: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content,
      model: body.model,
      stop_reason: body.tool_choice ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 21, output_tokens: 7 },
    },
  }
}

let server: LocalServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function endpoint(
  origin: string,
  structuredOutput: ModelEndpoint['structuredOutput'],
): ModelEndpoint {
  return {
    provider: 'anthropic',
    baseUrl: `${origin}/v1`,
    model: 'claude-haiku-4-5',
    apiKey: API_KEY,
    structuredOutput,
  }
}

const request: ModelRequest = {
  system: 'You judge answers.',
  prompt: 'Is "Paris" right?',
  params: { temperature: 0, maxOutputTokens: 200 },
  timeoutMs: 5_000,
}
const signal = () => new AbortController().signal

describe('anthropic provider', () => {
  it('calls POST /v1/messages with the key and returns text and usage', async () => {
    server = await startJsonServer(messagesApi)
    const result = await createModelProvider(endpoint(server.origin, 'json')).generate(request, {
      signal: signal(),
    })
    if (!result.ok) throw new Error(result.error.message)
    expect(result.value).toMatchObject({
      text: 'Bonjour from the messages API.',
      usage: { inputTokens: 21, outputTokens: 7 },
      finishReason: 'stop',
    })
    const sent = server.requests[0]
    expect(sent?.method).toBe('POST')
    expect(sent?.path).toBe('/v1/messages')
    expect(sent?.headers['x-api-key']).toBe(API_KEY)
    expect(sent?.body).toMatchObject({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      temperature: 0,
      system: [{ type: 'text', text: 'You judge answers.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Is "Paris" right?' }] }],
    })
  })

  it('json mode asks for plain text (Anthropic has no schema-less JSON mode)', async () => {
    server = await startJsonServer(messagesApi)
    const result = await createModelProvider(endpoint(server.origin, 'json')).generate(
      { ...request, responseSchema: { name: 'verdict', schema: SCHEMA } },
      { signal: signal() },
    )
    expect(result.ok).toBe(true)
    const body = server.requests[0]?.body as Record<string, unknown>
    expect(body.tools).toBeUndefined()
    expect(body.output_format).toBeUndefined()
  })

  it('tool-call mode forces the named tool and returns its input as JSON text', async () => {
    server = await startJsonServer(messagesApi)
    const result = await createModelProvider(endpoint(server.origin, 'tool-call')).generate(
      { ...request, responseSchema: { name: 'verdict', schema: SCHEMA } },
      { signal: signal() },
    )
    if (!result.ok) throw new Error(result.error.message)
    expect(JSON.parse(result.value.text)).toEqual({ pass: true, explanation: 'ok' })
    expect(result.value.usage).toEqual({ inputTokens: 21, outputTokens: 7 })
    expect(server.requests[0]?.body).toMatchObject({
      tool_choice: { type: 'tool', name: 'verdict' },
      tools: [{ name: 'verdict', input_schema: SCHEMA }],
    })
  })

  it('429 → rate_limited with retry-after; 529 overloaded → server_error', async () => {
    let status = 429
    server = await startJsonServer(() => ({
      status,
      headers: { 'retry-after': '4' },
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
    }))
    const provider = createModelProvider(endpoint(server.origin, 'json'))
    expect(await provider.generate(request, { signal: signal() })).toMatchObject({
      ok: false,
      error: { kind: 'rate_limited', retryable: true, retryAfterMs: 4_000, status: 429 },
    })
    status = 529
    expect(await provider.generate(request, { signal: signal() })).toMatchObject({
      ok: false,
      error: { kind: 'server_error', retryable: true, status: 529 },
    })
  })

  it('401 → auth, not retryable, without the key in the message', async () => {
    server = await startJsonServer((req) => ({
      status: 401,
      body: {
        type: 'error',
        error: {
          type: 'authentication_error',
          message: `bad key ${String(req.headers['x-api-key'])}`,
        },
      },
    }))
    const result = await createModelProvider(endpoint(server.origin, 'json')).generate(request, {
      signal: signal(),
    })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'auth', retryable: false, status: 401 },
    })
    expect(JSON.stringify(result)).not.toContain(API_KEY)
  })
})
