import { AssayError } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { decodeProtobufRequest } from './decode-protobuf.js'
import {
  END_NANOS,
  encodeRequest,
  idBytes,
  PARENT_ID,
  realisticRequest,
  SPAN_ID,
  START_NANOS,
  str,
  TRACE_ID,
} from './otlp-test-fixtures.js'

function refusal(body: Uint8Array): AssayError {
  try {
    decodeProtobufRequest(body)
  } catch (error) {
    expect(error).toBeInstanceOf(AssayError)
    expect((error as AssayError).code).toBe('invalid_input')
    return error as AssayError
  }
  throw new Error('expected the body to be refused')
}

/** A request with one span holding the given fields (protobufjs object form). */
function oneSpan(span: Record<string, unknown>, resource: unknown[] = []): Uint8Array {
  return encodeRequest({
    resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans: [span] }] }],
  })
}

describe('decodeProtobufRequest (checked against protobufjs)', () => {
  it('decodes a realistic export: ids, names, times, attributes, events, status', () => {
    const request = decodeProtobufRequest(encodeRequest(realisticRequest()))
    expect(request.resourceSpans).toHaveLength(1)
    const resource = request.resourceSpans[0]!
    expect(resource.resourceAttributes[0]).toEqual({
      key: 'service.name',
      value: { kind: 'string', value: 'support-bot' },
    })
    const spans = resource.scopeSpans[0]!.spans
    expect(spans).toHaveLength(3)
    const chat = spans[0]!
    expect(chat.traceId).toBe(TRACE_ID)
    expect(chat.spanId).toBe(SPAN_ID)
    expect(chat.parentSpanId).toBe(PARENT_ID)
    expect(chat.name).toBe('chat gpt-4o')
    expect(chat.startTimeUnixNano).toBe(BigInt(START_NANOS))
    expect(chat.endTimeUnixNano).toBe(BigInt(END_NANOS))
    expect(chat.status).toEqual({ code: 1, message: '' })
    expect(chat.attributes).toContainEqual({
      key: 'gen_ai.usage.input_tokens',
      value: { kind: 'int', value: 25n },
    })
    expect(chat.attributes).toContainEqual({
      key: 'gen_ai.request.temperature',
      value: { kind: 'double', value: 0.2 },
    })
    expect(chat.attributes).toContainEqual({
      key: 'gen_ai.response.finish_reasons',
      value: { kind: 'array', values: [{ kind: 'string', value: 'stop' }] },
    })
    const events = spans[1]!.events
    expect(events.map((e) => e.name)).toEqual(['gen_ai.user.message', 'gen_ai.choice'])
    expect(events[0]!.timeUnixNano).toBe(BigInt(START_NANOS))
    expect(events[1]!.attributes[0]!.value).toEqual({
      kind: 'kvlist',
      values: [
        { key: 'index', value: { kind: 'int', value: 0n } },
        { key: 'finish_reason', value: { kind: 'string', value: 'end_turn' } },
        {
          key: 'message',
          value: {
            kind: 'kvlist',
            values: [{ key: 'content', value: { kind: 'string', value: 'Salut !' } }],
          },
        },
      ],
    })
    expect(spans[1]!.status).toEqual({ code: 2, message: 'overloaded_error' })
    expect(spans[1]!.parentSpanId).toBe('')
  })

  it('decodes every AnyValue variant, int64 extremes and unicode', () => {
    const body = oneSpan({
      traceId: idBytes(TRACE_ID),
      spanId: idBytes(SPAN_ID),
      name: 'span 😀 東京',
      attributes: [
        { key: 'min', value: { intValue: '-9223372036854775808' } },
        { key: 'max', value: { intValue: '9223372036854775807' } },
        { key: 'neg', value: { intValue: -1 } },
        { key: 'bool', value: { boolValue: true } },
        { key: 'false', value: { boolValue: false } },
        { key: 'double', value: { doubleValue: -1.5e300 } },
        { key: 'bytes', value: { bytesValue: Uint8Array.from([0, 1, 255]) } },
        { key: 'empty', value: {} },
        { key: 'none' },
        { key: 'text', value: { stringValue: 'naïve 𝄞\n"q"' } },
        {
          key: 'nested',
          value: {
            arrayValue: {
              values: [
                { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'x' }] } },
                { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } },
              ],
            },
          },
        },
      ],
      startTimeUnixNano: '18446744073709551615',
      endTimeUnixNano: '18446744073709551615',
    })
    const span = decodeProtobufRequest(body).resourceSpans[0]!.scopeSpans[0]!.spans[0]!
    expect(span.name).toBe('span 😀 東京')
    expect(span.startTimeUnixNano).toBe(18446744073709551615n)
    const byKey = Object.fromEntries(span.attributes.map((a) => [a.key, a.value]))
    expect(byKey.min).toEqual({ kind: 'int', value: -9223372036854775808n })
    expect(byKey.max).toEqual({ kind: 'int', value: 9223372036854775807n })
    expect(byKey.neg).toEqual({ kind: 'int', value: -1n })
    expect(byKey.bool).toEqual({ kind: 'bool', value: true })
    expect(byKey.false).toEqual({ kind: 'bool', value: false })
    expect(byKey.double).toEqual({ kind: 'double', value: -1.5e300 })
    expect(byKey.bytes).toEqual({ kind: 'bytes', value: Uint8Array.from([0, 1, 255]) })
    expect(byKey.empty).toEqual({ kind: 'empty' })
    expect(byKey.none).toEqual({ kind: 'empty' })
    expect(byKey.text).toEqual({ kind: 'string', value: 'naïve 𝄞\n"q"' })
    expect(byKey.nested).toEqual({
      kind: 'array',
      values: [
        {
          kind: 'array',
          values: [
            { kind: 'int', value: 1n },
            { kind: 'string', value: 'x' },
          ],
        },
        { kind: 'kvlist', values: [{ key: 'k', value: { kind: 'bool', value: true } }] },
      ],
    })
  })

  it('skips fields it does not read (links, trace state, flags, unknown fields)', () => {
    const known = oneSpan({
      traceId: idBytes(TRACE_ID),
      spanId: idBytes(SPAN_ID),
      name: 'n',
      traceState: 'vendor=1',
      flags: 0x101,
      kind: 3,
      droppedAttributesCount: 2,
      links: [
        { traceId: idBytes(TRACE_ID), spanId: idBytes(SPAN_ID), attributes: [str('a', 'b')] },
      ],
    })
    // An unknown field 99 of each wire type appended to the request.
    const unknown = Uint8Array.from([
      ...[0x98, 0x06, 0x96, 0x01], // field 99, varint 150
      ...[0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8], // field 99, 64-bit
      ...[0x9a, 0x06, 0x02, 0xff, 0xfe], // field 99, 2 bytes (not UTF-8: never read)
      ...[0x9d, 0x06, 1, 2, 3, 4], // field 99, 32-bit
    ])
    const request = decodeProtobufRequest(Uint8Array.from([...known, ...unknown]))
    const span = request.resourceSpans[0]!.scopeSpans[0]!.spans[0]!
    expect(span).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, name: 'n', events: [] })
  })

  it('reads an empty body as an empty request', () => {
    expect(decodeProtobufRequest(new Uint8Array())).toEqual({ resourceSpans: [] })
  })

  it('decodes many spans the way protobufjs encoded them', () => {
    const spans = Array.from({ length: 500 }, (_, i) => ({
      traceId: idBytes(TRACE_ID),
      spanId: idBytes(i.toString(16).padStart(16, '1')),
      name: `span ${i}`,
      startTimeUnixNano: String(BigInt(START_NANOS) + BigInt(i) * 1000n),
      endTimeUnixNano: String(BigInt(END_NANOS) + BigInt(i)),
      attributes: [str('gen_ai.request.model', `m${i % 7}`), { key: 'i', value: { intValue: i } }],
    }))
    const request = decodeProtobufRequest(
      encodeRequest({ resourceSpans: [{ scopeSpans: [{ spans }] }] }),
    )
    const decoded = request.resourceSpans[0]!.scopeSpans[0]!.spans
    expect(decoded).toHaveLength(500)
    decoded.forEach((span, i) => {
      expect(span.name).toBe(`span ${i}`)
      expect(span.startTimeUnixNano).toBe(BigInt(START_NANOS) + BigInt(i) * 1000n)
      expect(span.attributes[1]!.value).toEqual({ kind: 'int', value: BigInt(i) })
    })
  })

  describe('refuses malformed bodies, naming the byte offset and field', () => {
    const valid = oneSpan({ traceId: idBytes(TRACE_ID), spanId: idBytes(SPAN_ID), name: 'chat' })

    it('a truncated body (every cut of a valid one)', () => {
      let refused = 0
      for (let cut = 1; cut < valid.length; cut++) {
        try {
          decodeProtobufRequest(valid.subarray(0, cut))
        } catch (error) {
          expect((error as AssayError).code).toBe('invalid_input')
          expect((error as AssayError).message).toMatch(/at byte offset \d+/)
          refused += 1
        }
      }
      // Every cut ends inside a length-delimited message, so every cut is refused.
      expect(refused).toBe(valid.length - 1)
    })

    it('a truncated varint', () => {
      const error = refusal(Uint8Array.from([0x0a, 0x80]))
      expect(error.message).toBe(
        'invalid OTLP protobuf body: truncated varint at byte offset 1 (in resourceSpans[0])',
      )
      expect(refusal(Uint8Array.from([0x88])).message).toContain(
        'truncated varint at byte offset 0',
      )
    })

    it('a varint longer than 10 bytes', () => {
      // An unknown field 99 whose varint never ends within 10 bytes.
      const error = refusal(Uint8Array.from([0x98, 0x06, ...new Array(11).fill(0xff), 0x01]))
      expect(error.message).toContain('varint longer than 10 bytes at byte offset 2')
    })

    it('a wrong wire type on a field it reads', () => {
      // Span.name (field 5) sent as a varint.
      const span = [0x28, 0x01]
      const scope = [0x12, span.length, ...span]
      const resource = [0x12, scope.length, ...scope]
      const error = refusal(Uint8Array.from([0x0a, resource.length, ...resource]))
      expect(error.message).toBe(
        'invalid OTLP protobuf body: field 5 (name) has wire type 0 (varint); expected 2 (length-delimited) at byte offset 6 (in resourceSpans[0].scopeSpans[0].spans[0])',
      )
      expect(error.position?.field).toBe('resourceSpans[0].scopeSpans[0].spans[0]')
      // resource_spans (field 1) as a 32-bit value.
      expect(refusal(Uint8Array.from([0x0d, 1, 2, 3, 4])).message).toContain(
        'field 1 (resourceSpans) has wire type 5 (32-bit); expected 2',
      )
    })

    it('a length running past its message', () => {
      const error = refusal(Uint8Array.from([0x0a, 0x03, 0x12, 0x10, 0x00]))
      expect(error.message).toContain('length 16 runs past the end of its message (1 bytes left)')
      expect(error.message).toContain('at byte offset 3')
    })

    it('invalid UTF-8 in a string it reads', () => {
      const span = [0x2a, 0x02, 0xc3, 0x28] // name = bytes C3 28
      const scope = [0x12, span.length, ...span]
      const resource = [0x12, scope.length, ...scope]
      expect(refusal(Uint8Array.from([0x0a, resource.length, ...resource])).message).toContain(
        'invalid UTF-8 in a string at byte offset 8',
      )
    })

    it('groups and field number 0', () => {
      expect(refusal(Uint8Array.from([0x9b, 0x06])).message).toContain(
        'unsupported wire type 3 (start-group) at byte offset 0',
      )
      expect(refusal(Uint8Array.from([0x00, 0x00])).message).toContain('invalid field number 0')
    })

    it('values nested too deeply', () => {
      let value: Record<string, unknown> = { stringValue: 'deep' }
      for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } }
      const body = oneSpan({ name: 'x', attributes: [{ key: 'deep', value }] })
      expect(refusal(body).message).toContain('values nested deeper than 32 levels')
    })
  })
})
