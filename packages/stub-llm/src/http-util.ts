// Small node:http helpers of the stub: bodies, JSON answers, OpenAI-style errors.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ChatRequest } from './types.js'

const MAX_BODY_BYTES = 32 * 1024 * 1024

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers?: Record<string, string>,
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  })
  res.end(body)
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  headers?: Record<string, string>,
): void {
  sendJson(
    res,
    status,
    JSON.stringify({ error: { message, type, param: null, code: null } }),
    headers,
  )
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let ended = false
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`))
        req.resume()
        req.removeAllListeners('data')
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      ended = true
      resolve(
        chunks.length === 1
          ? (chunks[0] as Buffer).toString('utf8')
          : Buffer.concat(chunks).toString('utf8'),
      )
    })
    req.on('error', reject)
    req.on('close', () => {
      if (!ended) reject(new Error('client closed the request'))
    })
  })
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpError(
      400,
      `We could not parse the JSON body of your request: ${(error as Error).message}`,
    )
  }
}

export function parseChatRequest(value: unknown): ChatRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'The request body must be a JSON object.')
  }
  const messages = (value as { messages?: unknown }).messages
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new HttpError(400, "'messages' must be a non-empty array.")
  }
  for (const message of messages) {
    if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
      throw new HttpError(400, "Each entry of 'messages' must be an object with a 'role'.")
    }
  }
  const tools = (value as { tools?: unknown }).tools
  if (tools !== undefined && tools !== null) {
    const valid =
      Array.isArray(tools) &&
      tools.every((t) => typeof t?.function?.name === 'string' && t.function.name !== '')
    if (!valid)
      throw new HttpError(400, "'tools' must be an array of { type, function: { name } }.")
  }
  return value as ChatRequest
}
