import type { ModelEndpoint, ModelRequest } from '@assay/core'
import { type StubLlm, startStubLlm } from '@assay/stub-llm'
import { APICallError, RetryError } from 'ai'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type CreateModelProviderOptions,
  createModelProvider as createWithClient,
} from './create-model-provider.js'

/** Every test below runs through both clients: the direct Chat Completions one and the AI SDK. */
const CLIENTS = ['direct', 'ai-sdk'] as const

import { classifyError } from './failure.js'
import { closedPort, startJsonServer } from './test-servers.js'

const API_KEY = 'sk-test-0123456789-secret'
const request: ModelRequest = { prompt: 'Rate this.', params: {}, timeoutMs: 5_000 }

let stub: StubLlm

function endpoint(overrides: Partial<ModelEndpoint> = {}): ModelEndpoint {
  return {
    provider: 'openai-compatible',
    baseUrl: stub.url,
    model: 'stub-model',
    apiKey: API_KEY,
    structuredOutput: 'json',
    ...overrides,
  }
}

const signal = () => new AbortController().signal

async function waitFor(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

beforeAll(async () => {
  stub = await startStubLlm({ retryAfterSeconds: 3 })
})
afterEach(() => {
  stub.configure({ faultFor: undefined })
  stub.resetStats()
})
afterAll(async () => {
  await stub.close()
})

describe.each(
  CLIENTS,
)('failures against the stub are data, never exceptions (%s client)', (client) => {
  const createModelProvider = (endpoint: ModelEndpoint, options: CreateModelProviderOptions = {}) =>
    createWithClient(endpoint, { ...options, client })

  it('500 → server_error, retryable', async () => {
    stub.configure({ faultFor: () => 'error500' })
    const result = await createModelProvider(endpoint()).generate(request, { signal: signal() })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'server_error', retryable: true, status: 500, retryAfterMs: null },
    })
    if (!result.ok) expect(result.error.message).toContain('injected server error')
  })

  it("429 → rate_limited, retryable, retryAfterMs from the stub's Retry-After", async () => {
    stub.configure({ faultFor: () => 'rateLimit429' })
    const result = await createModelProvider(endpoint()).generate(request, { signal: signal() })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 3_000 },
    })
  })

  it('a hung request past timeoutMs → timeout, retryable, and the stub sees it aborted', async () => {
    stub.configure({ faultFor: () => 'hang' })
    const result = await createModelProvider(endpoint()).generate(
      { ...request, timeoutMs: 150 },
      { signal: signal() },
    )
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'timeout', retryable: true, status: null },
    })
    if (!result.ok) expect(result.error.latencyMs).toBeGreaterThanOrEqual(140)
    await waitFor(() => stub.stats().requestsAborted === 1)
    expect(stub.stats().tokensBilled).toEqual({ prompt: 0, completion: 0 })
  })

  it("the caller's abort → cancelled, not retryable, and the stub sees it aborted", async () => {
    stub.configure({ faultFor: () => 'hang' })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    const result = await createModelProvider(endpoint()).generate(request, {
      signal: controller.signal,
    })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'cancelled', retryable: false, status: null },
    })
    await waitFor(() => stub.stats().requestsAborted === 1)
  })

  it('an already-aborted signal → cancelled without a request', async () => {
    const controller = new AbortController()
    controller.abort(new Error('run stopped'))
    const result = await createModelProvider(endpoint()).generate(request, {
      signal: controller.signal,
    })
    expect(result).toMatchObject({ ok: false, error: { kind: 'cancelled', retryable: false } })
    expect(stub.stats().requestsStarted).toBe(0)
  })

  it('settings the SDK refuses → bad_request without a request', async () => {
    const result = await createModelProvider(endpoint()).generate(
      { ...request, params: { maxOutputTokens: 0 } },
      { signal: signal() },
    )
    expect(result).toMatchObject({ ok: false, error: { kind: 'bad_request', retryable: false } })
    expect(stub.stats().requestsStarted).toBe(0)
  })

  it('a connection reset → network, retryable', async () => {
    stub.configure({ faultFor: () => 'reset' })
    const result = await createModelProvider(endpoint()).generate(request, { signal: signal() })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'network', retryable: true, status: null },
    })
  })

  it('a refused connection (nothing listening) → network, retryable', async () => {
    const port = await closedPort()
    const provider = createModelProvider(endpoint({ baseUrl: `http://127.0.0.1:${port}/v1` }))
    const result = await provider.generate(request, { signal: signal() })
    expect(result).toMatchObject({ ok: false, error: { kind: 'network', retryable: true } })
    if (!result.ok) expect(result.error.message).toContain('ECONNREFUSED')
  })

  it('an unknown route (404) → not_found, not retryable', async () => {
    const provider = createModelProvider(endpoint({ baseUrl: `${stub.url}/nowhere` }))
    const result = await provider.generate(request, { signal: signal() })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'not_found', retryable: false, status: 404 },
    })
  })
})

describe.each(CLIENTS)('HTTP statuses from a local server (%s client)', (client) => {
  const createModelProvider = (endpoint: ModelEndpoint, options: CreateModelProviderOptions = {}) =>
    createWithClient(endpoint, { ...options, client })

  const cases = [
    [401, 'auth', false],
    [403, 'auth', false],
    [400, 'bad_request', false],
    [422, 'bad_request', false],
    [404, 'not_found', false],
    [408, 'server_error', true],
    [409, 'server_error', true],
    [502, 'server_error', true],
    [503, 'server_error', true],
    [402, 'unknown', false],
  ] as const

  it.each(cases)('%i → %s (retryable %s)', async (status, kind, retryable) => {
    // The server echoes the key it was sent: the failure message must not carry it.
    const server = await startJsonServer((req) => ({
      status,
      body: { error: { message: `refused ${String(req.headers.authorization)}`, type: 'x' } },
    }))
    try {
      const provider = createModelProvider(endpoint({ baseUrl: `${server.origin}/v1` }))
      const result = await provider.generate(request, { signal: signal() })
      expect(result).toMatchObject({ ok: false, error: { kind, retryable, status } })
      expect(JSON.stringify(result)).not.toContain(API_KEY)
      expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`)
    } finally {
      await server.close()
    }
  })

  it('503 with an HTTP-date Retry-After → server_error with retryAfterMs', async () => {
    const server = await startJsonServer(() => ({
      status: 503,
      headers: { 'retry-after': new Date(Date.now() + 10_000).toUTCString() },
      body: { error: { message: 'overloaded' } },
    }))
    try {
      const provider = createModelProvider(endpoint({ baseUrl: `${server.origin}/v1` }))
      const result = await provider.generate(request, { signal: signal() })
      if (result.ok) throw new Error('expected a failure')
      expect(result.error.kind).toBe('server_error')
      expect(result.error.retryAfterMs).toBeGreaterThan(7_000)
      expect(result.error.retryAfterMs).toBeLessThanOrEqual(10_000)
    } finally {
      await server.close()
    }
  })

  it('a 200 whose body is not a chat completion → unknown, not retryable', async () => {
    const server = await startJsonServer(() => ({ status: 200, body: { nothing: 'here' } }))
    try {
      const provider = createModelProvider(endpoint({ baseUrl: `${server.origin}/v1` }))
      const result = await provider.generate(request, { signal: signal() })
      expect(result).toMatchObject({ ok: false, error: { kind: 'unknown', retryable: false } })
    } finally {
      await server.close()
    }
  })
})

describe('classifyError', () => {
  const apiError = (statusCode: number, responseHeaders?: Record<string, string>) =>
    new APICallError({
      message: 'failed',
      url: 'http://127.0.0.1/v1/chat/completions',
      requestBodyValues: {},
      statusCode,
      ...(responseHeaders ? { responseHeaders } : {}),
    })

  it('unwraps a RetryError to its last error', () => {
    const wrapped = new RetryError({
      message: 'Failed after 2 attempts',
      reason: 'maxRetriesExceeded',
      errors: [apiError(500), apiError(429, { 'retry-after-ms': '1500' })],
    })
    expect(classifyError(wrapped, { latencyMs: 7 })).toMatchObject({
      kind: 'rate_limited',
      retryable: true,
      retryAfterMs: 1_500,
      status: 429,
      latencyMs: 7,
    })
  })

  it('finds an APICallError in the cause chain', () => {
    const outer = new Error('wrapper', { cause: apiError(401) })
    expect(classifyError(outer, { latencyMs: 0 })).toMatchObject({ kind: 'auth', status: 401 })
  })

  it('recognises a network error by its code', () => {
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    const error = new TypeError('fetch failed', { cause })
    expect(classifyError(error, { latencyMs: 0 })).toMatchObject({
      kind: 'network',
      retryable: true,
    })
  })

  it('anything else → unknown with its message, secrets removed', () => {
    const result = classifyError(new Error(`boom with ${API_KEY}`), {
      latencyMs: 0,
      secret: API_KEY,
    })
    expect(result).toMatchObject({ kind: 'unknown', retryable: false, status: null })
    expect(result.message).toBe('boom with [redacted]')
  })
})
