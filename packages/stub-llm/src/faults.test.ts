import { afterEach, describe, expect, it } from 'vitest'
import { MALFORMED_CONTENT } from './answer.js'
import { startStubLlm } from './server.js'
import { type Completion, chatJson, contentOf, postChat, USER, waitFor } from './test-client.js'
import type { StubLlm, StubOptions } from './types.js'

const JUDGE = { model: 'm', messages: USER, response_format: { type: 'json_object' } }
const stubs: StubLlm[] = []

async function start(options?: StubOptions): Promise<StubLlm> {
  const stub = await startStubLlm(options)
  stubs.push(stub)
  return stub
}

afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()))
})

describe('fault injection', () => {
  it('500: an OpenAI-style server error, failed and not billed', async () => {
    const stub = await start()
    const res = await postChat(stub, JUDGE, { 'x-stub-fault': '500' })
    expect(res.status).toBe(500)
    expect(await res.json()).toMatchObject({ error: { type: 'server_error' } })
    expect(stub.stats()).toMatchObject({
      requestsFailed: 1,
      requestsFinished: 0,
      tokensBilled: { prompt: 0, completion: 0 },
      byFault: { error500: 1 },
    })
  })

  it('429: carries Retry-After and retry-after-ms', async () => {
    const stub = await start({ retryAfterSeconds: 2 })
    const res = await postChat(stub, JUDGE, { 'x-stub-fault': '429' })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('2')
    expect(res.headers.get('retry-after-ms')).toBe('2000')
    const custom = await postChat(stub, JUDGE, {
      'x-stub-fault': 'rateLimit429',
      'x-stub-retry-after': '0.5',
    })
    expect(custom.headers.get('retry-after')).toBe('1')
    expect(custom.headers.get('retry-after-ms')).toBe('500')
    expect(stub.stats()).toMatchObject({ requestsFailed: 2, byFault: { rateLimit429: 2 } })
  })

  it('malformed: a billed 200 envelope whose content is not JSON', async () => {
    const stub = await start()
    const body = await chatJson(stub, JUDGE, { 'x-stub-fault': 'malformed' })
    expect(contentOf(body)).toBe(MALFORMED_CONTENT)
    expect(() => JSON.parse(contentOf(body))).toThrow()
    expect(body.choices[0]?.finish_reason).toBe('stop')
    expect(stub.stats()).toMatchObject({
      requestsFinished: 1,
      tokensBilled: { prompt: body.usage.prompt_tokens, completion: body.usage.completion_tokens },
      byFault: { malformed: 1 },
    })
  })

  it('truncated: content cut mid-JSON with finish_reason length, billed', async () => {
    const stub = await start()
    const whole = contentOf(await chatJson(stub, JUDGE))
    const body = await chatJson(stub, JUDGE, { 'x-stub-fault': 'truncated' })
    const content = contentOf(body)
    expect(content.length).toBeGreaterThan(0)
    expect(whole.startsWith(content)).toBe(true)
    expect(() => JSON.parse(content)).toThrow()
    expect(body.choices[0]?.finish_reason).toBe('length')
    expect(body.usage.completion_tokens).toBe(Math.ceil(content.length / 4))
    expect(stub.stats()).toMatchObject({ requestsFinished: 2, byFault: { truncated: 1 } })
  })

  it('hang: never answers; a client abort counts as aborted and bills nothing', async () => {
    const stub = await start()
    const controller = new AbortController()
    const pending = postChat(stub, JUDGE, { 'x-stub-fault': 'hang' }, controller.signal)
    await waitFor(() => stub.stats().byFault.hang === 1)
    expect(stub.stats().inFlight).toBe(1)
    controller.abort()
    await expect(pending).rejects.toThrow(/abort/i)
    await waitFor(() => stub.stats().requestsAborted === 1)
    expect(stub.stats()).toMatchObject({
      requestsStarted: 1,
      requestsFinished: 0,
      requestsFailed: 0,
      inFlight: 0,
      tokensBilled: { prompt: 0, completion: 0 },
    })
  })

  it('hang: close() releases hung requests', async () => {
    const stub = await startStubLlm()
    const pending = postChat(stub, JUDGE, { 'x-stub-fault': 'hang' })
    await waitFor(() => stub.stats().byFault.hang === 1)
    await stub.close()
    await expect(pending).rejects.toThrow()
    expect(stub.stats()).toMatchObject({ requestsAborted: 1, inFlight: 0 })
  })

  it('reset: destroys the socket so fetch rejects', async () => {
    const stub = await start()
    await expect(postChat(stub, JUDGE, { 'x-stub-fault': 'reset' })).rejects.toThrow(/fetch failed/)
    expect(stub.stats()).toMatchObject({ requestsFailed: 1, byFault: { reset: 1 }, inFlight: 0 })
    // The stub keeps serving afterwards.
    expect((await postChat(stub, JUDGE)).status).toBe(200)
  })

  it('x-stub-fault: none overrides configured faults; unknown values are a 400', async () => {
    const stub = await start({ faults: { error500: 1 } })
    expect((await postChat(stub, JUDGE)).status).toBe(500)
    expect((await postChat(stub, JUDGE, { 'x-stub-fault': 'none' })).status).toBe(200)
    expect((await postChat(stub, JUDGE, { 'x-stub-fault': 'explode' })).status).toBe(400)
  })

  it('faultFor decides faults by request index', async () => {
    const stub = await start({ faultFor: (i) => (i % 2 === 1 ? 'error500' : undefined) })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await postChat(stub, JUDGE)).status)
    expect(statuses).toEqual([200, 500, 200, 500])
  })

  it('random faults follow the seed: same seed, same sequence', async () => {
    const run = async (seed: number) => {
      const stub = await start({ seed, faults: { error500: 0.3, rateLimit429: 0.2 } })
      const statuses: number[] = []
      for (let i = 0; i < 40; i++) statuses.push((await postChat(stub, JUDGE)).status)
      return statuses
    }
    const a = await run(42)
    expect(await run(42)).toEqual(a)
    expect(new Set(a)).toEqual(new Set([200, 429, 500]))
    expect(await run(43)).not.toEqual(a)
  })
})

describe('load controls', () => {
  it('applies latency before answering; x-stub-latency-ms overrides it', async () => {
    const stub = await start({ latencyMs: 80 })
    const t0 = performance.now()
    await chatJson(stub, JUDGE)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75)
    stub.configure({ latencyMs: 60_000 })
    const t1 = performance.now()
    await chatJson(stub, JUDGE, { 'x-stub-latency-ms': '0' })
    expect(performance.now() - t1).toBeLessThan(10_000)
  })

  it('a slow request aborted by the client counts as aborted, not finished', async () => {
    const stub = await start({ latencyMs: 10_000 })
    const controller = new AbortController()
    const pending = postChat(stub, JUDGE, {}, controller.signal)
    await waitFor(() => stub.stats().inFlight === 1)
    controller.abort()
    await expect(pending).rejects.toThrow(/abort/i)
    await waitFor(() => stub.stats().requestsAborted === 1)
    expect(stub.stats()).toMatchObject({
      requestsFinished: 0,
      inFlight: 0,
      tokensBilled: { prompt: 0 },
    })
  })

  it('maxConcurrency rejects the excess with 429 + Retry-After', async () => {
    const stub = await start({ maxConcurrency: 2, latencyMs: 500 })
    const responses = await Promise.all([1, 2, 3].map(() => postChat(stub, JUDGE)))
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 429])
    const rejected = responses.find((r) => r.status === 429)
    expect(rejected?.headers.get('retry-after')).toBe('1')
    await Promise.all(responses.map((r) => r.text()))
    expect(stub.stats()).toMatchObject({
      requestsStarted: 3,
      requestsFinished: 2,
      requestsFailed: 1,
      maxInFlight: 2,
      byFault: { rejected: 1 },
    })
  })

  it('configure() changes behaviour of a running stub', async () => {
    const stub = await start()
    stub.configure({ faults: { truncated: 1 } })
    const body: Completion = await chatJson(stub, JUDGE)
    expect(body.choices[0]?.finish_reason).toBe('length')
    stub.configure({ faults: {} })
    expect((await chatJson(stub, JUDGE)).choices[0]?.finish_reason).toBe('stop')
    expect(() => stub.configure({ jitterMs: -5 })).toThrow(/jitterMs/)
  })
})

describe('robustness', () => {
  it('a throwing answer option after a latency wait gives a 500 and the stub keeps serving', async () => {
    const stub = await start({
      latencyMs: 5,
      answer: (request) => {
        if (JSON.stringify(request.messages).includes('boom')) throw new Error('scripted failure')
        return undefined
      },
    })
    const res = await postChat(stub, { messages: [{ role: 'user', content: 'boom' }] })
    expect(res.status).toBe(500)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/scripted/)
    expect((await postChat(stub, JUDGE)).status).toBe(200)
  })

  it('rejects malformed tools with a 400', async () => {
    const stub = await start()
    expect((await postChat(stub, { messages: USER, tools: [null] })).status).toBe(400)
  })
})
