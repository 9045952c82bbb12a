import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpRequest } from '@assay/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpCaller, DEFAULT_MAX_RESPONSE_BYTES } from './http-caller.js'

const MiB = 1_048_576

type Handler = (req: IncomingMessage, res: ServerResponse) => void
const servers: { close(): Promise<void> }[] = []

async function serve(handler: Handler): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const get = (url: string, timeoutMs = 10_000): HttpRequest => ({
  method: 'GET',
  url,
  headers: {},
  body: null,
  timeoutMs,
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Writes `chunk` until `total` bytes went out or the connection closed, honouring backpressure. */
async function stream(
  res: ServerResponse,
  chunk: Buffer,
  total: number,
  onWrite: (written: number) => void = () => {},
): Promise<number> {
  let written = 0
  while (written < total && !res.destroyed && !res.writableEnded) {
    const ok = res.write(chunk)
    written += chunk.length
    onWrite(written)
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  }
  if (!res.destroyed) res.end()
  return written
}

describe('createHttpCaller: bounded answers', () => {
  it('cuts an endpoint streaming 50 MiB at 1 MiB, as a non-retryable failure, and drops the connection', async () => {
    const total = 50 * MiB
    let written = -1
    let closedAfter = -1
    let socketClosed!: () => void
    const closed = new Promise<void>((resolve) => {
      socketClosed = resolve
    })
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }) // chunked: no content-length
      const chunk = Buffer.alloc(64 * 1024, 'a')
      req.socket.on('close', () => {
        closedAfter = written
        socketClosed()
      })
      void stream(res, chunk, total, (n) => {
        written = n
      })
    })
    const started = performance.now()
    const result = await createHttpCaller().call(get(url), { signal: new AbortController().signal })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.retryable).toBe(false)
    expect(result.error.message).toContain('response larger than 1048576 bytes')
    await Promise.race([closed, sleep(5_000)])
    expect(closedAfter).toBeGreaterThan(0) // the server saw the socket closed…
    expect(written).toBeGreaterThan(MiB)
    expect(written).toBeLessThan(16 * MiB) // …long before it could send 50 MiB
    expect(performance.now() - started).toBeLessThan(5_000)
  }, 15_000)

  it('refuses an answer whose Content-Length is over the limit without reading it', async () => {
    let written = 0
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(50 * MiB) })
      void stream(res, Buffer.alloc(64 * 1024, 'b'), 50 * MiB).then((n) => {
        written = n
      })
    })
    const result = await createHttpCaller().call(get(url), { signal: new AbortController().signal })
    expect(result).toMatchObject({
      ok: false,
      error: { retryable: false, status: 200, message: expect.stringContaining('1048576 bytes') },
    })
    await sleep(50)
    expect(written).toBeLessThan(16 * MiB)
  }, 15_000)

  it('accepts an answer of exactly the limit, chunked or with a length, and refuses one byte more', async () => {
    const sizes = new Map<string, number>([
      ['/exact', DEFAULT_MAX_RESPONSE_BYTES],
      ['/over', DEFAULT_MAX_RESPONSE_BYTES + 1],
    ])
    const precise = await serve((req, res) => {
      const [path, query] = (req.url ?? '').split('?')
      const size = sizes.get(path ?? '') ?? 0
      res.writeHead(200, query === 'length' ? { 'content-length': String(size) } : {})
      const body = Buffer.alloc(size, 'x')
      let offset = 0
      const step = 100_003 // odd-sized chunks
      const next = () => {
        while (offset < size) {
          const end = Math.min(size, offset + step)
          const ok = res.write(body.subarray(offset, end))
          offset = end
          if (!ok) return void res.once('drain', next)
        }
        res.end()
      }
      next()
    })
    const caller = createHttpCaller()
    const signal = new AbortController().signal
    for (const query of ['', '?length']) {
      const exact = await caller.call(get(`${precise}/exact${query}`), { signal })
      expect(exact.ok).toBe(true)
      if (exact.ok) expect(exact.value.body.length).toBe(DEFAULT_MAX_RESPONSE_BYTES)
      const over = await caller.call(get(`${precise}/over${query}`), { signal })
      expect(over).toMatchObject({
        ok: false,
        error: { retryable: false, message: expect.stringContaining('larger than 1048576 bytes') },
      })
    }
  }, 15_000)

  it('takes the limit from maxResponseBytes', async () => {
    const url = await serve((_req, res) => {
      res.end('0123456789')
    })
    const signal = new AbortController().signal
    expect(
      await createHttpCaller({ maxResponseBytes: 10 }).call(get(url), { signal }),
    ).toMatchObject({ ok: true, value: { body: '0123456789' } })
    expect(
      await createHttpCaller({ maxResponseBytes: 9 }).call(get(url), { signal }),
    ).toMatchObject({
      ok: false,
      error: { retryable: false, message: expect.stringContaining('larger than 9 bytes') },
    })
  })

  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const text = 'é€😀 — naïve 日本語 ✓'
    const bytes = Buffer.from(text, 'utf8')
    const url = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      for (let i = 0; i < bytes.length; i++) {
        res.write(bytes.subarray(i, i + 1)) // one byte per chunk: every character is split
        await sleep(2)
      }
      res.end()
    })
    const result = await createHttpCaller().call(get(url), { signal: new AbortController().signal })
    expect(result).toMatchObject({ ok: true, value: { status: 200, body: text } })
  })

  it('decodes multi-byte UTF-8 split across stream chunks deterministically', async () => {
    const text = '€😀é'.repeat(50)
    const bytes = new TextEncoder().encode(text)
    const fakeFetch: typeof fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3))
            controller.close()
          },
        }),
      )
    const result = await createHttpCaller({ fetch: fakeFetch }).call(get('http://x.invalid'), {
      signal: new AbortController().signal,
    })
    expect(result).toMatchObject({ ok: true, value: { body: text } })
  })

  it('keeps a non-2xx answer a status failure even when its body is huge', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': '2' })
      void stream(res, Buffer.alloc(64 * 1024, 'e'), 50 * MiB)
    })
    const result = await createHttpCaller().call(get(url), { signal: new AbortController().signal })
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'server_error', retryable: true, retryAfterMs: 2_000, status: 503 },
    })
    if (!result.ok) expect(result.error.message.length).toBeLessThan(400)
  }, 15_000)
})

describe('createHttpCaller: a stalled body', () => {
  /** Sends the headers and a first chunk, then nothing; resolves `closed` when the socket closes. */
  async function stallingServer() {
    let onClose!: () => void
    const closed = new Promise<void>((resolve) => {
      onClose = resolve
    })
    const url = await serve((req, res) => {
      req.socket.on('close', () => onClose())
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('partial')
    })
    return { url, closed }
  }

  it('ends promptly as cancelled when the caller aborts during a slow body', async () => {
    const { url, closed } = await stallingServer()
    const controller = new AbortController()
    const started = performance.now()
    setTimeout(() => controller.abort(new Error('stop')), 200)
    const result = await createHttpCaller().call(get(url, 30_000), { signal: controller.signal })
    const elapsed = performance.now() - started
    expect(result).toMatchObject({ ok: false, error: { kind: 'cancelled', retryable: false } })
    expect(elapsed).toBeLessThan(2_000)
    await Promise.race([closed, sleep(2_000).then(() => Promise.reject(new Error('not closed')))])
  })

  it('times out when the body stalls after the headers', async () => {
    const { url, closed } = await stallingServer()
    const started = performance.now()
    const result = await createHttpCaller().call(get(url, 300), {
      signal: new AbortController().signal,
    })
    expect(result).toMatchObject({ ok: false, error: { kind: 'timeout', retryable: true } })
    expect(performance.now() - started).toBeLessThan(2_000)
    await Promise.race([closed, sleep(2_000).then(() => Promise.reject(new Error('not closed')))])
  })

  it('ends promptly on abort even when the fetch does not tie its body to the signal', async () => {
    const fakeFetch: typeof fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('partial'))
          }, // never closes, ignores any signal
        }),
      )
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('stop')), 100)
    const started = performance.now()
    const result = await createHttpCaller({ fetch: fakeFetch }).call(
      get('http://x.invalid', 30_000),
      {
        signal: controller.signal,
      },
    )
    expect(result).toMatchObject({ ok: false, error: { kind: 'cancelled' } })
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})

describe('createHttpCaller: redirects', () => {
  const post = (url: string): HttpRequest => ({
    method: 'POST',
    url,
    headers: { 'x-api-key': 'secret-key', 'content-type': 'application/json' },
    body: '{"q":1}',
    timeoutMs: 10_000,
  })

  it('follows redirects within the origin, with the headers, turning a POST into a GET on 302/303', async () => {
    const seen: { method?: string; url?: string; key?: string | string[] }[] = []
    const base = await serve((req, res) => {
      seen.push({ method: req.method, url: req.url, key: req.headers['x-api-key'] })
      if (req.url === '/moved') {
        res.writeHead(307, { location: '/kept' }).end()
      } else if (req.url === '/kept') {
        res.writeHead(303, { location: '/ok' }).end()
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"output":"ok"}')
    })
    const result = await createHttpCaller().call(post(`${base}/moved`), {
      signal: new AbortController().signal,
    })
    expect(result.ok && result.value.body).toBe('{"output":"ok"}')
    expect(seen).toEqual([
      { method: 'POST', url: '/moved', key: 'secret-key' },
      { method: 'POST', url: '/kept', key: 'secret-key' },
      { method: 'GET', url: '/ok', key: 'secret-key' },
    ])
  })

  it('does not follow a redirect to another origin, so the headers never reach it', async () => {
    const elsewhere: string[] = []
    const other = await serve((req, res) => {
      elsewhere.push(String(req.headers['x-api-key']))
      res.end('{"output":"stolen"}')
    })
    const base = await serve((_req, res) => {
      res.writeHead(302, { location: `${other}/collect` }).end()
    })
    const result = await createHttpCaller().call(post(`${base}/start`), {
      signal: new AbortController().signal,
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toMatchObject({ kind: 'bad_request', retryable: false, status: 302 })
    expect(result.error.message).toContain(`redirected to ${other}`)
    expect(elsewhere).toEqual([])
  })

  it('gives up after 5 redirects and on a redirect to an invalid URL', async () => {
    let hops = 0
    const base = await serve((req, res) => {
      hops++
      if (req.url === '/bad') res.writeHead(301, { location: 'http://[::1' }).end()
      else res.writeHead(302, { location: '/loop' }).end()
    })
    const signal = new AbortController().signal
    const loop = await createHttpCaller().call(get(`${base}/loop`), { signal })
    expect(!loop.ok && loop.error.message).toBe('too many redirects')
    expect(hops).toBe(6)
    const bad = await createHttpCaller().call(get(`${base}/bad`), { signal })
    expect(!bad.ok && bad.error.message).toContain('redirect to an invalid URL')
  })
})
