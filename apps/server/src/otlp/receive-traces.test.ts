import { gzipSync } from 'node:zlib'
import { AssayError, type Repositories } from '@assay/core'
import {
  createFixedClock,
  createMemoryRepositories,
  createPlainSecretBox,
  createSeqIds,
} from '@assay/core/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  ExportTraceServiceResponse,
  encodeRequest,
  realisticJson,
  realisticRequest,
  SPAN_ID,
  TRACE_ID,
} from './otlp-test-fixtures.js'
import {
  DEFAULT_OTLP_LIMITS,
  encodeExportResponse,
  otlpEncodingOf,
  readLimitedBody,
  receiveTraces,
} from './receive-traces.js'

const JSON_TYPE = 'application/json'
const PROTOBUF_TYPE = 'application/x-protobuf'
const everything = (projectId: string) => ({
  projectId,
  from: '2000-01-01T00:00:00Z',
  to: '2100-01-01T00:00:00Z',
})

let repos: Repositories
let projectId: string
const clock = createFixedClock(Date.UTC(2026, 0, 10, 12, 0, 5))

beforeEach(async () => {
  repos = createMemoryRepositories({
    ids: createSeqIds(),
    clock,
    secretBox: createPlainSecretBox(),
  })
  projectId = (await repos.projects.create({ name: 'prod', createdBy: null })).id
})

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

async function receive(
  body: Uint8Array,
  contentType: string,
  extra: Partial<Parameters<typeof receiveTraces>[0]> = {},
) {
  return receiveTraces({ body, contentType, projectId, repos, clock, ...extra })
}

async function refusal(promise: Promise<unknown>, code: string): Promise<AssayError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AssayError)
    expect((error as AssayError).code).toBe(code)
    return error as AssayError
  }
  throw new Error('expected a refusal')
}

describe('receiveTraces', () => {
  it('stores the GenAI spans of a protobuf export and skips the others', async () => {
    const result = await receive(encodeRequest(realisticRequest()), PROTOBUF_TYPE)
    expect(result).toEqual({ accepted: 2, rejected: 0, skipped: 1, errorMessage: '' })
    const stored = await repos.spans.find(projectId, TRACE_ID, SPAN_ID)
    expect(stored).toMatchObject({
      model: 'gpt-4o',
      serviceName: 'support-bot',
      input: 'system: You are a helpful assistant.\n\nuser: What is the capital of France?',
      output: 'Paris.',
      receivedAt: '2026-01-10T12:00:05.000Z',
    })
  })

  it('stores the same spans from the JSON encoding, with a charset parameter', async () => {
    const result = await receive(json(realisticJson()), 'application/json; charset=utf-8')
    expect(result).toEqual({ accepted: 2, rejected: 0, skipped: 1, errorMessage: '' })
    expect(await repos.spans.count(everything(projectId))).toBe(2)
  })

  it('stores a re-sent export once (in either encoding) and still accepts it', async () => {
    await receive(encodeRequest(realisticRequest()), PROTOBUF_TYPE)
    const before = await repos.spans.find(projectId, TRACE_ID, SPAN_ID)
    clock.advance(60_000)
    expect(await receive(encodeRequest(realisticRequest()), PROTOBUF_TYPE)).toMatchObject({
      accepted: 2,
      rejected: 0,
    })
    expect(await receive(json(realisticJson()), JSON_TYPE)).toMatchObject({ accepted: 2 })
    expect(await repos.spans.count(everything(projectId))).toBe(2)
    expect(await repos.spans.find(projectId, TRACE_ID, SPAN_ID)).toEqual(before)
  })

  it('decompresses a gzip body', async () => {
    const body = gzipSync(encodeRequest(realisticRequest()))
    const result = await receive(body, PROTOBUF_TYPE, { contentEncoding: 'gzip' })
    expect(result.accepted).toBe(2)
    const jsonResult = await receive(gzipSync(json(realisticJson())), JSON_TYPE, {
      contentEncoding: 'GZIP',
    })
    expect(jsonResult.accepted).toBe(2)
  })

  it('reports rejected spans as a partial success and stores the rest', async () => {
    const request = realisticJson() as {
      resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[]
    }
    const spans = request.resourceSpans[0]!.scopeSpans[0]!.spans
    spans.push({ ...spans[0], spanId: '' })
    const result = await receive(json(request), JSON_TYPE)
    expect(result).toEqual({
      accepted: 2,
      rejected: 1,
      skipped: 1,
      errorMessage:
        '1 span(s) rejected: resourceSpans[0].scopeSpans[0].spans[3]: span id "" is not 8 bytes, or is all zero',
    })
  })

  describe('refuses, storing nothing', () => {
    it('a body over the size limit, before decoding it', async () => {
      const body = encodeRequest(realisticRequest())
      const limits = { maxBodyBytes: body.length - 1, maxDecodedBytes: 1 << 20 }
      const error = await refusal(receive(body, PROTOBUF_TYPE, { limits }), 'limit_exceeded')
      expect(error.message).toBe(
        `the request body is over the OTLP size limit of ${body.length - 1} bytes`,
      )
      // Not even looked at: garbage over the limit is refused for its size.
      const garbage = new Uint8Array(DEFAULT_OTLP_LIMITS.maxBodyBytes + 1).fill(0xff)
      await refusal(receive(garbage, PROTOBUF_TYPE), 'limit_exceeded')
      expect(
        await receive(body, PROTOBUF_TYPE, { limits: { ...limits, maxBodyBytes: body.length } }),
      ).toMatchObject({ accepted: 2 })
    })

    it('a gzip body that decompresses past the limit (a zip bomb)', async () => {
      const bomb = gzipSync(new Uint8Array(20 * 1024 * 1024))
      expect(bomb.length).toBeLessThan(DEFAULT_OTLP_LIMITS.maxBodyBytes)
      const error = await refusal(
        receive(bomb, PROTOBUF_TYPE, { contentEncoding: 'gzip' }),
        'limit_exceeded',
      )
      expect(error.message).toContain(
        `${DEFAULT_OTLP_LIMITS.maxDecodedBytes} bytes once decompressed`,
      )
    })

    it('a corrupt gzip body or an unsupported encoding', async () => {
      const gz = gzipSync(encodeRequest(realisticRequest()))
      const error = await refusal(
        receive(gz.subarray(0, gz.length - 10), PROTOBUF_TYPE, { contentEncoding: 'gzip' }),
        'invalid_input',
      )
      expect(error.message).toMatch(/^the gzip-encoded body cannot be decompressed: /)
      await refusal(
        receive(encodeRequest(realisticRequest()), PROTOBUF_TYPE, { contentEncoding: 'br' }),
        'invalid_input',
      )
      expect(await repos.spans.count(everything(projectId))).toBe(0)
    })

    it('an unsupported content type', async () => {
      const error = await refusal(receive(json({}), 'text/plain'), 'invalid_input')
      expect(error.message).toContain('unsupported Content-Type "text/plain"')
      expect(otlpEncodingOf('application/protobuf')).toBe('protobuf')
      expect(otlpEncodingOf('Application/JSON')).toBe('json')
    })

    it('a malformed body, even when its first spans were fine', async () => {
      const good = encodeRequest(realisticRequest())
      // A valid request followed by a truncated second resource_spans.
      const body = Uint8Array.from([...good, 0x0a, 0x20, 0x12])
      const error = await refusal(receive(body, PROTOBUF_TYPE), 'invalid_input')
      expect(error.message).toContain(`at byte offset ${good.length + 1}`)
      const jsonBody = realisticJson() as { resourceSpans: unknown[] }
      jsonBody.resourceSpans.push({ scopeSpans: [{ spans: [{ traceId: 'zz' }] }] })
      const jsonError = await refusal(receive(json(jsonBody), JSON_TYPE), 'invalid_input')
      expect(jsonError.message).toContain('$.resourceSpans[1].scopeSpans[0].spans[0].traceId')
      expect(await repos.spans.count(everything(projectId))).toBe(0)
    })

    it('spans for a project that does not exist', async () => {
      await refusal(
        receive(encodeRequest(realisticRequest()), PROTOBUF_TYPE, { projectId: 'prj_gone' }),
        'not_found',
      )
    })
  })
})

describe('readLimitedBody', () => {
  async function* chunks(sizes: number[]) {
    for (const size of sizes) yield new Uint8Array(size).fill(1)
  }

  it('reads a body up to the limit', async () => {
    expect((await readLimitedBody(chunks([3, 4, 3]), 10)).length).toBe(10)
  })

  it('stops reading once past the limit', async () => {
    let pulled = 0
    async function* endless() {
      for (;;) {
        pulled += 1
        yield new Uint8Array(1024)
      }
    }
    await refusal(readLimitedBody(endless(), 4096), 'limit_exceeded')
    expect(pulled).toBe(5)
  })
})

describe('encodeExportResponse', () => {
  it('is empty when every span was taken', () => {
    expect(encodeExportResponse({ rejected: 0, errorMessage: '' }, 'protobuf')).toEqual({
      contentType: 'application/x-protobuf',
      body: new Uint8Array(),
    })
    const response = encodeExportResponse({ rejected: 0, errorMessage: '' }, 'json')
    expect(new TextDecoder().decode(response.body)).toBe('{}')
  })

  it('carries the partial success, decodable by protobufjs', () => {
    const result = { rejected: 300, errorMessage: '300 span(s) rejected: naïve 😀' }
    const response = encodeExportResponse(result, 'protobuf')
    const decoded = ExportTraceServiceResponse.toObject(
      ExportTraceServiceResponse.decode(response.body),
      { longs: Number },
    )
    expect(decoded).toEqual({
      partialSuccess: { rejectedSpans: 300, errorMessage: result.errorMessage },
    })
    const asJson = JSON.parse(new TextDecoder().decode(encodeExportResponse(result, 'json').body))
    expect(asJson).toEqual({
      partialSuccess: { rejectedSpans: '300', errorMessage: result.errorMessage },
    })
  })
})
