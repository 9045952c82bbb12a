import { AssayError } from '@assay/core'
import {
  type AnyValue,
  type ExportTraceRequest,
  emptySpan,
  firstInvalidUtf8,
  type KeyValue,
  MAX_VALUE_DEPTH,
  type OtlpEvent,
  type OtlpResourceSpans,
  type OtlpScopeSpans,
  type OtlpSpan,
} from './otlp-model.js'

/*
 * An ExportTraceServiceRequest in the OTLP JSON encoding: protobuf's JSON mapping with OTLP's
 * exceptions (trace and span ids as hex, not base64). Field names are lowerCamelCase (the
 * original snake_case names are accepted too, as protobuf JSON parsers do); int64 and fixed64
 * values may be strings or numbers; enums may be numbers or names; unknown fields are ignored;
 * `null` means absent. Anything else is refused, naming the JSON path.
 */

type Json = unknown
type Obj = Record<string, Json>

const utf8 = new TextDecoder('utf-8', { fatal: true })

function fail(path: string, message: string): never {
  throw new AssayError('invalid_input', `invalid OTLP JSON body: ${path}: ${message}`, {
    position: { field: path },
  })
}

/** Decodes a JSON-encoded ExportTraceServiceRequest. */
export function decodeJsonRequest(body: Uint8Array): ExportTraceRequest {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new AssayError(
      'invalid_input',
      `invalid OTLP JSON body: invalid UTF-8 at byte offset ${firstInvalidUtf8(body)}`,
      { details: { byteOffset: firstInvalidUtf8(body) } },
    )
  }
  let root: Json
  try {
    root = JSON.parse(text)
  } catch (error) {
    throw new AssayError(
      'invalid_input',
      `invalid OTLP JSON body: not valid JSON (${(error as Error).message})`,
      { cause: error },
    )
  }
  const request = object(root, '$')
  return {
    resourceSpans: array(field(request, 'resourceSpans', 'resource_spans'), '$.resourceSpans').map(
      (item, i) => resourceSpans(item, `$.resourceSpans[${i}]`),
    ),
  }
}

/** A field by its JSON name or its original proto name; null reads as absent. */
function field(obj: Obj, camel: string, snake?: string): Json {
  const value = Object.hasOwn(obj, camel) ? obj[camel] : snake ? obj[snake] : undefined
  return value === null ? undefined : value
}

function object(value: Json, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(path, `expected an object, got ${describe(value)}`)
  }
  return value as Obj
}

function optionalObject(value: Json, path: string): Obj {
  return value === undefined ? {} : object(value, path)
}

function array(value: Json, path: string): Json[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`)
  return value
}

function string(value: Json, path: string): string {
  if (value === undefined) return ''
  if (typeof value !== 'string') fail(path, `expected a string, got ${describe(value)}`)
  return value
}

function describe(value: Json): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${JSON.stringify(truncate(value))}`
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${String(value)}`
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

/** A trace or span id: hex digits (either case), an even number of them; '' when absent. */
function hexId(value: Json, path: string): string {
  const text = string(value, path)
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
    fail(path, `expected a hex-encoded id, got ${describe(text)}`)
  }
  return text.toLowerCase()
}

const UINT64_MAX = (1n << 64n) - 1n
const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n

/** An integer given as a JSON number or a decimal string, within [min, max]. */
function integer(value: Json, path: string, min: bigint, max: bigint, what: string): bigint {
  if (value === undefined) return 0n
  let result: bigint
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) fail(path, `expected ${what}, got ${describe(value)}`)
    result = BigInt(value)
  } else if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) {
    result = BigInt(value)
  } else {
    return fail(path, `expected ${what} (a number or a decimal string), got ${describe(value)}`)
  }
  if (result < min || result > max) fail(path, `${what} out of range: ${String(value)}`)
  return result
}

function nanos(value: Json, path: string): bigint {
  return integer(value, path, 0n, UINT64_MAX, 'an unsigned 64-bit integer')
}

function double(value: Json, path: string): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN
    if (value === 'Infinity') return Number.POSITIVE_INFINITY
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY
    if (/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(value)) return Number(value)
  }
  return fail(path, `expected a number, got ${describe(value)}`)
}

function base64(value: Json, path: string): Uint8Array {
  const text = string(value, path)
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    fail(path, `expected base64, got ${describe(text)}`)
  }
  return new Uint8Array(Buffer.from(text, 'base64'))
}

const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
}

function statusCode(value: Json, path: string): number {
  if (value === undefined) return 0
  if (typeof value === 'string') {
    const code = STATUS_CODES[value]
    if (code === undefined) {
      fail(path, `expected a status code (0, 1, 2 or STATUS_CODE_…), got ${describe(value)}`)
    }
    return code
  }
  return Number(integer(value, path, -(1n << 31n), (1n << 31n) - 1n, 'a status code'))
}

function resourceSpans(value: Json, path: string): OtlpResourceSpans {
  const obj = object(value, path)
  const resource = optionalObject(field(obj, 'resource'), `${path}.resource`)
  return {
    resourceAttributes: attributes(field(resource, 'attributes'), `${path}.resource.attributes`),
    scopeSpans: array(field(obj, 'scopeSpans', 'scope_spans'), `${path}.scopeSpans`).map(
      (item, i) => scopeSpans(item, `${path}.scopeSpans[${i}]`),
    ),
  }
}

function scopeSpans(value: Json, path: string): OtlpScopeSpans {
  const obj = object(value, path)
  return {
    spans: array(field(obj, 'spans'), `${path}.spans`).map((item, i) =>
      span(item, `${path}.spans[${i}]`),
    ),
  }
}

function span(value: Json, path: string): OtlpSpan {
  const obj = object(value, path)
  const out = emptySpan()
  out.traceId = hexId(field(obj, 'traceId', 'trace_id'), `${path}.traceId`)
  out.spanId = hexId(field(obj, 'spanId', 'span_id'), `${path}.spanId`)
  out.parentSpanId = hexId(field(obj, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`)
  out.name = string(field(obj, 'name'), `${path}.name`)
  out.startTimeUnixNano = nanos(
    field(obj, 'startTimeUnixNano', 'start_time_unix_nano'),
    `${path}.startTimeUnixNano`,
  )
  out.endTimeUnixNano = nanos(
    field(obj, 'endTimeUnixNano', 'end_time_unix_nano'),
    `${path}.endTimeUnixNano`,
  )
  out.attributes = attributes(field(obj, 'attributes'), `${path}.attributes`)
  out.events = array(field(obj, 'events'), `${path}.events`).map((item, i) =>
    event(item, `${path}.events[${i}]`),
  )
  const status = optionalObject(field(obj, 'status'), `${path}.status`)
  out.status = {
    code: statusCode(field(status, 'code'), `${path}.status.code`),
    message: string(field(status, 'message'), `${path}.status.message`),
  }
  return out
}

function event(value: Json, path: string): OtlpEvent {
  const obj = object(value, path)
  return {
    timeUnixNano: nanos(field(obj, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    name: string(field(obj, 'name'), `${path}.name`),
    attributes: attributes(field(obj, 'attributes'), `${path}.attributes`),
  }
}

function attributes(value: Json, path: string, depth = 0): KeyValue[] {
  return array(value, path).map((item, i) => keyValue(item, `${path}[${i}]`, depth))
}

function keyValue(value: Json, path: string, depth: number): KeyValue {
  const obj = object(value, path)
  return {
    key: string(field(obj, 'key'), `${path}.key`),
    value: anyValue(field(obj, 'value'), `${path}.value`, depth),
  }
}

const VARIANTS = [
  ['stringValue', 'string_value'],
  ['boolValue', 'bool_value'],
  ['intValue', 'int_value'],
  ['doubleValue', 'double_value'],
  ['arrayValue', 'array_value'],
  ['kvlistValue', 'kvlist_value'],
  ['bytesValue', 'bytes_value'],
] as const

function anyValue(value: Json, path: string, depth: number): AnyValue {
  if (depth >= MAX_VALUE_DEPTH) fail(path, `values nested deeper than ${MAX_VALUE_DEPTH} levels`)
  if (value === undefined) return { kind: 'empty' }
  const obj = object(value, path)
  for (const [camel, snake] of VARIANTS) {
    const v = field(obj, camel, snake)
    if (v === undefined) continue
    const at = `${path}.${camel}`
    switch (camel) {
      case 'stringValue':
        return { kind: 'string', value: string(v, at) }
      case 'boolValue':
        if (typeof v !== 'boolean') fail(at, `expected true or false, got ${describe(v)}`)
        return { kind: 'bool', value: v }
      case 'intValue':
        return { kind: 'int', value: integer(v, at, INT64_MIN, INT64_MAX, 'a 64-bit integer') }
      case 'doubleValue':
        return { kind: 'double', value: double(v, at) }
      case 'arrayValue': {
        const inner = object(v, at)
        return {
          kind: 'array',
          values: array(field(inner, 'values'), `${at}.values`).map((item, i) =>
            anyValue(item, `${at}.values[${i}]`, depth + 1),
          ),
        }
      }
      case 'kvlistValue': {
        const inner = object(v, at)
        return {
          kind: 'kvlist',
          values: attributes(field(inner, 'values'), `${at}.values`, depth + 1),
        }
      }
      case 'bytesValue':
        return { kind: 'bytes', value: base64(v, at) }
    }
  }
  return { kind: 'empty' }
}
