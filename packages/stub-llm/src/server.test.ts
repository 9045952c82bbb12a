import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startStubLlm } from './server.js'
import { chatJson, contentOf, postChat, rootUrl, USER } from './test-client.js'
import type { StubLlm, StubStats } from './types.js'

let stub: StubLlm

beforeAll(async () => {
  stub = await startStubLlm()
})
afterAll(() => stub.close())
beforeEach(() => stub.resetStats())

const judgeSchema = {
  type: 'object',
  properties: {
    score: { type: 'integer', minimum: 1, maximum: 10 },
    pass: { type: 'boolean' },
    explanation: { type: 'string' },
    claims: { type: 'array', items: { type: 'string' } },
  },
  required: ['score', 'pass', 'explanation', 'claims'],
  additionalProperties: false,
}

describe('stub LLM server', () => {
  it('listens on 127.0.0.1 and exposes a /v1 base URL', () => {
    expect(stub.url).toBe(`http://127.0.0.1:${stub.port}/v1`)
    expect(stub.port).toBeGreaterThan(0)
  })

  it('answers with a chat.completion envelope and deterministic usage', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' }, // 14 chars
      { role: 'user', content: 'Say hello to the world.' }, // 23 chars
    ]
    const body = await chatJson(stub, { model: 'gpt-test', messages, temperature: 0 })
    expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-test' })
    expect(body.id).toMatch(/^chatcmpl-/)
    expect(typeof body.created).toBe('number')
    expect(body.choices).toHaveLength(1)
    const choice = body.choices[0]!
    expect(choice).toMatchObject({
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant' },
    })
    const content = contentOf(body)
    expect(content.length).toBeGreaterThan(0)
    expect(body.usage).toEqual({
      prompt_tokens: Math.ceil(37 / 4),
      completion_tokens: Math.ceil(content.length / 4),
      total_tokens: Math.ceil(37 / 4) + Math.ceil(content.length / 4),
    })
  })

  it('gives identical answers to identical requests and different ones otherwise', async () => {
    const request = { model: 'm', messages: USER }
    const [a, b] = await Promise.all([chatJson(stub, request), chatJson(stub, request)])
    expect(contentOf(a)).toBe(contentOf(b))
    expect(a.usage).toEqual(b.usage)
    const answers = new Set<string>()
    for (let i = 0; i < 20; i++) {
      answers.add(
        contentOf(await chatJson(stub, { messages: [{ role: 'user', content: `q${i}` }] })),
      )
    }
    expect(answers.size).toBeGreaterThan(5)
  })

  it('answers json_schema requests with JSON that conforms to the schema', async () => {
    for (let i = 0; i < 30; i++) {
      const body = await chatJson(stub, {
        model: 'm',
        messages: [{ role: 'user', content: `Grade answer ${i}` }],
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'grade', schema: judgeSchema, strict: true },
        },
      })
      const value = JSON.parse(contentOf(body)) as Record<string, unknown>
      expect(Object.keys(value).sort()).toEqual(['claims', 'explanation', 'pass', 'score'])
      expect(Number.isInteger(value.score)).toBe(true)
      expect(value.score).toBeGreaterThanOrEqual(1)
      expect(value.score).toBeLessThanOrEqual(10)
      expect(typeof value.pass).toBe('boolean')
      expect(typeof value.explanation).toBe('string')
      expect((value.claims as string[]).length).toBeGreaterThanOrEqual(2)
      expect((value.claims as string[]).length).toBeLessThanOrEqual(3)
    }
  })

  it('answers json_object and "JSON" prompts with { score, explanation }', async () => {
    for (const request of [
      { messages: USER, response_format: { type: 'json_object' } },
      { messages: [{ role: 'user', content: 'Rate it. Reply in JSON.' }] },
    ]) {
      const value = JSON.parse(contentOf(await chatJson(stub, request)))
      expect(Object.keys(value)).toEqual(['score', 'explanation'])
      expect([1, 2, 3, 4, 5]).toContain(value.score)
    }
  })

  it('returns a tool call when tool_choice requires it', async () => {
    const body = await chatJson(stub, {
      model: 'm',
      messages: USER,
      tools: [
        { type: 'function', function: { name: 'submit_grade', parameters: judgeSchema } },
        { type: 'function', function: { name: 'other', parameters: { type: 'object' } } },
      ],
      tool_choice: { type: 'function', function: { name: 'submit_grade' } },
    })
    const choice = body.choices[0]!
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBeNull()
    const call = choice.message.tool_calls?.[0]
    expect(call).toMatchObject({ type: 'function', function: { name: 'submit_grade' } })
    expect(call?.id).toMatch(/^call_/)
    const args = JSON.parse(call?.function.arguments ?? '')
    expect(args.score).toBeGreaterThanOrEqual(1)
    expect(args.score).toBeLessThanOrEqual(10)
    expect(body.usage.completion_tokens).toBe(
      Math.ceil(('submit_grade'.length + (call?.function.arguments.length ?? 0)) / 4),
    )
  })

  it('streams SSE chunks with a final usage chunk and [DONE]', async () => {
    const request = { model: 'm', messages: USER, response_format: { type: 'json_object' } }
    const whole = await chatJson(stub, request)
    const res = await postChat(stub, {
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const text = await res.text()
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''))
    expect(events.at(-1)).toBe('[DONE]')
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e))
    for (const chunk of chunks) expect(chunk.object).toBe('chat.completion.chunk')
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
    expect(content).toBe(contentOf(whole))
    expect(chunks[0].choices[0].delta.role).toBe('assistant')
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop')
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: whole.usage })

    const plain = await (await postChat(stub, { ...request, stream: true })).text()
    expect(plain).not.toContain('"usage"')
    expect(stub.stats().tokensBilled.completion).toBe(3 * whole.usage.completion_tokens)
  })

  it('streams tool calls as tool_calls deltas', async () => {
    const res = await postChat(stub, {
      messages: USER,
      stream: true,
      tools: [{ type: 'function', function: { name: 'grade', parameters: judgeSchema } }],
      tool_choice: 'required',
    })
    const chunks = (await res.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)))
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'grade' } })
    const args = deltas.map((d) => d.function.arguments).join('')
    expect(JSON.parse(args)).toHaveProperty('score')
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls')
  })

  it('uses the scripted answer option', async () => {
    const scripted = await startStubLlm({
      answer: (request) =>
        JSON.stringify(request.messages).includes('France') ? 'Paris' : undefined,
    })
    try {
      expect(contentOf(await chatJson(scripted, { messages: USER }))).toBe('Paris')
      const other = contentOf(
        await chatJson(scripted, { messages: [{ role: 'user', content: 'x' }] }),
      )
      expect(other).not.toBe('Paris')
    } finally {
      await scripted.close()
    }
  })

  it('lists models, 404s unknown routes and 400s malformed bodies', async () => {
    const models = await (await fetch(`${stub.url}/models`)).json()
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'stub-model', object: 'model' }] })

    const missing = await fetch(rootUrl(stub, '/v2/nothing'))
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /Unknown route/,
    )

    const bad = await postChat(stub, '{"messages": [')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error' } })
    const noMessages = await postChat(stub, { model: 'm' })
    expect(noMessages.status).toBe(400)
    expect(stub.stats()).toMatchObject({
      requestsStarted: 2,
      requestsFailed: 2,
      byFault: { badRequest: 2 },
    })
  })

  it('counts requests, bills usage and resets through HTTP', async () => {
    const before = performance.timeOrigin + performance.now()
    const a = await chatJson(stub, { messages: USER })
    const b = await chatJson(stub, { messages: USER, response_format: { type: 'json_object' } })
    const after = performance.timeOrigin + performance.now()
    const stats = (await (await fetch(rootUrl(stub, '/stats'))).json()) as StubStats
    expect(stats).toMatchObject({
      requestsStarted: 2,
      requestsFinished: 2,
      requestsFailed: 0,
      requestsAborted: 0,
      inFlight: 0,
      maxInFlight: 1,
      tokensBilled: {
        prompt: a.usage.prompt_tokens + b.usage.prompt_tokens,
        completion: a.usage.completion_tokens + b.usage.completion_tokens,
      },
    })
    expect(stats.startedAt).toHaveLength(2)
    expect(stats.startedAt[0]).toBeGreaterThanOrEqual(before)
    expect(stats.finishedAt[1]).toBeLessThanOrEqual(after)
    const slim = (await (await fetch(rootUrl(stub, '/stats?timestamps=0'))).json()) as StubStats
    expect(slim.startedAt).toEqual([])

    const reset = await fetch(rootUrl(stub, '/stats/reset'), { method: 'POST' })
    expect(reset.status).toBe(200)
    expect(stub.stats()).toMatchObject({ requestsStarted: 0, requestsFinished: 0, startedAt: [] })
  })

  it('is reconfigured through POST /config and rejects bad patches', async () => {
    const post = (patch: unknown) =>
      fetch(rootUrl(stub, '/config'), { method: 'POST', body: JSON.stringify(patch) })
    const ok = await post({ faults: { error500: 1 }, maxConcurrency: 8 })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ faults: { error500: 1 }, maxConcurrency: 8 })
    expect((await postChat(stub, { messages: USER })).status).toBe(500)

    expect((await post({ faults: { error500: 2 } })).status).toBe(400)
    expect((await post({ answer: 'x' })).status).toBe(400)
    expect((await fetch(rootUrl(stub, '/config'), { method: 'POST', body: '{' })).status).toBe(400)

    expect((await post({ faults: null, maxConcurrency: null })).status).toBe(200)
    const current = await (await fetch(rootUrl(stub, '/config'))).json()
    expect(current).toMatchObject({ faults: { error500: 0 }, maxConcurrency: null })
    expect((await postChat(stub, { messages: USER })).status).toBe(200)
  })

  it('completes 500 concurrent requests at latency 0', async () => {
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        chatJson(stub, { messages: [{ role: 'user', content: `load ${i % 50}` }] }),
      ),
    )
    expect(results).toHaveLength(500)
    expect(stub.stats()).toMatchObject({ requestsStarted: 500, requestsFinished: 500, inFlight: 0 })
  })
})
