import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { buildAnswer, completionChars, requestHash, shapeAnswer } from './answer.js'
import { completionJson, completionSse } from './completion.js'
import { applyOptions, DEFAULTS, parseConfigPatch, publicOptions } from './config.js'
import {
  HttpError,
  header,
  parseChatRequest,
  parseJson,
  readBody,
  sendError,
  sendJson,
} from './http-util.js'
import { createRandom } from './random.js'
import { type Outcome, StatsRecorder, type Tracked } from './stats.js'
import { computeUsage } from './tokens.js'
import {
  type ChatRequest,
  FAULT_KINDS,
  type FaultKind,
  type StubLlm,
  type StubOptions,
} from './types.js'

const FAILED: Outcome = { kind: 'failed' }
const ABORTED: Outcome = { kind: 'aborted' }

/** `x-stub-fault` values: the FaultKind names, plus the HTTP statuses and `none`. */
const FAULT_ALIASES: Record<string, FaultKind | 'none'> = {
  '500': 'error500',
  '429': 'rateLimit429',
  none: 'none',
  ...Object.fromEntries(FAULT_KINDS.map((k) => [k.toLowerCase(), k])),
}

/** One chat completion request on its way through the stub. */
interface Call {
  req: IncomingMessage
  res: ServerResponse
  tracked: Tracked
  /** Chat requests received before this one since the stub started. */
  index: number
  /** What the stats record once the response is fully written. */
  outcome?: Outcome
  timer?: NodeJS.Timeout
}

/** Writes an error answer and records the request as failed once it is written. */
function fail(
  call: Call,
  status: number,
  message: string,
  type: string,
  headers?: Record<string, string>,
): void {
  call.outcome = FAILED
  sendError(call.res, status, message, type, headers)
}

function maxTokensOf(body: ChatRequest): number | undefined {
  const limit = body.max_completion_tokens ?? body.max_tokens
  return typeof limit === 'number' && limit > 0 ? limit : undefined
}

/** Starts the stub on 127.0.0.1 (port 0 = any free port) and resolves once it listens. */
export async function startStubLlm(options: StubOptions = {}): Promise<StubLlm> {
  let config = applyOptions(DEFAULTS, options)
  let random = createRandom(config.seed)
  let requestIndex = 0
  let closing: Promise<void> | undefined
  const stats = new StatsRecorder()
  /** Chat requests not yet settled; close() settles them as aborted. */
  const active = new Set<Call>()

  function configure(patch: Partial<StubOptions>): void {
    config = applyOptions(config, patch)
    if (Object.hasOwn(patch, 'seed')) random = createRandom(config.seed)
  }

  function drawFault(draw: number): FaultKind | undefined {
    let cumulative = 0
    for (const kind of FAULT_KINDS) {
      cumulative += config.faults[kind]
      if (draw < cumulative) return kind
    }
    return undefined
  }

  function retryHeaders(req: IncomingMessage): Record<string, string> {
    const override = Number(header(req, 'x-stub-retry-after'))
    const seconds =
      header(req, 'x-stub-retry-after') !== undefined && override >= 0
        ? override
        : config.retryAfterSeconds
    return {
      'retry-after': String(Math.ceil(seconds)),
      'retry-after-ms': String(Math.round(seconds * 1000)),
    }
  }

  /** Records how a request ended: its written outcome, else aborted. Idempotent. */
  function settle(call: Call): void {
    if (call.timer !== undefined) clearTimeout(call.timer)
    active.delete(call)
    const written = call.outcome !== undefined && call.res.writableFinished
    stats.end(call.tracked, written && call.outcome ? call.outcome : ABORTED)
  }

  function chat(req: IncomingMessage, res: ServerResponse): void {
    const call: Call = { req, res, tracked: stats.start(), index: requestIndex++ }
    active.add(call)
    res.on('close', () => settle(call))

    if (stats.current >= config.maxConcurrency) {
      stats.fault(call.tracked, 'rejected')
      req.resume()
      const message = `stub-llm: more than ${config.maxConcurrency} requests in flight`
      fail(call, 429, message, 'rate_limit_error', retryHeaders(req))
      return
    }
    stats.admit(call.tracked)

    readBody(req).then(
      (text) => {
        if (res.destroyed) return
        try {
          handleChat(call, parseChatRequest(parseJson(text)))
        } catch (error) {
          if (res.headersSent || res.destroyed) return
          if (error instanceof HttpError) {
            stats.fault(call.tracked, 'badRequest')
            fail(call, error.status, error.message, 'invalid_request_error')
          } else {
            fail(call, 500, `stub-llm: ${(error as Error).message}`, 'server_error')
          }
        }
      },
      (error: unknown) => {
        if (error instanceof HttpError && !res.destroyed && !res.headersSent) {
          fail(call, error.status, error.message, 'invalid_request_error')
          res.once('finish', () => req.socket.destroy())
        }
      },
    )
  }

  function handleChat(call: Call, body: ChatRequest): void {
    const { req, res, tracked, index } = call
    // Exactly two draws per request keep the sequence reproducible whatever the configuration.
    const jitterDraw = random()
    const faultDraw = random()
    const faultHeader = header(req, 'x-stub-fault')
    let fault: FaultKind | 'none' | undefined
    if (faultHeader !== undefined) {
      fault = FAULT_ALIASES[faultHeader.trim().toLowerCase()]
      if (fault === undefined) throw new HttpError(400, `unknown x-stub-fault ${faultHeader}`)
    } else {
      fault = config.faultFor?.(index, body) ?? drawFault(faultDraw)
    }
    const chosen = fault === 'none' ? undefined : fault

    const latencyHeader = header(req, 'x-stub-latency-ms')
    const delay =
      latencyHeader !== undefined
        ? Math.max(0, Number(latencyHeader) || 0)
        : Math.max(0, config.latencyMs + (jitterDraw * 2 - 1) * config.jitterMs)

    const respond = () => {
      if (res.destroyed) return
      try {
        reply()
      } catch (error) {
        // e.g. a throwing `answer` option after a latency wait: answer 500, keep serving.
        if (!res.headersSent && !res.destroyed) {
          fail(call, 500, `stub-llm: ${(error as Error).message}`, 'server_error')
        }
      }
    }

    const reply = () => {
      if (chosen !== undefined) stats.fault(tracked, chosen)
      switch (chosen) {
        case 'hang':
          return
        case 'reset':
          stats.end(tracked, FAILED)
          req.socket.destroy()
          return
        case 'error500':
          fail(call, 500, 'stub-llm: injected server error', 'server_error')
          return
        case 'rateLimit429':
          fail(call, 429, 'stub-llm: injected rate limit', 'rate_limit_error', retryHeaders(req))
          return
      }
      const hash = requestHash(body)
      const answer = shapeAnswer(
        buildAnswer(body, hash, config.answer?.(body)),
        chosen,
        maxTokensOf(body),
      )
      const usage = computeUsage(body.messages, completionChars(answer))
      const envelope = {
        id: `chatcmpl-${hash.toString(16).padStart(8, '0')}-${index}`,
        created: Math.floor(Date.now() / 1000),
        model: typeof body.model === 'string' ? body.model : (config.models[0] ?? 'stub-model'),
      }
      call.outcome = {
        kind: 'finished',
        prompt: usage.prompt_tokens,
        completion: usage.completion_tokens,
      }
      if (body.stream === true) {
        const events = completionSse(
          envelope,
          answer,
          usage,
          body.stream_options?.include_usage === true,
        )
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        for (const event of events) res.write(event)
        res.end()
      } else {
        sendJson(res, 200, completionJson(envelope, answer, usage))
      }
    }

    if (delay > 0) call.timer = setTimeout(respond, delay)
    else respond()
  }

  function control(req: IncomingMessage, res: ServerResponse, path: string, query: string): void {
    const method = req.method
    if (method === 'GET' && (path === '/v1/models' || path === '/models')) {
      const created = Math.floor(Date.now() / 1000)
      const data = config.models.map((id) => ({
        id,
        object: 'model',
        created,
        owned_by: 'assay-stub',
      }))
      sendJson(res, 200, JSON.stringify({ object: 'list', data }))
    } else if (method === 'GET' && path === '/stats') {
      const withTimestamps = !/(^|&)timestamps=(0|false)(&|$)/.test(query)
      sendJson(res, 200, JSON.stringify(stats.snapshot(withTimestamps)))
    } else if (method === 'POST' && path === '/stats/reset') {
      req.resume()
      stats.reset()
      sendJson(res, 200, '{"ok":true}')
    } else if (method === 'GET' && path === '/config') {
      sendJson(res, 200, JSON.stringify(publicOptions(config)))
    } else if (method === 'POST' && path === '/config') {
      readBody(req).then(
        (text) => {
          try {
            configure(parseConfigPatch(parseJson(text)))
            sendJson(res, 200, JSON.stringify(publicOptions(config)))
          } catch (error) {
            sendError(res, 400, (error as Error).message, 'invalid_request_error')
          }
        },
        () => res.destroy(),
      )
    } else if (method === 'GET' && path === '/health') {
      sendJson(res, 200, '{"ok":true}')
    } else {
      req.resume()
      sendError(res, 404, `Unknown route ${method} ${path}`, 'invalid_request_error')
    }
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    if (
      req.method === 'POST' &&
      (path === '/v1/chat/completions' || path === '/chat/completions')
    ) {
      chat(req, res)
    } else {
      control(req, res, path, q === -1 ? '' : url.slice(q + 1))
    }
  })
  server.keepAliveTimeout = 10_000
  server.headersTimeout = 15_000
  server.requestTimeout = 0

  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `http://${urlHost}:${port}/v1`,
    port,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    configure,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const call of active) {
          settle(call)
          call.res.destroy()
        }
        server.closeAllConnections()
      })
      return closing
    },
  }
}
