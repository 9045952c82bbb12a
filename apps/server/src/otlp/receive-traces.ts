import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { AssayError, type Clock, type Repositories } from '@assay/core'
import { decodeJsonRequest } from './decode-json.js'
import { decodeProtobufRequest } from './decode-protobuf.js'
import { extractSpans } from './genai.js'
import type { ExportTraceRequest } from './otlp-model.js'

/*
 * The OTLP/HTTP trace receiver (POST /v1/traces), at the service level: the HTTP route reads the
 * body (readLimitedBody), authenticates the API token, picks the project, and calls
 * receiveTraces; it answers with encodeExportResponse in the request's encoding.
 */

const gunzipAsync = promisify(gunzip)

export type OtlpLimits = {
  /** The largest body accepted as sent (compressed or not). */
  maxBodyBytes: number
  /** The largest body accepted after gzip decompression. */
  maxDecodedBytes: number
}

export const DEFAULT_OTLP_LIMITS: OtlpLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
}

export type OtlpEncoding = 'json' | 'protobuf'

/** The body's encoding from its Content-Type; `invalid_input` for any other media type. */
export function otlpEncodingOf(contentType: string | null | undefined): OtlpEncoding {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (media === 'application/json') return 'json'
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf'
  throw new AssayError(
    'invalid_input',
    `unsupported Content-Type ${JSON.stringify(contentType ?? '')}: OTLP/HTTP bodies are application/x-protobuf or application/json`,
    { position: { field: 'Content-Type' } },
  )
}

/**
 * Reads a request body, refusing it (`limit_exceeded`) as soon as it passes `maxBytes`, so an
 * oversized body is never held in memory whole.
 */
export async function readLimitedBody(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number = DEFAULT_OTLP_LIMITS.maxBodyBytes,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of source) {
    total += chunk.length
    if (total > maxBytes) throw tooLarge(maxBytes)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, total)
}

function tooLarge(maxBytes: number): AssayError {
  return new AssayError(
    'limit_exceeded',
    `the request body is over the OTLP size limit of ${maxBytes} bytes`,
  )
}

/** The body without its Content-Encoding: identity or gzip, decompressed within the limit. */
export async function decodeContentEncoding(
  body: Uint8Array,
  contentEncoding: string | null | undefined,
  limits: OtlpLimits = DEFAULT_OTLP_LIMITS,
): Promise<Uint8Array> {
  if (body.length > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes)
  const encoding = (contentEncoding ?? '').trim().toLowerCase()
  if (encoding === '' || encoding === 'identity') return body
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new AssayError(
      'invalid_input',
      `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}: use gzip or none`,
      { position: { field: 'Content-Encoding' } },
    )
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: limits.maxDecodedBytes })
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new AssayError(
        'limit_exceeded',
        `the request body is over the OTLP size limit of ${limits.maxDecodedBytes} bytes once decompressed`,
        { cause: error },
      )
    }
    throw new AssayError(
      'invalid_input',
      `the gzip-encoded body cannot be decompressed: ${(error as Error).message}`,
      { cause: error },
    )
  }
}

/** Decodes an uncompressed ExportTraceServiceRequest in the given encoding. */
export function decodeExportRequest(body: Uint8Array, encoding: OtlpEncoding): ExportTraceRequest {
  return encoding === 'json' ? decodeJsonRequest(body) : decodeProtobufRequest(body)
}

export type ReceiveTracesInput = {
  body: Uint8Array
  contentType: string | null | undefined
  contentEncoding?: string | null | undefined
  /** The project of the API token that sent the request. */
  projectId: string
  repos: Pick<Repositories, 'spans'>
  clock: Pick<Clock, 'isoNow'>
  limits?: OtlpLimits
}

/**
 * What was done with a request, in the shape of OTLP's partial success: `accepted` spans are
 * stored (a re-sent span counts as accepted and is stored once), `rejected` GenAI spans could
 * not be stored (`errorMessage` says why), `skipped` spans carried no `gen_ai.*` attribute.
 */
export type ReceiveTracesResult = {
  accepted: number
  rejected: number
  skipped: number
  errorMessage: string
}

/**
 * Receives one OTLP/HTTP trace export: checks the size, decompresses, decodes, extracts the GenAI
 * spans and stores them in one transaction. A malformed body is `invalid_input` (naming the byte
 * offset or JSON path), an oversized one `limit_exceeded`; then nothing is stored.
 */
export async function receiveTraces(input: ReceiveTracesInput): Promise<ReceiveTracesResult> {
  const limits = input.limits ?? DEFAULT_OTLP_LIMITS
  if (input.body.length > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes)
  const encoding = otlpEncodingOf(input.contentType)
  const body = await decodeContentEncoding(input.body, input.contentEncoding, limits)
  const request = decodeExportRequest(body, encoding)
  const extracted = extractSpans(request, {
    projectId: input.projectId,
    receivedAt: input.clock.isoNow(),
  })
  const stored = await input.repos.spans.insertMany(extracted.spans)
  const more = extracted.rejected - extracted.reasons.length
  return {
    accepted: stored.inserted + stored.duplicates,
    rejected: extracted.rejected,
    skipped: extracted.skipped,
    errorMessage:
      extracted.rejected === 0
        ? ''
        : `${extracted.rejected} span(s) rejected: ${extracted.reasons.join('; ')}${more > 0 ? `; and ${more} more` : ''}`,
  }
}

/**
 * The ExportTraceServiceResponse for a result, in the request's encoding: empty when every span
 * was taken, else `partial_success` with the rejected count and message.
 */
export function encodeExportResponse(
  result: Pick<ReceiveTracesResult, 'rejected' | 'errorMessage'>,
  encoding: OtlpEncoding,
): { contentType: string; body: Uint8Array } {
  const partial = result.rejected > 0 || result.errorMessage !== ''
  if (encoding === 'json') {
    const json = partial
      ? {
          partialSuccess: {
            rejectedSpans: String(result.rejected),
            errorMessage: result.errorMessage,
          },
        }
      : {}
    return {
      contentType: 'application/json',
      body: new TextEncoder().encode(JSON.stringify(json)),
    }
  }
  const bytes: number[] = []
  if (partial) {
    const inner: number[] = []
    if (result.rejected > 0) inner.push(0x08, ...varint(result.rejected))
    const message = new TextEncoder().encode(result.errorMessage)
    if (message.length > 0) inner.push(0x12, ...varint(message.length), ...message)
    bytes.push(0x0a, ...varint(inner.length), ...inner)
  }
  return { contentType: 'application/x-protobuf', body: Uint8Array.from(bytes) }
}

function varint(value: number): number[] {
  const out: number[] = []
  let v = value
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return out
}
