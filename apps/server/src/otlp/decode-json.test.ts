import { AssayError } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { decodeJsonRequest } from './decode-json.js'
import { decodeProtobufRequest } from './decode-protobuf.js'
import {
  encodeRequest,
  realisticJson,
  realisticRequest,
  SPAN_ID,
  TRACE_ID,
} from './otlp-test-fixtures.js'

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

function refusal(body: Uint8Array | unknown): AssayError {
  try {
    decodeJsonRequest(body instanceof Uint8Array ? body : encode(body))
  } catch (error) {
    expect(error).toBeInstanceOf(AssayError)
    expect((error as AssayError).code).toBe('invalid_input')
    return error as AssayError
  }
  throw new Error('expected the body to be refused')
}

/** A request with one span (OTLP JSON shape). */
function oneSpan(span: Record<string, unknown>): Record<string, unknown> {
  return { resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }
}

function firstSpan(body: unknown) {
  return decodeJsonRequest(encode(body)).resourceSpans[0]!.scopeSpans[0]!.spans[0]!
}

describe('decodeJsonRequest', () => {
  it('decodes a realistic export exactly as its protobuf encoding decodes', () => {
    const fromJson = decodeJsonRequest(encode(realisticJson()))
    const fromProtobuf = decodeProtobufRequest(encodeRequest(realisticRequest()))
    expect(fromJson).toEqual(fromProtobuf)
    expect(fromJson.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId).toBe(TRACE_ID)
  })

  it('accepts int64 as strings or numbers, enum names, snake_case names, upper-case hex, null', () => {
    const span = firstSpan({
      resource_spans: [
        {
          resource: null,
          scope_spans: [
            {
              spans: [
                {
                  trace_id: TRACE_ID.toUpperCase(),
                  spanId: SPAN_ID,
                  parentSpanId: '',
                  name: 'chat',
                  start_time_unix_nano: 1768046400123000000,
                  endTimeUnixNano: '1768046401623000456',
                  attributes: [
                    { key: 'a', value: { intValue: '-9223372036854775808' } },
                    { key: 'b', value: { int_value: 42 } },
                    { key: 'c', value: { doubleValue: 'NaN' } },
                    { key: 'd', value: { doubleValue: '-1.5e3' } },
                    { key: 'e', value: { bytesValue: 'AAH/' } },
                    { key: 'f', value: { kvlistValue: { values: [{ key: 'g', value: {} }] } } },
                    { key: 'h', value: null },
                    { key: 'i', value: { boolValue: false } },
                    { key: 'j', value: { arrayValue: {} } },
                  ],
                  events: null,
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  kind: 'SPAN_KIND_CLIENT',
                  somethingNew: { ignored: true },
                },
              ],
            },
          ],
        },
      ],
    })
    expect(span.traceId).toBe(TRACE_ID)
    expect(span.startTimeUnixNano).toBe(BigInt(1768046400123000000))
    expect(span.endTimeUnixNano).toBe(1768046401623000456n)
    expect(span.status).toEqual({ code: 2, message: 'boom' })
    const byKey = Object.fromEntries(span.attributes.map((a) => [a.key, a.value]))
    expect(byKey.a).toEqual({ kind: 'int', value: -9223372036854775808n })
    expect(byKey.b).toEqual({ kind: 'int', value: 42n })
    expect(byKey.c).toEqual({ kind: 'double', value: Number.NaN })
    expect(byKey.d).toEqual({ kind: 'double', value: -1500 })
    expect(byKey.e).toEqual({ kind: 'bytes', value: Uint8Array.from([0, 1, 255]) })
    expect(byKey.f).toEqual({ kind: 'kvlist', values: [{ key: 'g', value: { kind: 'empty' } }] })
    expect(byKey.h).toEqual({ kind: 'empty' })
    expect(byKey.i).toEqual({ kind: 'bool', value: false })
    expect(byKey.j).toEqual({ kind: 'array', values: [] })
  })

  it('reads {} as an empty request and accepts a UTF-8 body with unicode', () => {
    expect(decodeJsonRequest(encode({}))).toEqual({ resourceSpans: [] })
    expect(firstSpan(oneSpan({ name: 'réponse 😀' })).name).toBe('réponse 😀')
  })

  describe('refuses malformed bodies, naming the JSON path', () => {
    it('bad JSON', () => {
      const error = refusal(new TextEncoder().encode('{"resourceSpans": [}'))
      expect(error.message).toMatch(/^invalid OTLP JSON body: not valid JSON \(.+\)$/)
      expect(refusal(new Uint8Array()).message).toContain('not valid JSON')
    })

    it('invalid UTF-8, with its byte offset', () => {
      const body = Uint8Array.from([...new TextEncoder().encode('{"a":"'), 0xc3, 0x28, 0x22, 0x7d])
      expect(refusal(body).message).toBe('invalid OTLP JSON body: invalid UTF-8 at byte offset 6')
    })

    it('bad hex ids', () => {
      const path = '$.resourceSpans[0].scopeSpans[0].spans[0]'
      expect(refusal(oneSpan({ traceId: 'not-hex' })).message).toBe(
        `invalid OTLP JSON body: ${path}.traceId: expected a hex-encoded id, got the string "not-hex"`,
      )
      expect(refusal(oneSpan({ spanId: 'abc' })).position?.field).toBe(`${path}.spanId`)
      expect(refusal(oneSpan({ parentSpanId: 12 })).message).toContain(
        `${path}.parentSpanId: expected a string, got number 12`,
      )
      // Base64 ids (protobuf's default JSON bytes) are refused, not misread.
      expect(refusal(oneSpan({ traceId: 'W47/95gDgQPSabYzgT/GDA==' })).message).toContain(
        'expected a hex-encoded id',
      )
    })

    it('wrong shapes and values', () => {
      expect(refusal([]).message).toBe(
        'invalid OTLP JSON body: $: expected an object, got an array',
      )
      expect(refusal({ resourceSpans: {} }).message).toContain(
        '$.resourceSpans: expected an array, got an object',
      )
      expect(refusal(oneSpan({ startTimeUnixNano: '12.5' })).message).toContain(
        'spans[0].startTimeUnixNano: expected an unsigned 64-bit integer',
      )
      expect(refusal(oneSpan({ endTimeUnixNano: -1 })).message).toContain(
        'spans[0].endTimeUnixNano: an unsigned 64-bit integer out of range',
      )
      expect(refusal(oneSpan({ status: { code: 'BROKEN' } })).message).toContain(
        'spans[0].status.code: expected a status code',
      )
      expect(
        refusal(
          oneSpan({ attributes: [{ key: 'x', value: { intValue: '99999999999999999999' } }] }),
        ).message,
      ).toContain('spans[0].attributes[0].value.intValue: a 64-bit integer out of range')
      expect(
        refusal(oneSpan({ attributes: [{ key: 'x', value: { boolValue: 'yes' } }] })).message,
      ).toContain('attributes[0].value.boolValue: expected true or false')
      expect(refusal(oneSpan({ events: [{ attributes: [{ key: 1 }] }] })).message).toContain(
        'spans[0].events[0].attributes[0].key: expected a string, got number 1',
      )
      expect(
        refusal(oneSpan({ attributes: [{ key: 'b', value: { bytesValue: '@@' } }] })).message,
      ).toContain('attributes[0].value.bytesValue: expected base64')
    })

    it('values nested too deeply', () => {
      let value: Record<string, unknown> = { stringValue: 'deep' }
      for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value] } }
      expect(refusal(oneSpan({ attributes: [{ key: 'd', value }] })).message).toContain(
        'values nested deeper than 32 levels',
      )
    })
  })
})
