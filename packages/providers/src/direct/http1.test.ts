import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { gzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttp1Poster, TimeoutError } from './http1.js'

/** A self-signed certificate for localhost and 127.0.0.1 (EC P-256, valid until 2126), tests only. */
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUILCP8+1gSbCXtMs+yugNs0jY6YEwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyODA1NTMyMloYDzIxMjYxMTA0
MDU1MzIyWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARMpSjh8RQyTyt+rstkZGteug7MauQ2t+1aUO+36ZwUOBAow0RJYRV/
0lqyfLAcfVzMrHCOKIEgOnl1YLauu/dMo28wbTAdBgNVHQ4EFgQUZYpFwBW7GJ+L
5p+JuU+egnh3r/AwHwYDVR0jBBgwFoAUZYpFwBW7GJ+L5p+JuU+egnh3r/AwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDRwAwRAIgDX9w7BX36R74VlnqI1cOndtJkoT4J8vxeCfuxvJbVFwCIGoL
oMu+Wd2Won+eOUh8B3gX3c8xjRco6t/aw6xwCqlb
-----END CERTIFICATE-----`
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoBxk/l0mKWT7MInp
cVnY1u9H53bjBz24JqFrcnbD1RKhRANCAARMpSjh8RQyTyt+rstkZGteug7MauQ2
t+1aUO+36ZwUOBAow0RJYRV/0lqyfLAcfVzMrHCOKIEgOnl1YLauu/dM
-----END PRIVATE KEY-----`

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void

/** A local server that hands each request (with its body) to `handler` and counts sockets. */
async function serve(handler: Handler) {
  const sockets = new Set<Socket>()
  let connections = 0
  const received: { body: string; headers: IncomingMessage['headers']; at: number }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      received.push({ body, headers: req.headers, at: Date.now() })
      handler(req, body, res)
    })
  })
  server.on('connection', (socket: Socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const handle = {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    received,
    connections: () => connections,
    openSockets: () => sockets.size,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  servers.push(handle)
  return handle
}

const servers: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

const live = () => new AbortController().signal
const opts = (patch: Partial<Parameters<ReturnType<typeof createHttp1Poster>>[1]> = {}) => ({
  signal: live(),
  timeoutMs: 5_000,
  ...patch,
})
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('HTTP/1.1 poster', () => {
  it('posts the body with the given headers and reads a Content-Length answer', async () => {
    const server = await serve((_req, body, res) => {
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-echo': 'yes' })
      res.end(JSON.stringify({ got: JSON.parse(body) }))
    })
    const post = createHttp1Poster(server.url, { authorization: 'Bearer k', 'x-one': '1' })
    const answer = await post('{"a":"é"}', opts())
    expect(answer).toMatchObject({ status: 201, statusText: 'Made', body: '{"got":{"a":"é"}}' })
    expect(answer.headers['x-echo']).toBe('yes')
    const request = server.received[0]
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer k',
      'x-one': '1',
      'content-length': String(Buffer.byteLength('{"a":"é"}')),
    })
  })

  it('reuses one keep-alive socket for calls made one after the other', async () => {
    const server = await serve((_req, body, res) => res.end(body))
    const post = createHttp1Poster(server.url, {})
    for (let i = 0; i < 5; i++) expect((await post(`"${i}"`, opts())).body).toBe(`"${i}"`)
    expect(server.connections()).toBe(1)
  })

  it('opens one socket per call in flight and keeps answers apart', async () => {
    const server = await serve((_req, body, res) => {
      setTimeout(() => res.end(body), 20 - Number(JSON.parse(body)))
    })
    const post = createHttp1Poster(server.url, {})
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(String(i), opts())))
    expect(answers.map((a) => a.body)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7'])
    expect(server.connections()).toBe(8)
    // Then the sockets are reused.
    await Promise.all(Array.from({ length: 8 }, (_, i) => post(String(i), opts())))
    expect(server.connections()).toBe(8)
  })

  it('reads chunked answers split across many writes, and gzip', async () => {
    const text = JSON.stringify({ text: 'x'.repeat(50_000), emoji: '😀' })
    const server = await serve((req, _body, res) => {
      if (req.headers['x-gzip']) {
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' })
        res.end(gzipSync(text))
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      const bytes = Buffer.from(text)
      let at = 0
      const next = () => {
        if (at >= bytes.length) {
          res.end()
          return
        }
        // Cuts through the multi-byte emoji too.
        res.write(bytes.subarray(at, at + 7_777))
        at += 7_777
        setImmediate(next)
      }
      next()
    })
    const plain = await createHttp1Poster(server.url, {})('{}', opts())
    expect(plain.headers['transfer-encoding']).toBe('chunked')
    expect(plain.body).toBe(text)
    const gzipped = await createHttp1Poster(server.url, { 'x-gzip': '1' })('{}', opts())
    expect(gzipped.body).toBe(text)
  })

  it('reads an answer framed by closing the socket, and does not reuse that socket', async () => {
    const server = await serve((_req, _body, res) => {
      res.socket?.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end')
      res.socket?.end()
    })
    const post = createHttp1Poster(server.url, {})
    expect((await post('{}', opts())).body).toBe('until the end')
    expect((await post('{}', opts())).body).toBe('until the end')
    expect(server.connections()).toBe(2)
  })

  it('does not reuse a socket the server asked to close', async () => {
    const server = await serve((_req, _body, res) => {
      res.setHeader('connection', 'close')
      res.end('bye')
    })
    const post = createHttp1Poster(server.url, {})
    await post('{}', opts())
    await post('{}', opts())
    expect(server.connections()).toBe(2)
  })

  it('opens a new socket when the server closed an idle one', async () => {
    const server = await serve((req, _body, res) => {
      const socket = req.socket
      res.end('ok', () => setTimeout(() => socket.destroy(), 10))
    })
    const post = createHttp1Poster(server.url, {})
    await post('{}', opts())
    await wait(60)
    expect(server.openSockets()).toBe(0)
    expect((await post('{}', opts())).body).toBe('ok')
    expect(server.connections()).toBe(2)
  })

  it('closes its idle sockets before a server that announced a short keep-alive would', async () => {
    const server = await serve((_req, _body, res) => {
      res.setHeader('keep-alive', 'timeout=1')
      res.end('ok')
    })
    const post = createHttp1Poster(server.url, {})
    await post('{}', opts())
    await post('{}', opts())
    expect(server.connections()).toBe(1)
    // timeout=1 s: the client keeps an idle socket at most half of it.
    await wait(600)
    await post('{}', opts())
    expect(server.connections()).toBe(2)
  })

  it('aborts a request whose answer has not started, and the server sees it go', async () => {
    let closed = false
    const server = await serve((req) => {
      req.socket.on('close', () => {
        closed = true
      })
    })
    const controller = new AbortController()
    const reason = new Error('stopped')
    setTimeout(() => controller.abort(reason), 30)
    await expect(
      createHttp1Poster(server.url, {})('{}', opts({ signal: controller.signal })),
    ).rejects.toBe(reason)
    await wait(20)
    expect(closed).toBe(true)
  })

  it('after a stop, still reads an answer the server wrote before it saw the client go', async () => {
    // A raw server that answers 20 ms after the client half-closed: its answer was on the way.
    let sawEnd = false
    const raw = createNetServer({ allowHalfOpen: true }, (socket) => {
      socket.on('data', () => {})
      socket.on('end', () => {
        sawEnd = true
        setTimeout(() => {
          socket.end('HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{"a":42}')
        }, 20)
      })
    })
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = raw.address() as AddressInfo
      const controller = new AbortController()
      const post = createHttp1Poster(`http://127.0.0.1:${port}/v1`, {}, { abortGraceMs: 500 })
      const call = post('{}', opts({ signal: controller.signal }))
      await wait(30)
      controller.abort(new Error('stopped'))
      expect((await call).body).toBe('{"a":42}')
      expect(sawEnd).toBe(true)
    } finally {
      raw.close()
    }
  })

  it('after a stop, gives up on a server that ignores it once the grace is over', async () => {
    const raw = createNetServer({ allowHalfOpen: true }, (socket) => socket.resume())
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = raw.address() as AddressInfo
      const controller = new AbortController()
      const reason = new Error('stopped')
      const post = createHttp1Poster(`http://127.0.0.1:${port}/v1`, {}, { abortGraceMs: 60 })
      const call = post('{}', opts({ signal: controller.signal }))
      await wait(20)
      const abortedAt = Date.now()
      controller.abort(reason)
      await expect(call).rejects.toBe(reason)
      expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(50)
    } finally {
      raw.close()
    }
  })

  it('still reads an answer whose headers arrived before the abort', async () => {
    const server = await serve((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.flushHeaders()
      setTimeout(() => res.end('{"late":true}'), 80)
    })
    const controller = new AbortController()
    const post = createHttp1Poster(server.url, {})
    const call = post('{}', opts({ signal: controller.signal, timeoutMs: 40 }))
    await wait(30)
    controller.abort(new Error('stopped'))
    // Past the time limit too: it only covers the wait for the headers.
    expect((await call).body).toBe('{"late":true}')
  })

  it('fails with a TimeoutError when the headers do not come in time', async () => {
    const server = await serve(() => {})
    const started = Date.now()
    await expect(
      createHttp1Poster(server.url, {})('{}', opts({ timeoutMs: 50 })),
    ).rejects.toBeInstanceOf(TimeoutError)
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
  })

  it('sends nothing when the start signal aborted while the socket was connecting', async () => {
    const server = await serve((_req, _body, res) => res.end('ok'))
    const start = new AbortController()
    const reason = new Error('stop confirmed')
    const post = createHttp1Poster(server.url, {})
    const call = post('{}', opts({ startSignal: start.signal }))
    // The new socket is still connecting: the stop lands before anything is written.
    start.abort(reason)
    await expect(call).rejects.toBe(reason)
    await wait(30)
    expect(server.received).toHaveLength(0)
    // An already-aborted start signal: refused at once.
    await expect(post('{}', opts({ startSignal: start.signal }))).rejects.toBe(reason)
  })

  it('reports a refused connection and a reset with their codes', async () => {
    const server = await serve((req) => req.socket.destroy())
    await expect(createHttp1Poster(server.url, {})('{}', opts())).rejects.toMatchObject({
      code: 'ECONNRESET',
    })
    const refused = server.url.replace(/:\d+\//, ':1/')
    await expect(createHttp1Poster(refused, {})('{}', opts())).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    })
  })

  it('refuses header values with line breaks', () => {
    expect(() => createHttp1Poster('http://127.0.0.1:1/', { 'x-a': 'b\r\nx-c: d' })).toThrow()
    expect(() => createHttp1Poster('ftp://127.0.0.1/', {})).toThrow()
  })

  it('speaks https: verifies the server against the given CA and reuses the TLS socket', async () => {
    let connections = 0
    const server = createHttpsServer({ cert: TEST_CERT, key: TEST_KEY }, (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => res.end(`echo ${Buffer.concat(chunks).toString()}`))
    })
    server.on('secureConnection', () => connections++)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      for (const host of ['localhost', '127.0.0.1']) {
        const post = createHttp1Poster(
          `https://${host}:${port}/v1/chat/completions`,
          {},
          {
            ca: TEST_CERT,
          },
        )
        expect((await post('{"a":1}', opts())).body).toBe('echo {"a":1}')
        expect((await post('{"b":2}', opts())).body).toBe('echo {"b":2}')
      }
      expect(connections).toBe(2)
      // Without the CA the self-signed server is refused.
      const untrusted = createHttp1Poster(`https://localhost:${port}/v1`, {})
      await expect(untrusted('{}', opts())).rejects.toMatchObject({
        code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/),
      })
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
