import { channel } from 'node:diagnostics_channel'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'

/** What a model call needs back from HTTP: the status, the headers (lower-case names) and the body. */
export type HttpAnswer = {
  status: number
  statusText: string
  headers: Record<string, string>
  body: string
}

export type PostOptions = {
  /** Aborts the request until the answer's headers are in; after that the body is still read. */
  signal: AbortSignal
  /**
   * Checked at the moment the request would be written to the socket (after any connect): once
   * it has aborted, nothing is sent and the call rejects with its reason.
   */
  startSignal?: AbortSignal | undefined
  /** Time limit until the answer's headers are in; rejects with a `TimeoutError`. */
  timeoutMs: number
}

/** A POST of a JSON body, answered once the whole response body is read. */
export type PostJson = (body: string, options: PostOptions) => Promise<HttpAnswer>

/** How long reading an answer's body may take once its headers are in. */
export const BODY_TIMEOUT_MS = 60_000

/** Node clamps longer timers to 1 ms; keep timeouts within a 32-bit delay. */
const MAX_TIMER_MS = 2_147_483_647

/**
 * Idle keep-alive sockets are closed after this long (or after half the server's
 * `Keep-Alive: timeout=N`), before a typical server (Node: 5 s) closes them under a request.
 */
const IDLE_MS = 4_000

/**
 * A request given up (a stop, or the time limit) after it was sent is not dropped at once: the
 * socket is half-closed, which tells the server to give up too (a Node server aborts the
 * request), while its answer is still read should it already be on the way. Without this, an
 * answer the server wrote just before the client gave up was billed and never counted. After
 * this long without an answer, the socket is destroyed.
 */
export const ABORT_GRACE_MS = 1_000

/** Response heads larger than this are refused (a broken or hostile server). */
const MAX_HEAD_BYTES = 64 * 1024
/** Bodies larger than this are refused: a chat completion is never near it. */
const MAX_BODY_BYTES = 64 * 1024 * 1024

const EMPTY = Buffer.alloc(0)

/**
 * Published (only when someone listens) as a request is written to its socket, and once it has
 * ended (answered, failed or aborted), with `{ request }` (the same object for both): what
 * benchmarks use to see when requests were sent, as `http.client.request.start` does for node:http.
 */
export const requestSentChannel = channel('assay:http1:request:sent')
export const requestEndedChannel = channel('assay:http1:request:ended')

export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/** A socket-level failure with a Node-style code (ECONNRESET, …), as fetch's causes carry. */
function socketError(message: string, code: string, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? {} : { cause }), { code })
}

/**
 * A keep-alive HTTP/1.1 client for one origin that POSTs JSON bodies: one request per socket at
 * a time, as many sockets as requests in flight (the engine's limiter bounds them), idle sockets
 * reused and unref'd so they never keep the process alive. Much less work per call than fetch
 * (undici) or node:http: the request is written as one string and the response parsed from the
 * raw bytes (Content-Length or chunked framing, optional gzip/deflate/br).
 */
export function createHttp1Poster(
  url: string,
  headers: Readonly<Record<string, string>>,
  options: {
    abortGraceMs?: number
    /** Certificate authorities to trust for https instead of Node's (a private CA; tests). */
    ca?: string | undefined
  } = {},
): PostJson {
  const graceMs = options.abortGraceMs ?? ABORT_GRACE_MS
  const target = new URL(url)
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new Error(`unsupported protocol ${target.protocol}`)
  const tls = target.protocol === 'https:'
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname
  const port = Number(target.port || (tls ? 443 : 80))
  const path = `${target.pathname}${target.search}`
  let head = `POST ${path} HTTP/1.1\r\nhost: ${target.host}\r\nconnection: keep-alive\r\n`
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value))
      throw new Error(`header ${name} holds a line break`)
    head += `${name}: ${value}\r\n`
  }
  const idle: Connection[] = []

  const open = (): Connection => {
    const socket = tls
      ? tlsConnect({
          host,
          port,
          servername: isIp(host) ? undefined : host,
          ALPNProtocols: ['http/1.1'],
          ...(options.ca ? { ca: options.ca } : {}),
        })
      : netConnect({ host, port })
    socket.setNoDelay(true)
    return new Connection(
      socket,
      tls,
      graceMs,
      (connection) => {
        // Back to the pool, newest last (reused first: the least likely to be closed by the server).
        idle.push(connection)
      },
      (connection) => {
        const i = idle.indexOf(connection)
        if (i !== -1) idle.splice(i, 1)
      },
    )
  }

  return (body, options) => {
    if (options.signal.aborted) return Promise.reject(options.signal.reason)
    if (options.startSignal?.aborted) return Promise.reject(options.startSignal.reason)
    let connection = idle.pop()
    while (connection && !connection.usable()) connection = idle.pop()
    connection ??= open()
    const bytes = Buffer.byteLength(body)
    return connection.send(`${head}content-length: ${bytes}\r\n\r\n${body}`, options)
  }
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}

enum Phase {
  Head,
  Body,
  Chunked,
  UntilClose,
}

type Pending = {
  resolve(answer: HttpAnswer): void
  reject(error: unknown): void
  signal: AbortSignal
  timer: NodeJS.Timeout | undefined
  onAbort: (() => void) | undefined
}

/** One socket, one request at a time. */
class Connection {
  private connected: boolean
  private closed = false
  private idleSince = 0
  private idleLimitMs = IDLE_MS
  private pending: Pending | null = null
  private headersIn = false
  // Response parsing state.
  private phase = Phase.Head
  private buffer: Buffer | null = null
  private status = 0
  private statusText = ''
  private headers: Record<string, string> = {}
  private chunks: Buffer[] = []
  private received = 0
  private expected = 0
  private keepAlive = true
  private chunkLeft = -1
  /** The diagnostics message of the request in flight, when one was published. */
  private published: { request: unknown } | null = null
  /** The request in flight has been written to the socket. */
  private written = false
  /** Why the request in flight was given up, while its answer may still come (half-closed). */
  private abortReason: unknown = undefined

  constructor(
    private readonly socket: Socket,
    private readonly tls: boolean,
    private readonly graceMs: number,
    private readonly release: (connection: Connection) => void,
    private readonly forget: (connection: Connection) => void,
  ) {
    this.connected = false
    socket.on(tls ? 'secureConnect' : 'connect', () => {
      this.connected = true
    })
    socket.on('data', (data: Buffer) => this.onData(data))
    socket.on('error', (error: Error) => this.fail(error))
    socket.on('close', () => {
      this.closed = true
      this.forget(this)
      if (this.pending) {
        if (this.phase === Phase.UntilClose && this.headersIn) this.finish()
        else if (this.abortReason !== undefined && !this.headersIn) this.fail(this.abortReason)
        else this.fail(socketError('socket hang up', 'ECONNRESET'))
      }
    })
    socket.on('timeout', () => {
      // Only armed while idle.
      this.close()
    })
  }

  /** Still open and not idle for too long. */
  usable(): boolean {
    if (this.closed || this.socket.destroyed) return false
    if (performance.now() - this.idleSince > this.idleLimitMs) {
      this.close()
      return false
    }
    return true
  }

  send(request: string, options: PostOptions): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      const { signal, startSignal, timeoutMs } = options
      const pending: Pending = { resolve, reject, signal, timer: undefined, onAbort: undefined }
      this.pending = pending
      this.headersIn = false
      this.written = false
      this.abortReason = undefined
      this.phase = Phase.Head
      this.buffer = null
      this.socket.setTimeout(0)
      this.socket.ref()
      const onAbort = () => this.abort(signal.reason)
      pending.onAbort = onAbort
      signal.addEventListener('abort', onAbort, { once: true })
      pending.timer = setTimeout(
        () => this.abort(new TimeoutError('the model did not answer within the time limit')),
        Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(timeoutMs))),
      )
      const write = () => {
        if (this.pending !== pending) return
        // The last gate: nothing is sent once the caller's start signal has aborted.
        if (startSignal?.aborted) {
          this.abort(startSignal.reason)
          return
        }
        this.socket.write(request)
        this.written = true
        if (requestSentChannel.hasSubscribers) {
          this.published = { request: pending }
          requestSentChannel.publish(this.published)
        }
      }
      if (this.connected) write()
      else this.socket.once(this.tls ? 'secureConnect' : 'connect', write)
    })
  }

  private onData(data: Buffer): void {
    if (!this.pending) {
      // Bytes nobody asked for: the connection is out of step.
      this.close()
      return
    }
    let input: Buffer = this.buffer ? Buffer.concat([this.buffer, data]) : data
    this.buffer = null
    try {
      while (this.pending && input.length > 0) {
        const rest = this.step(input)
        if (rest === null) return
        input = rest
      }
    } catch (error) {
      this.fail(error)
    }
  }

  /** Consumes what it can of `input`; returns what is left, or null when it needs more bytes. */
  private step(input: Buffer): Buffer | null {
    switch (this.phase) {
      case Phase.Head: {
        const end = input.indexOf('\r\n\r\n')
        if (end === -1) {
          if (input.length > MAX_HEAD_BYTES)
            throw socketError('response head too large', 'HPE_HEADER_OVERFLOW')
          this.buffer = input
          return null
        }
        this.parseHead(input.toString('latin1', 0, end))
        const rest = input.subarray(end + 4)
        if (this.status >= 100 && this.status < 200) return rest // 100 Continue and the like
        this.onHeaders()
        return rest
      }
      case Phase.Body: {
        const need = this.expected - this.received
        const take = input.length <= need ? input : input.subarray(0, need)
        this.chunks.push(take)
        this.received += take.length
        if (this.received >= this.expected) this.finish()
        return input.length <= need ? EMPTY : input.subarray(need)
      }
      case Phase.UntilClose: {
        this.chunks.push(input)
        this.received += input.length
        if (this.received > MAX_BODY_BYTES)
          throw socketError('response body too large', 'HPE_BODY_OVERFLOW')
        return EMPTY
      }
      case Phase.Chunked:
        return this.chunked(input)
    }
  }

  private chunked(input: Buffer): Buffer | null {
    let at = 0
    for (;;) {
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, input.length - at)
        this.chunks.push(input.subarray(at, at + take))
        this.received += take
        if (this.received > MAX_BODY_BYTES)
          throw socketError('response body too large', 'HPE_BODY_OVERFLOW')
        at += take
        this.chunkLeft -= take
        if (this.chunkLeft > 0) return EMPTY
        this.chunkLeft = -2 // the CRLF after the data
      }
      if (this.chunkLeft === -2) {
        if (input.length - at < 2) {
          this.buffer = input.subarray(at)
          return null
        }
        at += 2
        this.chunkLeft = -1
      }
      // A size line, or after the last chunk the (ignored) trailers up to an empty line.
      const eol = input.indexOf('\r\n', at)
      if (eol === -1) {
        if (input.length - at > MAX_HEAD_BYTES)
          throw socketError('chunk line too long', 'HPE_INVALID_CHUNK_SIZE')
        this.buffer = input.subarray(at)
        return null
      }
      const line = input.toString('latin1', at, eol)
      at = eol + 2
      if (this.chunkLeft === -3) {
        // Trailers: done at the empty line.
        if (line === '') {
          this.finish()
          return input.subarray(at)
        }
        continue
      }
      const size = Number.parseInt(line, 16)
      if (!Number.isFinite(size) || size < 0)
        throw socketError('invalid chunk size', 'HPE_INVALID_CHUNK_SIZE')
      if (size === 0) this.chunkLeft = -3
      else this.chunkLeft = size
    }
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n')
    const statusLine = lines[0] ?? ''
    const match = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(statusLine)
    if (!match)
      throw socketError(
        `invalid HTTP status line: ${statusLine.slice(0, 100)}`,
        'HPE_INVALID_CONSTANT',
      )
    this.status = Number(match[2])
    this.statusText = match[3] ?? ''
    const headers: Record<string, string> = {}
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string
      const colon = line.indexOf(':')
      if (colon <= 0) continue
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    this.headers = headers
    const connection = headers.connection?.toLowerCase() ?? ''
    this.keepAlive =
      match[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive')
    const hint = /timeout=(\d+)/i.exec(headers['keep-alive'] ?? '')
    // Half the server's announced idle time, so a reused socket is never one it is closing.
    if (hint) this.idleLimitMs = Math.min(IDLE_MS, Number(hint[1]) * 500)
  }

  /** The answer's headers are in: from here on the body is read whatever the caller's signal. */
  private onHeaders(): void {
    this.headersIn = true
    const pending = this.pending as Pending
    clearTimeout(pending.timer)
    if (pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort)
    pending.onAbort = undefined
    pending.timer = setTimeout(
      () => this.fail(new TimeoutError('the answer body took too long')),
      BODY_TIMEOUT_MS,
    )
    this.chunks = []
    this.received = 0
    const te = this.headers['transfer-encoding']
    const length = this.headers['content-length']
    if (this.status === 204 || this.status === 304) {
      this.finish()
    } else if (te?.toLowerCase().includes('chunked')) {
      this.phase = Phase.Chunked
      this.chunkLeft = -1
    } else if (length !== undefined) {
      const expected = Number(length)
      if (!Number.isInteger(expected) || expected < 0 || expected > MAX_BODY_BYTES)
        throw socketError(`invalid content-length ${length}`, 'HPE_INVALID_CONTENT_LENGTH')
      this.expected = expected
      this.phase = Phase.Body
      if (expected === 0) this.finish()
    } else {
      this.phase = Phase.UntilClose
      this.keepAlive = false
    }
  }

  private finish(): void {
    const pending = this.pending
    if (!pending) return
    this.pending = null
    this.ended()
    clearTimeout(pending.timer)
    let raw = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks)
    this.chunks = []
    let answer: HttpAnswer
    try {
      raw = decode(raw, this.headers['content-encoding'])
      answer = {
        status: this.status,
        statusText: this.statusText,
        headers: this.headers,
        body: raw.toString('utf8'),
      }
    } catch (error) {
      this.close()
      pending.reject(error)
      return
    }
    if (
      this.keepAlive &&
      this.abortReason === undefined &&
      !this.closed &&
      this.phase !== Phase.UntilClose
    ) {
      this.phase = Phase.Head
      this.idleSince = performance.now()
      this.socket.setTimeout(this.idleLimitMs)
      this.socket.unref()
      this.release(this)
    } else this.close()
    pending.resolve(answer)
  }

  /**
   * The caller gave up (stop or timeout) before the answer's headers came. Nothing sent yet:
   * drop the socket. Sent: half-close it and wait a little for an answer already on its way.
   */
  private abort(reason: unknown): void {
    const pending = this.pending
    if (!pending || this.headersIn || this.abortReason !== undefined) return
    if (!this.written) {
      this.fail(reason)
      return
    }
    this.abortReason = reason ?? new Error('aborted')
    clearTimeout(pending.timer)
    if (pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort)
    pending.onAbort = undefined
    this.keepAlive = false
    this.socket.end()
    pending.timer = setTimeout(() => this.fail(this.abortReason), this.graceMs)
  }

  private fail(error: unknown): void {
    const pending = this.pending
    this.pending = null
    this.ended()
    this.close()
    if (!pending) return
    clearTimeout(pending.timer)
    if (pending.onAbort) pending.signal.removeEventListener('abort', pending.onAbort)
    pending.reject(error)
  }

  private ended(): void {
    if (this.published === null) return
    requestEndedChannel.publish(this.published)
    this.published = null
  }

  private close(): void {
    if (!this.closed) {
      this.closed = true
      this.forget(this)
    }
    if (!this.socket.destroyed) this.socket.destroy()
  }
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  if (encoding === undefined) return raw
  const e = encoding.trim().toLowerCase()
  if (e === '' || e === 'identity') return raw
  if (e === 'gzip' || e === 'x-gzip') return gunzipSync(raw)
  if (e === 'deflate') return inflateSync(raw)
  if (e === 'br') return brotliDecompressSync(raw)
  throw socketError(`unsupported content-encoding ${encoding}`, 'HPE_UNSUPPORTED_ENCODING')
}
