import { AssayError } from '@assay/core'
import {
  type AnyValue,
  bytesToHex,
  type ExportTraceRequest,
  emptySpan,
  firstInvalidUtf8,
  type KeyValue,
  MAX_VALUE_DEPTH,
  type OtlpEvent,
  type OtlpResourceSpans,
  type OtlpScopeSpans,
  type OtlpSpan,
  type OtlpStatus,
} from './otlp-model.js'

/*
 * A protobuf wire-format decoder for the few messages of opentelemetry/proto/collector/trace/v1
 * that Assay reads (ExportTraceServiceRequest → ResourceSpans → ScopeSpans → Span, with Status,
 * Event, KeyValue and AnyValue). Fields it does not read are skipped by wire type, as protobuf
 * requires; a field it reads with the wrong wire type, a truncated value, invalid UTF-8 in a
 * string, or a length past its message's end is refused, naming the byte offset and the field.
 */

const WIRE_VARINT = 0
const WIRE_I64 = 1
const WIRE_LEN = 2
const WIRE_I32 = 5

const WIRE_NAMES: Record<number, string> = {
  0: 'varint',
  1: '64-bit',
  2: 'length-delimited',
  3: 'start-group',
  4: 'end-group',
  5: '32-bit',
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

class Reader {
  pos = 0
  /** Where each enclosing message started being read, for error messages. */
  private readonly path: string[] = []
  private readonly view: DataView

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  fail(message: string, at = this.pos): never {
    const where = this.path.length > 0 ? ` (in ${this.path.join('.')})` : ''
    throw new AssayError(
      'invalid_input',
      `invalid OTLP protobuf body: ${message} at byte offset ${at}${where}`,
      { position: { field: this.path.join('.') || 'body' }, details: { byteOffset: at } },
    )
  }

  enter(segment: string): void {
    this.path.push(segment)
  }

  leave(): void {
    this.path.pop()
  }

  /** An unsigned varint as a number (exact up to 2^53; larger values only need to be big). */
  varint(end: number): number {
    const start = this.pos
    let value = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail('truncated varint', start)
      const byte = this.buf[this.pos++] as number
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 128
    }
    return this.fail('varint longer than 10 bytes', start)
  }

  /** A varint as a signed 64-bit integer (protobuf int64). */
  int64(end: number): bigint {
    const start = this.pos
    let value = 0n
    let shift = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail('truncated varint', start)
      const byte = this.buf[this.pos++] as number
      value |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) return BigInt.asIntN(64, value)
      shift += 7n
    }
    return this.fail('varint longer than 10 bytes', start)
  }

  fixed64(end: number): bigint {
    if (this.pos + 8 > end) this.fail('truncated 64-bit value')
    const value = this.view.getBigUint64(this.pos, true)
    this.pos += 8
    return value
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail('truncated 64-bit value')
    const value = this.view.getFloat64(this.pos, true)
    this.pos += 8
    return value
  }

  /** The end offset of a length-delimited field whose length prefix starts here. */
  lengthEnd(end: number): number {
    const start = this.pos
    const length = this.varint(end)
    if (length > end - this.pos) {
      this.fail(
        `length ${length} runs past the end of its message (${end - this.pos} bytes left)`,
        start,
      )
    }
    return this.pos + length
  }

  bytes(end: number): Uint8Array {
    const stop = this.lengthEnd(end)
    const bytes = this.buf.subarray(this.pos, stop)
    this.pos = stop
    return bytes
  }

  string(end: number): string {
    const bytes = this.bytes(end)
    try {
      return utf8.decode(bytes)
    } catch {
      const at = this.pos - bytes.length + firstInvalidUtf8(bytes)
      return this.fail('invalid UTF-8 in a string', at)
    }
  }

  /** The next tag: field number and wire type. */
  tag(end: number): { field: number; wire: number; at: number } {
    const at = this.pos
    const tag = this.varint(end)
    const field = Math.floor(tag / 8)
    const wire = tag % 8
    if (field === 0 || field > 0x1fffffff) this.fail(`invalid field number ${field}`, at)
    return { field, wire, at }
  }

  /** Skips a field the decoder does not read. */
  skip(wire: number, end: number, at: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint(end)
        return
      case WIRE_I64:
        if (this.pos + 8 > end) this.fail('truncated 64-bit value')
        this.pos += 8
        return
      case WIRE_LEN:
        this.pos = this.lengthEnd(end)
        return
      case WIRE_I32:
        if (this.pos + 4 > end) this.fail('truncated 32-bit value')
        this.pos += 4
        return
      default:
        this.fail(`unsupported wire type ${wire} (${WIRE_NAMES[wire] ?? 'unknown'})`, at)
    }
  }

  /** Refuses a known field sent with another wire type. */
  expect(tag: { field: number; wire: number; at: number }, wire: number, name: string): void {
    if (tag.wire !== wire) {
      this.fail(
        `field ${tag.field} (${name}) has wire type ${tag.wire} (${WIRE_NAMES[tag.wire] ?? 'unknown'}); expected ${wire} (${WIRE_NAMES[wire]})`,
        tag.at,
      )
    }
  }
}

/** Decodes a protobuf-encoded ExportTraceServiceRequest. */
export function decodeProtobufRequest(body: Uint8Array): ExportTraceRequest {
  const r = new Reader(body)
  const end = body.length
  const request: ExportTraceRequest = { resourceSpans: [] }
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag.field === 1) {
      r.expect(tag, WIRE_LEN, 'resourceSpans')
      r.enter(`resourceSpans[${request.resourceSpans.length}]`)
      request.resourceSpans.push(resourceSpans(r, r.lengthEnd(end)))
      r.leave()
    } else r.skip(tag.wire, end, tag.at)
  }
  return request
}

function resourceSpans(r: Reader, end: number): OtlpResourceSpans {
  const out: OtlpResourceSpans = { resourceAttributes: [], scopeSpans: [] }
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag.field === 1) {
      r.expect(tag, WIRE_LEN, 'resource')
      r.enter('resource')
      const stop = r.lengthEnd(end)
      while (r.pos < stop) {
        const inner = r.tag(stop)
        if (inner.field === 1) {
          r.expect(inner, WIRE_LEN, 'attributes')
          r.enter(`attributes[${out.resourceAttributes.length}]`)
          out.resourceAttributes.push(keyValue(r, r.lengthEnd(stop), 0))
          r.leave()
        } else r.skip(inner.wire, stop, inner.at)
      }
      r.leave()
    } else if (tag.field === 2) {
      r.expect(tag, WIRE_LEN, 'scopeSpans')
      r.enter(`scopeSpans[${out.scopeSpans.length}]`)
      out.scopeSpans.push(scopeSpans(r, r.lengthEnd(end)))
      r.leave()
    } else r.skip(tag.wire, end, tag.at)
  }
  return out
}

function scopeSpans(r: Reader, end: number): OtlpScopeSpans {
  const out: OtlpScopeSpans = { spans: [] }
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag.field === 2) {
      r.expect(tag, WIRE_LEN, 'spans')
      r.enter(`spans[${out.spans.length}]`)
      out.spans.push(span(r, r.lengthEnd(end)))
      r.leave()
    } else r.skip(tag.wire, end, tag.at)
  }
  return out
}

function span(r: Reader, end: number): OtlpSpan {
  const out = emptySpan()
  while (r.pos < end) {
    const tag = r.tag(end)
    switch (tag.field) {
      case 1:
        r.expect(tag, WIRE_LEN, 'traceId')
        out.traceId = bytesToHex(r.bytes(end))
        break
      case 2:
        r.expect(tag, WIRE_LEN, 'spanId')
        out.spanId = bytesToHex(r.bytes(end))
        break
      case 4:
        r.expect(tag, WIRE_LEN, 'parentSpanId')
        out.parentSpanId = bytesToHex(r.bytes(end))
        break
      case 5:
        r.expect(tag, WIRE_LEN, 'name')
        out.name = r.string(end)
        break
      case 7:
        r.expect(tag, WIRE_I64, 'startTimeUnixNano')
        out.startTimeUnixNano = r.fixed64(end)
        break
      case 8:
        r.expect(tag, WIRE_I64, 'endTimeUnixNano')
        out.endTimeUnixNano = r.fixed64(end)
        break
      case 9:
        r.expect(tag, WIRE_LEN, 'attributes')
        r.enter(`attributes[${out.attributes.length}]`)
        out.attributes.push(keyValue(r, r.lengthEnd(end), 0))
        r.leave()
        break
      case 11:
        r.expect(tag, WIRE_LEN, 'events')
        r.enter(`events[${out.events.length}]`)
        out.events.push(event(r, r.lengthEnd(end)))
        r.leave()
        break
      case 15:
        r.expect(tag, WIRE_LEN, 'status')
        r.enter('status')
        status(r, r.lengthEnd(end), out.status)
        r.leave()
        break
      default:
        r.skip(tag.wire, end, tag.at)
    }
  }
  return out
}

function event(r: Reader, end: number): OtlpEvent {
  const out: OtlpEvent = { timeUnixNano: 0n, name: '', attributes: [] }
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag.field === 1) {
      r.expect(tag, WIRE_I64, 'timeUnixNano')
      out.timeUnixNano = r.fixed64(end)
    } else if (tag.field === 2) {
      r.expect(tag, WIRE_LEN, 'name')
      out.name = r.string(end)
    } else if (tag.field === 3) {
      r.expect(tag, WIRE_LEN, 'attributes')
      r.enter(`attributes[${out.attributes.length}]`)
      out.attributes.push(keyValue(r, r.lengthEnd(end), 0))
      r.leave()
    } else r.skip(tag.wire, end, tag.at)
  }
  return out
}

/** Status fields merge into `out`, as a repeated embedded message does in protobuf. */
function status(r: Reader, end: number, out: OtlpStatus): void {
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag.field === 2) {
      r.expect(tag, WIRE_LEN, 'message')
      out.message = r.string(end)
    } else if (tag.field === 3) {
      r.expect(tag, WIRE_VARINT, 'code')
      out.code = r.varint(end)
    } else r.skip(tag.wire, end, tag.at)
  }
}

function keyValue(r: Reader, end: number, depth: number): KeyValue {
  const out: KeyValue = { key: '', value: { kind: 'empty' } }
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag.field === 1) {
      r.expect(tag, WIRE_LEN, 'key')
      out.key = r.string(end)
    } else if (tag.field === 2) {
      r.expect(tag, WIRE_LEN, 'value')
      r.enter('value')
      out.value = anyValue(r, r.lengthEnd(end), depth)
      r.leave()
    } else r.skip(tag.wire, end, tag.at)
  }
  return out
}

function anyValue(r: Reader, end: number, depth: number): AnyValue {
  if (depth >= MAX_VALUE_DEPTH) r.fail(`values nested deeper than ${MAX_VALUE_DEPTH} levels`)
  let out: AnyValue = { kind: 'empty' }
  while (r.pos < end) {
    const tag = r.tag(end)
    switch (tag.field) {
      case 1:
        r.expect(tag, WIRE_LEN, 'stringValue')
        out = { kind: 'string', value: r.string(end) }
        break
      case 2:
        r.expect(tag, WIRE_VARINT, 'boolValue')
        out = { kind: 'bool', value: r.varint(end) !== 0 }
        break
      case 3:
        r.expect(tag, WIRE_VARINT, 'intValue')
        out = { kind: 'int', value: r.int64(end) }
        break
      case 4:
        r.expect(tag, WIRE_I64, 'doubleValue')
        out = { kind: 'double', value: r.double(end) }
        break
      case 5: {
        r.expect(tag, WIRE_LEN, 'arrayValue')
        const stop = r.lengthEnd(end)
        const values: AnyValue[] = []
        r.enter('arrayValue')
        while (r.pos < stop) {
          const inner = r.tag(stop)
          if (inner.field === 1) {
            r.expect(inner, WIRE_LEN, 'values')
            r.enter(`values[${values.length}]`)
            values.push(anyValue(r, r.lengthEnd(stop), depth + 1))
            r.leave()
          } else r.skip(inner.wire, stop, inner.at)
        }
        r.leave()
        out = { kind: 'array', values }
        break
      }
      case 6: {
        r.expect(tag, WIRE_LEN, 'kvlistValue')
        const stop = r.lengthEnd(end)
        const values: KeyValue[] = []
        r.enter('kvlistValue')
        while (r.pos < stop) {
          const inner = r.tag(stop)
          if (inner.field === 1) {
            r.expect(inner, WIRE_LEN, 'values')
            r.enter(`values[${values.length}]`)
            values.push(keyValue(r, r.lengthEnd(stop), depth + 1))
            r.leave()
          } else r.skip(inner.wire, stop, inner.at)
        }
        r.leave()
        out = { kind: 'kvlist', values }
        break
      }
      case 7:
        r.expect(tag, WIRE_LEN, 'bytesValue')
        out = { kind: 'bytes', value: new Uint8Array(r.bytes(end)) }
        break
      default:
        r.skip(tag.wire, end, tag.at)
    }
  }
  return out
}
