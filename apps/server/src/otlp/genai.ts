import { SPAN_MAX_TOKENS, type SpanInput, type SpanStatus } from '@assay/core'
import type { AnyValue, ExportTraceRequest, KeyValue, OtlpEvent, OtlpSpan } from './otlp-model.js'

/*
 * From OTLP spans to Assay's span records, reading the OpenTelemetry GenAI semantic conventions
 * (docs/production-data.md lists every attribute read). A span without any `gen_ai.*` attribute
 * (on the span or one of its events) is not an LLM call: it is skipped. A GenAI span that cannot
 * be stored (bad ids, no name, no start time, ends before it starts) is rejected with a reason.
 */

/** How long a model, service or span name may be; longer ones are cut. */
const MAX_NAME_CHARS = 1024
/** How many rejection reasons the partial-success message lists. */
const MAX_REASONS = 5

export type ExtractedSpans = {
  spans: SpanInput[]
  skipped: number
  rejected: number
  /** The first few rejection reasons, each naming the span's place in the request. */
  reasons: string[]
}

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain }

/** A message of a prompt or completion; `role` is null when the source does not say. */
type Message = { role: string | null; text: string }

/** Every GenAI span of a request, as records ready for `repos.spans.insertMany`. */
export function extractSpans(
  request: ExportTraceRequest,
  context: { projectId: string; receivedAt: string },
): ExtractedSpans {
  const out: ExtractedSpans = { spans: [], skipped: 0, rejected: 0, reasons: [] }
  request.resourceSpans.forEach((resource, r) => {
    const resourceAttributes = attributeMap(resource.resourceAttributes)
    const service = resourceAttributes.get('service.name')
    const serviceName =
      service?.kind === 'string' && service.value !== ''
        ? clean(service.value).slice(0, MAX_NAME_CHARS)
        : 'unknown_service'
    resource.scopeSpans.forEach((scope, s) => {
      scope.spans.forEach((span, i) => {
        if (!isGenAi(span)) {
          out.skipped += 1
          return
        }
        const record = toRecord(span, serviceName, context)
        if (typeof record === 'string') {
          out.rejected += 1
          if (out.reasons.length < MAX_REASONS) {
            out.reasons.push(`resourceSpans[${r}].scopeSpans[${s}].spans[${i}]: ${record}`)
          }
        } else out.spans.push(record)
      })
    })
  })
  return out
}

function isGenAi(span: OtlpSpan): boolean {
  const genAi = (kv: KeyValue) => kv.key.startsWith('gen_ai.')
  return (
    span.attributes.some(genAi) ||
    span.events.some((e) => e.name.startsWith('gen_ai.') || e.attributes.some(genAi))
  )
}

/** The span record, or why the span cannot be stored. */
function toRecord(
  span: OtlpSpan,
  serviceName: string,
  context: { projectId: string; receivedAt: string },
): SpanInput | string {
  if (!/^[0-9a-f]{32}$/.test(span.traceId) || /^0+$/.test(span.traceId)) {
    return `trace id "${span.traceId}" is not 16 bytes, or is all zero`
  }
  if (!/^[0-9a-f]{16}$/.test(span.spanId) || /^0+$/.test(span.spanId)) {
    return `span id "${span.spanId}" is not 8 bytes, or is all zero`
  }
  let parentSpanId: string | null = null
  if (span.parentSpanId !== '' && !/^0{16}$/.test(span.parentSpanId)) {
    if (!/^[0-9a-f]{16}$/.test(span.parentSpanId)) {
      return `parent span id "${span.parentSpanId}" is not 8 bytes`
    }
    parentSpanId = span.parentSpanId
  }
  if (span.name === '') return 'the span has no name'
  if (span.startTimeUnixNano === 0n) return 'the span has no start time'
  if (span.endTimeUnixNano < span.startTimeUnixNano) return 'the span ends before it starts'

  const attrs = attributeMap(span.attributes)
  const status: SpanStatus =
    span.status.code === 1 ? 'ok' : span.status.code === 2 ? 'error' : 'unset'
  const model = text(attrs.get('gen_ai.request.model')) || text(attrs.get('gen_ai.response.model'))
  return {
    projectId: context.projectId,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId,
    serviceName,
    spanName: clean(span.name).slice(0, MAX_NAME_CHARS),
    model: model ? clean(model).slice(0, MAX_NAME_CHARS) : null,
    startTime: isoOf(span.startTimeUnixNano),
    endTime: isoOf(span.endTimeUnixNano),
    latencyMs: Math.round(Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1000) / 1000,
    status,
    statusMessage: span.status.message === '' ? null : clean(span.status.message),
    inputTokens: tokens(attrs, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'),
    outputTokens: tokens(attrs, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'),
    input: nullIfEmpty(inputText(attrs, span.events)),
    output: nullIfEmpty(outputText(attrs, span.events)),
    requestId: nullIfEmpty(clean(text(attrs.get('gen_ai.response.id')))),
    receivedAt: context.receivedAt,
  }
}

/** Nanoseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (uint64 nanoseconds stay in range). */
function isoOf(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString()
}

/** Attributes by key; a repeated key keeps its last value. */
function attributeMap(attributes: readonly KeyValue[]): Map<string, AnyValue> {
  return new Map(attributes.map((kv) => [kv.key, kv.value]))
}

function tokens(attrs: Map<string, AnyValue>, key: string, legacy: string): number | null {
  for (const name of [key, legacy]) {
    const value = attrs.get(name)
    let n: number | null = null
    if (value?.kind === 'int') n = Number(value.value)
    else if (value?.kind === 'double') n = value.value
    else if (value?.kind === 'string' && /^\s*\d+\s*$/.test(value.value)) n = Number(value.value)
    if (n !== null && Number.isInteger(n) && n >= 0 && n <= SPAN_MAX_TOKENS) return n
  }
  return null
}

/** The prompt: attribute forms first, then the event form. */
function inputText(attrs: Map<string, AnyValue>, events: readonly OtlpEvent[]): string {
  const structured = attrs.get('gen_ai.input.messages')
  if (structured) return render(messagesOf(plain(structured)))
  const prompt = attrs.get('gen_ai.prompt')
  if (prompt) return render(messagesOf(plain(prompt)))
  const indexed = indexedMessages(attrs, 'gen_ai.prompt')
  if (indexed.length > 0) return render(indexed)
  const messages: Message[] = []
  for (const event of events) {
    const eventAttrs = attributeMap(event.attributes)
    const role = /^gen_ai\.(system|user|assistant|tool)\.message$/.exec(event.name)?.[1]
    if (role) messages.push(...eventMessages(eventAttrs, role))
    else if (eventAttrs.has('gen_ai.input.messages')) {
      messages.push(...messagesOf(plain(eventAttrs.get('gen_ai.input.messages'))))
    } else if (event.name === 'gen_ai.content.prompt' && eventAttrs.has('gen_ai.prompt')) {
      messages.push(...messagesOf(plain(eventAttrs.get('gen_ai.prompt'))))
    }
  }
  return render(messages)
}

/** The completion: attribute forms first, then the event form. */
function outputText(attrs: Map<string, AnyValue>, events: readonly OtlpEvent[]): string {
  const structured = attrs.get('gen_ai.output.messages')
  if (structured) return render(messagesOf(plain(structured)))
  const completion = attrs.get('gen_ai.completion')
  if (completion) return render(messagesOf(plain(completion)))
  const indexed = indexedMessages(attrs, 'gen_ai.completion')
  if (indexed.length > 0) return render(indexed)
  const choices: { index: number; order: number; messages: Message[] }[] = []
  events.forEach((event, order) => {
    const eventAttrs = attributeMap(event.attributes)
    let messages: Message[] = []
    if (event.name === 'gen_ai.choice') messages = eventMessages(eventAttrs, null)
    else if (eventAttrs.has('gen_ai.output.messages')) {
      messages = messagesOf(plain(eventAttrs.get('gen_ai.output.messages')))
    } else if (event.name === 'gen_ai.content.completion' && eventAttrs.has('gen_ai.completion')) {
      messages = messagesOf(plain(eventAttrs.get('gen_ai.completion')))
    }
    if (messages.length === 0) return
    const index = eventAttrs.get('index') ?? indexInBody(eventAttrs)
    choices.push({ index: index?.kind === 'int' ? Number(index.value) : order, order, messages })
  })
  choices.sort((a, b) => a.index - b.index || a.order - b.order)
  return render(choices.flatMap((c) => c.messages))
}

function indexInBody(eventAttrs: Map<string, AnyValue>): AnyValue | undefined {
  const body = eventAttrs.get('body')
  return body?.kind === 'kvlist' ? body.values.find((kv) => kv.key === 'index')?.value : undefined
}

/** `prefix.0.content`, `prefix.0.role`, `prefix.1.content`, … in index order. */
function indexedMessages(attrs: Map<string, AnyValue>, prefix: string): Message[] {
  const found: { index: number; message: Message }[] = []
  const pattern = new RegExp(`^${prefix.replaceAll('.', '\\.')}\\.(\\d+)\\.content$`)
  for (const [key, value] of attrs) {
    const match = pattern.exec(key)
    if (!match) continue
    const role = attrs.get(`${prefix}.${match[1]}.role`)
    found.push({
      index: Number(match[1]),
      message: { role: role?.kind === 'string' ? role.value : null, text: textOf(plain(value)) },
    })
  }
  return found.sort((a, b) => a.index - b.index).map((f) => f.message)
}

/**
 * The message(s) of a GenAI event: its `body` (structured or JSON text), `gen_ai.event.content`
 * (JSON text), or its `content` or `message` attribute (text, JSON text or structured).
 */
function eventMessages(eventAttrs: Map<string, AnyValue>, role: string | null): Message[] {
  const body =
    eventAttrs.get('body') ??
    eventAttrs.get('gen_ai.event.content') ??
    eventAttrs.get('content') ??
    eventAttrs.get('message')
  if (!body) return []
  const payload = parsed(plain(body))
  const explicitRole = eventAttrs.get('role') ?? eventAttrs.get('gen_ai.role')
  const messages = messagesOf(payload)
  const fallback = explicitRole?.kind === 'string' ? explicitRole.value : role
  return messages.map((m) => ({ role: m.role ?? fallback, text: m.text }))
}

/** A JSON text that holds an object or array, parsed; anything else as it is. */
function parsed(value: Plain): Plain {
  if (typeof value !== 'string') return value
  const trimmed = value.trim()
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return value
  try {
    return JSON.parse(trimmed) as Plain
  } catch {
    return value
  }
}

/** Messages out of the many shapes instrumentations use (see docs/production-data.md). */
function messagesOf(value: Plain): Message[] {
  const v = parsed(value)
  if (v === null) return []
  if (Array.isArray(v)) return v.flatMap((item) => messagesOf(item))
  if (typeof v === 'object') {
    if (Array.isArray(v.messages)) return messagesOf(v.messages)
    if (Array.isArray(v.choices)) return messagesOf(v.choices)
    const role = typeof v.role === 'string' ? v.role : null
    const inner = parsed(v.message ?? null)
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
      return messagesOf(inner).map((m) => ({ role: m.role ?? role, text: m.text }))
    }
    const text = textOf(v)
    return text === '' ? [] : [{ role, text }]
  }
  const text = textOf(v)
  return text === '' ? [] : [{ role: null, text }]
}

/** The text of a message or of its content: strings as they are, text parts joined. */
function textOf(value: Plain): string {
  if (value === null) return ''
  if (typeof value === 'string') return clean(value)
  if (typeof value !== 'object') return String(value)
  if (Array.isArray(value)) {
    return value
      .map((part) => textOf(part))
      .filter((t) => t !== '')
      .join('\n')
  }
  for (const key of ['content', 'parts', 'text']) {
    const inner = value[key]
    if (inner !== undefined && inner !== null) return textOf(inner)
  }
  // A part that is not text (a tool call, an image): kept as JSON.
  return clean(JSON.stringify(value))
}

/** One message is its text; several are `role: text` blocks separated by blank lines. */
function render(messages: readonly Message[]): string {
  if (messages.length === 1) return messages[0]?.text ?? ''
  return messages.map((m) => (m.role ? `${m.role}: ${m.text}` : m.text)).join('\n\n')
}

/** An attribute value as plain JSON-like data: kvlists are objects, big ints strings. */
function plain(value: AnyValue | undefined): Plain {
  if (!value) return null
  switch (value.kind) {
    case 'string':
    case 'bool':
      return value.value
    case 'int':
      return Number.isSafeInteger(Number(value.value)) ? Number(value.value) : String(value.value)
    case 'double':
      return Number.isFinite(value.value) ? value.value : String(value.value)
    case 'bytes':
      return Buffer.from(value.value).toString('base64')
    case 'array':
      return value.values.map(plain)
    case 'kvlist': {
      const obj: Record<string, Plain> = {}
      for (const kv of value.values) obj[kv.key] = plain(kv.value)
      return obj
    }
    case 'empty':
      return null
  }
}

/** A scalar attribute as text ('' when absent or structured). */
function text(value: AnyValue | undefined): string {
  if (!value) return ''
  if (value.kind === 'string') return value.value
  if (value.kind === 'int' || value.kind === 'double' || value.kind === 'bool') {
    return String(value.value)
  }
  return ''
}

function nullIfEmpty(value: string): string | null {
  return value === '' ? null : value
}

/** Text storable everywhere: NUL and lone surrogates become U+FFFD. */
function clean(value: string): string {
  return value.replace(
    /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  )
}
