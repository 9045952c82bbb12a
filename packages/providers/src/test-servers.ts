// Tiny local HTTP servers for tests (127.0.0.1 only): a scripted JSON API and a refused port.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export type RecordedRequest = {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: unknown
}

export type ScriptedReply = { status: number; headers?: Record<string, string>; body: unknown }

export type LocalServer = {
  /** http://127.0.0.1:PORT */
  origin: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

/** Answers every request with `reply(request)` as JSON and records what it received. */
export async function startJsonServer(
  reply: (request: RecordedRequest) => ScriptedReply,
): Promise<LocalServer> {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = text
      try {
        body = text === '' ? undefined : JSON.parse(text)
      } catch {}
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body }
      requests.push(request)
      const answer = reply(request)
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A fetch that records each request's URL, JSON body and headers, then calls the real fetch. */
export function recordingFetch(): {
  fetch: typeof fetch
  urls: string[]
  bodies: Record<string, unknown>[]
  headers: Headers[]
} {
  const urls: string[] = []
  const bodies: Record<string, unknown>[] = []
  const headers: Headers[] = []
  const wrapped: typeof fetch = async (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input))
    if (typeof init?.body === 'string')
      bodies.push(JSON.parse(init.body) as Record<string, unknown>)
    headers.push(new Headers(init?.headers))
    return fetch(input, init)
  }
  return { fetch: wrapped, urls, bodies, headers }
}
