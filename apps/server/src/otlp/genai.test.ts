import { describe, expect, it } from 'vitest'
import { decodeJsonRequest } from './decode-json.js'
import { decodeProtobufRequest } from './decode-protobuf.js'
import { extractSpans } from './genai.js'
import {
  encodeRequest,
  PARENT_ID,
  realisticRequest,
  SPAN_ID,
  START_NANOS,
  TRACE_ID,
} from './otlp-test-fixtures.js'

const context = { projectId: 'prj_1', receivedAt: '2026-01-10T12:00:05.000Z' }

type Attr = { key: string; value: Record<string, unknown> }
const s = (key: string, value: string): Attr => ({ key, value: { stringValue: value } })
const i = (key: string, value: number): Attr => ({ key, value: { intValue: value } })

function spanJson(patch: Record<string, unknown>): Record<string, unknown> {
  return {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    name: 'chat',
    startTimeUnixNano: START_NANOS,
    endTimeUnixNano: START_NANOS,
    ...patch,
  }
}

function extract(spans: Record<string, unknown>[], resource: Attr[] = [s('service.name', 'svc')]) {
  const body = { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans }] }] }
  return extractSpans(decodeJsonRequest(new TextEncoder().encode(JSON.stringify(body))), context)
}

function one(attributes: Attr[], events: unknown[] = []) {
  const out = extract([spanJson({ attributes, events })])
  expect(out.spans).toHaveLength(1)
  return out.spans[0]!
}

describe('extractSpans', () => {
  it('turns a realistic export into span records, skipping the span without gen_ai', () => {
    const request = decodeProtobufRequest(encodeRequest(realisticRequest()))
    const out = extractSpans(request, context)
    expect(out.skipped).toBe(1)
    expect(out.rejected).toBe(0)
    expect(out.spans).toEqual([
      {
        projectId: 'prj_1',
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        parentSpanId: PARENT_ID,
        serviceName: 'support-bot',
        spanName: 'chat gpt-4o',
        model: 'gpt-4o',
        startTime: '2026-01-10T12:00:00.123Z',
        endTime: '2026-01-10T12:00:01.623Z',
        latencyMs: 1500,
        status: 'ok',
        statusMessage: null,
        inputTokens: 25,
        outputTokens: 9,
        input: 'system: You are a helpful assistant.\n\nuser: What is the capital of France?',
        output: 'Paris.',
        requestId: 'chatcmpl-AbC123',
        receivedAt: context.receivedAt,
      },
      {
        projectId: 'prj_1',
        traceId: TRACE_ID,
        spanId: '00000000000000aa',
        parentSpanId: null,
        serviceName: 'support-bot',
        spanName: 'chat claude-sonnet-4',
        model: 'claude-sonnet-4-20250514',
        startTime: '2026-01-10T12:00:00.123Z',
        endTime: '2026-01-10T12:00:00.123Z',
        latencyMs: 0,
        status: 'error',
        statusMessage: 'overloaded_error',
        inputTokens: 7,
        outputTokens: 3,
        input: 'Say hi in French.',
        output: 'Salut !',
        requestId: null,
        receivedAt: context.receivedAt,
      },
    ])
  })

  it('reads the model from the request, else the response', () => {
    expect(one([s('gen_ai.request.model', 'a'), s('gen_ai.response.model', 'b')]).model).toBe('a')
    expect(one([s('gen_ai.response.model', 'b')]).model).toBe('b')
    expect(one([s('gen_ai.system', 'openai')]).model).toBeNull()
  })

  it('reads token counts, new names before the older ones, ignoring nonsense', () => {
    const span = one([
      i('gen_ai.usage.input_tokens', 10),
      i('gen_ai.usage.prompt_tokens', 99),
      i('gen_ai.usage.completion_tokens', 4),
    ])
    expect([span.inputTokens, span.outputTokens]).toEqual([10, 4])
    const odd = one([
      { key: 'gen_ai.usage.input_tokens', value: { doubleValue: 12 } },
      i('gen_ai.usage.output_tokens', -3),
    ])
    expect([odd.inputTokens, odd.outputTokens]).toEqual([12, null])
    expect(one([s('gen_ai.usage.input_tokens', '15')]).inputTokens).toBe(15)
    expect(
      one([{ key: 'gen_ai.usage.input_tokens', value: { doubleValue: 1.5 } }]).inputTokens,
    ).toBeNull()
  })

  describe('prompt and completion, attribute form', () => {
    it('gen_ai.prompt / gen_ai.completion as plain text', () => {
      const span = one([s('gen_ai.prompt', 'Hello?'), s('gen_ai.completion', 'Hi!')])
      expect([span.input, span.output]).toEqual(['Hello?', 'Hi!'])
    })

    it('gen_ai.prompt / gen_ai.completion as JSON messages', () => {
      const span = one([
        s('gen_ai.prompt', JSON.stringify([{ role: 'user', content: 'Capital of Spain?' }])),
        s(
          'gen_ai.completion',
          JSON.stringify([{ role: 'assistant', content: [{ type: 'text', text: 'Madrid.' }] }]),
        ),
      ])
      expect([span.input, span.output]).toEqual(['Capital of Spain?', 'Madrid.'])
    })

    it('indexed gen_ai.prompt.N.content in index order, with roles', () => {
      const span = one([
        s('gen_ai.prompt.10.content', 'last'),
        s('gen_ai.prompt.2.role', 'user'),
        s('gen_ai.prompt.2.content', 'second'),
        s('gen_ai.prompt.0.content', 'first'),
        s('gen_ai.completion.1.content', 'choice b'),
        s('gen_ai.completion.0.content', 'choice a'),
      ])
      expect(span.input).toBe('first\n\nuser: second\n\nlast')
      expect(span.output).toBe('choice a\n\nchoice b')
    })

    it('gen_ai.input.messages / gen_ai.output.messages (parts), as JSON text or structured', () => {
      const input = [
        { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
        {
          role: 'user',
          parts: [
            { type: 'text', content: 'Weather in Paris?' },
            { type: 'text', content: 'In °C.' },
          ],
        },
      ]
      const output = [
        {
          role: 'assistant',
          parts: [
            { type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Paris' } },
          ],
          finish_reason: 'tool_call',
        },
      ]
      const span = one([
        s('gen_ai.input.messages', JSON.stringify(input)),
        s('gen_ai.output.messages', JSON.stringify(output)),
        s('gen_ai.prompt', 'ignored: the structured form wins'),
      ])
      expect(span.input).toBe('system: Be brief.\n\nuser: Weather in Paris?\nIn °C.')
      expect(span.output).toBe(
        '{"type":"tool_call","id":"call_1","name":"weather","arguments":{"city":"Paris"}}',
      )
      const structured = one([
        {
          key: 'gen_ai.output.messages',
          value: {
            arrayValue: {
              values: [
                {
                  kvlistValue: {
                    values: [
                      { key: 'role', value: { stringValue: 'assistant' } },
                      {
                        key: 'parts',
                        value: {
                          arrayValue: {
                            values: [
                              {
                                kvlistValue: {
                                  values: [
                                    { key: 'type', value: { stringValue: 'text' } },
                                    { key: 'content', value: { stringValue: 'Sunny.' } },
                                  ],
                                },
                              },
                            ],
                          },
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        },
      ])
      expect(structured.output).toBe('Sunny.')
    })
  })

  describe('prompt and completion, event form', () => {
    it('role events in order, content in attributes or a JSON gen_ai.event.content', () => {
      const span = one(
        [s('gen_ai.system', 'openai')],
        [
          { name: 'gen_ai.system.message', attributes: [s('content', 'Be kind.')] },
          {
            name: 'gen_ai.user.message',
            attributes: [s('gen_ai.event.content', JSON.stringify({ content: 'Hi there' }))],
          },
          { name: 'gen_ai.assistant.message', attributes: [s('content', 'Hello!')] },
          { name: 'gen_ai.user.message', attributes: [s('gen_ai.system', 'openai')] },
          { name: 'unrelated', attributes: [s('content', 'not a message')] },
          {
            name: 'gen_ai.choice',
            attributes: [
              i('index', 1),
              s('message', JSON.stringify({ role: 'assistant', content: 'Second choice' })),
            ],
          },
          {
            name: 'gen_ai.choice',
            attributes: [
              i('index', 0),
              s('gen_ai.event.content', JSON.stringify({ message: { content: 'First choice' } })),
            ],
          },
        ],
      )
      expect(span.input).toBe('system: Be kind.\n\nuser: Hi there\n\nassistant: Hello!')
      expect(span.output).toBe('First choice\n\nassistant: Second choice')
    })

    it('older content events and the inference details event', () => {
      const older = one(
        [],
        [
          { name: 'gen_ai.content.prompt', attributes: [s('gen_ai.prompt', 'Old prompt')] },
          { name: 'gen_ai.content.completion', attributes: [s('gen_ai.completion', 'Old answer')] },
        ],
      )
      expect([older.input, older.output]).toEqual(['Old prompt', 'Old answer'])
      const details = one(
        [s('gen_ai.request.model', 'm')],
        [
          {
            name: 'gen_ai.client.inference.operation.details',
            attributes: [
              s(
                'gen_ai.input.messages',
                '[{"role":"user","parts":[{"type":"text","content":"Q"}]}]',
              ),
              s(
                'gen_ai.output.messages',
                '[{"role":"assistant","parts":[{"type":"text","content":"A"}]}]',
              ),
            ],
          },
        ],
      )
      expect([details.input, details.output]).toEqual(['Q', 'A'])
    })

    it('no content recorded gives null input and output', () => {
      const span = one([s('gen_ai.request.model', 'm')], [{ name: 'gen_ai.user.message' }])
      expect([span.input, span.output]).toEqual([null, null])
    })
  })

  it('counts a span as GenAI when only an event carries gen_ai', () => {
    const out = extract([
      spanJson({ events: [{ name: 'gen_ai.user.message', attributes: [s('content', 'x')] }] }),
      spanJson({ spanId: '1111111111111111', attributes: [s('llm.model', 'x')] }),
    ])
    expect([out.spans.length, out.skipped]).toEqual([1, 1])
  })

  it('rejects GenAI spans it cannot store, naming where and why', () => {
    const genai = [s('gen_ai.request.model', 'm')]
    const out = extract([
      spanJson({ attributes: genai, traceId: '' }),
      spanJson({ attributes: genai, spanId: '0000000000000000' }),
      spanJson({ attributes: genai, spanId: 'abcd' }),
      spanJson({ attributes: genai, name: '' }),
      spanJson({ attributes: genai, startTimeUnixNano: '0' }),
      spanJson({ attributes: genai, endTimeUnixNano: '1' }),
      spanJson({ attributes: genai, parentSpanId: 'aa' }),
      spanJson({ attributes: genai, spanId: '2222222222222222', parentSpanId: '0000000000000000' }),
    ])
    expect(out.rejected).toBe(7)
    expect(out.spans).toHaveLength(1)
    expect(out.spans[0]!.parentSpanId).toBeNull()
    expect(out.reasons).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[0]: trace id "" is not 16 bytes, or is all zero',
      'resourceSpans[0].scopeSpans[0].spans[1]: span id "0000000000000000" is not 8 bytes, or is all zero',
      'resourceSpans[0].scopeSpans[0].spans[2]: span id "abcd" is not 8 bytes, or is all zero',
      'resourceSpans[0].scopeSpans[0].spans[3]: the span has no name',
      'resourceSpans[0].scopeSpans[0].spans[4]: the span has no start time',
    ])
  })

  it('uses unknown_service without service.name and cleans text it cannot store', () => {
    const out = extract(
      [spanJson({ attributes: [s('gen_ai.prompt', 'a\u0000b\ud800c')], name: 'x\u0000' })],
      [],
    )
    expect(out.spans[0]).toMatchObject({
      serviceName: 'unknown_service',
      spanName: 'x\ufffd',
      input: 'a\ufffdb\ufffdc',
    })
  })

  it('keeps latency to the microsecond', () => {
    const out = extract([
      spanJson({
        attributes: [s('gen_ai.request.model', 'm')],
        endTimeUnixNano: String(BigInt(START_NANOS) + 1_234_567_891n),
      }),
    ])
    expect(out.spans[0]!.latencyMs).toBe(1234.568)
  })
})
