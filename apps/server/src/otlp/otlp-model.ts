/*
 * The part of an OTLP ExportTraceServiceRequest that Assay reads, the same whichever encoding
 * (JSON or protobuf) it arrived in. Ids are lowercase hex ('' when absent), times are unsigned
 * nanoseconds since the epoch, int64 values are bigints (no precision lost on the way).
 */

export type AnyValue =
  | { kind: 'string'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'double'; value: number }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'array'; values: AnyValue[] }
  | { kind: 'kvlist'; values: KeyValue[] }
  /** An AnyValue with no variant set (protobuf) or `{}` (JSON). */
  | { kind: 'empty' }

export type KeyValue = { key: string; value: AnyValue }

/** OTLP's StatusCode: 0 unset, 1 ok, 2 error (anything else is read as unset). */
export type OtlpStatus = { code: number; message: string }

export type OtlpEvent = { timeUnixNano: bigint; name: string; attributes: KeyValue[] }

export type OtlpSpan = {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  startTimeUnixNano: bigint
  endTimeUnixNano: bigint
  attributes: KeyValue[]
  events: OtlpEvent[]
  status: OtlpStatus
}

export type OtlpScopeSpans = { spans: OtlpSpan[] }

export type OtlpResourceSpans = { resourceAttributes: KeyValue[]; scopeSpans: OtlpScopeSpans[] }

export type ExportTraceRequest = { resourceSpans: OtlpResourceSpans[] }

/** Nested arrays and key-value lists deeper than this are refused (they would exhaust the stack). */
export const MAX_VALUE_DEPTH = 32

export function emptySpan(): OtlpSpan {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: [],
    events: [],
    status: { code: 0, message: '' },
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function bytesToHex(bytes: Uint8Array): string {
  let hex = ''
  for (const byte of bytes) hex += HEX[byte]
  return hex
}

/** The offset of the first byte that is not well-formed UTF-8 (for the error message). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    let need: number
    let min: number
    if (b < 0x80) {
      i += 1
      continue
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2
      min = 0x800
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3
      min = 0x10000
    } else return i
    let cp = b & (0x3f >> need)
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (c & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i
    i += need + 1
  }
  return i
}
