import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ModelEndpoint, ModelRequest } from '@assay/core'
import { type StubLlm, startStubLlm } from '@assay/stub-llm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createModelProvider } from './create-model-provider.js'

const request: ModelRequest = { prompt: 'Rate this.', params: {}, timeoutMs: 5_000 }
const CLIENTS = ['direct', 'ai-sdk'] as const
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends the answer's headers at once and its body `bodyDelayMs` later. */
async function slowBodyServer(bodyDelayMs: number) {
  let requests = 0
  let headersSent: () => void = () => {}
  const headersOut = new Promise<void>((resolve) => {
    headersSent = resolve
  })
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.flushHeaders()
      headersSent()
      setTimeout(() => {
        res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 0,
            model: 'm',
            choices: [
              { index: 0, message: { role: 'assistant', content: 'late' }, finish_reason: 'stop' },
            ],
            usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
          }),
        )
      }, bodyDelayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    headersOut,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let stub: StubLlm
beforeAll(async () => {
  stub = await startStubLlm({ latencyMs: 200 })
})
afterAll(async () => {
  await stub.close()
})

function endpoint(baseUrl: string): ModelEndpoint {
  return {
    provider: 'openai-compatible',
    baseUrl,
    model: 'stub-model',
    apiKey: null,
    structuredOutput: 'json',
  }
}

describe.each(CLIENTS)('stop semantics (%s client)', (client) => {
  it('reads and counts an answer whose headers arrived before the abort', async () => {
    const server = await slowBodyServer(150)
    try {
      const provider = createModelProvider(endpoint(server.url), { client })
      const controller = new AbortController()
      const call = provider.generate(request, { signal: controller.signal })
      await server.headersOut
      await wait(50)
      controller.abort(new Error('stopped'))
      const result = await call
      expect(result).toMatchObject({
        ok: true,
        value: { text: 'late', usage: { inputTokens: 11, outputTokens: 7 } },
      })
    } finally {
      await server.close()
    }
  })

  it('an abort before the answer started → cancelled, and the stub bills nothing', async () => {
    stub.resetStats()
    const provider = createModelProvider(endpoint(stub.url), { client })
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('stopped')), 50)
    const result = await provider.generate(request, { signal: controller.signal })
    expect(result).toMatchObject({ ok: false, error: { kind: 'cancelled', retryable: false } })
    await wait(30)
    expect(stub.stats().tokensBilled).toEqual({ prompt: 0, completion: 0 })
  })

  it('sends nothing once the start signal has aborted', async () => {
    stub.resetStats()
    const provider = createModelProvider(endpoint(stub.url), { client })
    const start = new AbortController()
    start.abort(new Error('stop confirmed'))
    const result = await provider.generate(request, {
      signal: new AbortController().signal,
      startSignal: start.signal,
    })
    expect(result).toMatchObject({ ok: false, error: { kind: 'cancelled', retryable: false } })
    await wait(30)
    expect(stub.stats().requestsStarted).toBe(0)
  })
})

describe('direct client: the start signal is checked at the socket', () => {
  it('a stop while the connection is being opened sends nothing', async () => {
    stub.resetStats()
    // A fresh provider has no socket yet: the call waits for the connection.
    const provider = createModelProvider(endpoint(stub.url), { client: 'direct' })
    const start = new AbortController()
    const call = provider.generate(request, {
      signal: new AbortController().signal,
      startSignal: start.signal,
    })
    start.abort(new Error('stop confirmed'))
    expect(await call).toMatchObject({ ok: false, error: { kind: 'cancelled' } })
    await wait(30)
    expect(stub.stats().requestsStarted).toBe(0)
  })
})
