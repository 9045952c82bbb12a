import type {
  ModelAnswer,
  ModelEndpoint,
  ModelFailure,
  ModelProvider,
  ModelRequest,
  Result,
} from '@assay/core'
import { APICallError } from 'ai'
import { classifyError } from '../failure.js'
import { toolNameOf } from '../generate.js'
import { OPENAI_DEFAULT_BASE_URL } from '../openai.js'
import { createFetchPoster } from './fetch-poster.js'
import { createHttp1Poster, type HttpAnswer, type PostJson, TimeoutError } from './http1.js'

/**
 * The lean path for OpenAI Chat Completions (`openai`) and compatible servers
 * (`openai-compatible`): the request body the AI SDK would send, posted by a small keep-alive
 * HTTP/1.1 client, and the answer read straight from the JSON, with failures classified by the
 * same `classifyError` as the SDK path. It exists for throughput: per call it costs a fraction
 * of the CPU of `generateText` + fetch (no zod validation of the response, no web streams, one
 * timer and one abort listener per attempt).
 *
 * What it sends, per the endpoint's structured-output mode, when the request has a schema:
 * `json-schema` → `response_format: { type: 'json_schema', json_schema: { name, schema, strict } }`
 * (openai-compatible only when the SDK would: it is created with `supportsStructuredOutputs`
 * in that mode, so always here); `tool-call` → one forced function tool named after the schema;
 * `json` → `response_format: { type: 'json_object' }`.
 */
export function createChatCompletionsProvider(
  endpoint: ModelEndpoint,
  options: { fetch?: typeof fetch | undefined } = {},
): ModelProvider | { configError: string } {
  const baseUrl =
    endpoint.baseUrl ?? (endpoint.provider === 'openai' ? OPENAI_DEFAULT_BASE_URL : null)
  if (!baseUrl) return { configError: 'An OpenAI-compatible connection needs a base URL' }
  const url = `${baseUrl.replace(/\/+$/, '')}/chat/completions`
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': 'assay',
  }
  if (endpoint.apiKey) headers.authorization = `Bearer ${endpoint.apiKey}`
  let post: PostJson
  try {
    post = options.fetch
      ? createFetchPoster(url, headers, options.fetch)
      : createHttp1Poster(url, headers)
  } catch (error) {
    return { configError: `Invalid connection: ${(error as Error).message}` }
  }
  const secret = endpoint.apiKey

  // The body around the prompt is the same for every call of a column (a judge's system
  // message and answer schema): it is serialized once per params object, system and schema.
  const frames = new WeakMap<object, BodyFrame>()
  const bodyFrame = (request: ModelRequest): BodyFrame => {
    const known = frames.get(request.params)
    if (known && known.system === request.system && known.schema === request.responseSchema)
      return known
    const toolName = request.responseSchema ? toolNameOf(request.responseSchema.name) : ''
    const { messages, tools, tool_choice, ...rest } = requestBody(endpoint, request, toolName)
    const system = messages.length > 1 ? JSON.stringify(messages[0]) : null
    const restJson = JSON.stringify(rest)
    const head = `${restJson.slice(0, -1)}${restJson === '{}' ? '' : ','}"messages":[${system === null ? '' : `${system},`}{"role":"user","content":`
    const after = tools === undefined ? '' : `,"tools":${JSON.stringify(tools)}`
    const choice = tool_choice === undefined ? '' : `,"tool_choice":${JSON.stringify(tool_choice)}`
    const frame: BodyFrame = {
      system: request.system,
      schema: request.responseSchema,
      toolName,
      head,
      tail: `}]${after}${choice}}`,
    }
    frames.set(request.params, frame)
    return frame
  }

  return {
    async generate(request, { signal, startSignal }) {
      const started = performance.now()
      const elapsed = () => Math.round(performance.now() - started)
      const fail = (failure: ModelFailure): Result<ModelAnswer, ModelFailure> => ({
        ok: false,
        error: failure,
      })
      if (signal.aborted || startSignal?.aborted)
        return fail(cancelled(elapsed(), signal.aborted ? signal.reason : startSignal?.reason))
      const invalid = invalidParams(request)
      if (invalid)
        return fail({
          kind: 'bad_request',
          retryable: false,
          retryAfterMs: null,
          status: null,
          message: invalid,
          latencyMs: elapsed(),
        })
      const frame = bodyFrame(request)
      const toolName = frame.toolName
      const body = frame.head + JSON.stringify(request.prompt) + frame.tail
      let answer: HttpAnswer
      try {
        answer = await post(body, { signal, startSignal, timeoutMs: request.timeoutMs })
      } catch (error) {
        const latencyMs = elapsed()
        if (error instanceof TimeoutError && !signal.aborted)
          return fail({
            kind: 'timeout',
            retryable: true,
            retryAfterMs: null,
            status: null,
            message: 'The model did not answer within the time limit',
            latencyMs,
          })
        if (signal.aborted || startSignal?.aborted) return fail(cancelled(latencyMs, error))
        return fail(classifyError(error, { latencyMs, secret }))
      }
      const latencyMs = elapsed()
      if (answer.status < 200 || answer.status > 299)
        return fail(classifyError(apiError(url, body, answer), { latencyMs, secret }))
      const parsed = readCompletion(answer.body, toolName, request.responseSchema !== undefined)
      if (!parsed.ok) return fail(classifyError(parsed.error, { latencyMs, secret }))
      return { ok: true, value: { ...parsed.value, latencyMs } }
    },
  }
}

/** A request body without its prompt: `head + JSON.stringify(prompt) + tail`. */
type BodyFrame = {
  system: string | undefined
  schema: ModelRequest['responseSchema']
  toolName: string
  head: string
  tail: string
}

/** The mode a request is sent in: only requests with a schema ask for structured output. */
function requestBody(endpoint: ModelEndpoint, request: ModelRequest, toolName: string) {
  const params = request.params
  const messages: { role: string; content: string }[] = []
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system })
  messages.push({ role: 'user', content: request.prompt })
  const wanted = request.responseSchema
  const mode = wanted ? endpoint.structuredOutput : null
  return {
    model: endpoint.model,
    max_tokens: params.maxOutputTokens,
    temperature: params.temperature,
    top_p: params.topP,
    response_format:
      mode === 'json-schema' && wanted
        ? {
            type: 'json_schema',
            json_schema: { schema: wanted.schema, strict: true, name: toolName },
          }
        : mode === 'json'
          ? { type: 'json_object' }
          : undefined,
    messages,
    tools:
      mode === 'tool-call' && wanted
        ? [
            {
              type: 'function',
              function: {
                name: toolName,
                description: 'Give your answer as the arguments of this call.',
                parameters: wanted.schema,
              },
            },
          ]
        : undefined,
    tool_choice:
      mode === 'tool-call' ? { type: 'function', function: { name: toolName } } : undefined,
  }
}

/** The settings the AI SDK refuses before sending (so both paths refuse the same ones). */
function invalidParams(request: ModelRequest): string | undefined {
  const { maxOutputTokens, temperature, topP } = request.params
  const bad = (parameter: string, message: string) =>
    `Invalid argument for parameter ${parameter}: ${message}`
  if (maxOutputTokens != null) {
    if (!Number.isInteger(maxOutputTokens))
      return bad('maxOutputTokens', 'maxOutputTokens must be an integer')
    if (maxOutputTokens < 1) return bad('maxOutputTokens', 'maxOutputTokens must be >= 1')
  }
  if (temperature != null && typeof temperature !== 'number')
    return bad('temperature', 'temperature must be a number')
  if (topP != null && typeof topP !== 'number') return bad('topP', 'topP must be a number')
  return undefined
}

/** An HTTP error answer as the SDK reports it: the JSON error's message, else the status text. */
function apiError(url: string, body: string, answer: HttpAnswer): APICallError {
  let message = answer.statusText
  if (answer.body.trim() !== '') {
    try {
      const data = JSON.parse(answer.body) as { error?: { message?: unknown } }
      if (typeof data?.error?.message === 'string') message = data.error.message
    } catch {}
  }
  return new APICallError({
    message,
    url,
    requestBodyValues: body,
    statusCode: answer.status,
    responseHeaders: answer.headers,
    responseBody: answer.body,
  })
}

type Completion = {
  choices?: unknown
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null
}
type Choice = {
  message?: {
    content?: unknown
    refusal?: unknown
    tool_calls?: { function?: { name?: unknown; arguments?: unknown } }[] | null
  }
  finish_reason?: unknown
}

/** The answer's text (or forced tool call's arguments), usage and finish reason. */
function readCompletion(
  text: string,
  toolName: string,
  structured: boolean,
): { ok: true; value: Omit<ModelAnswer, 'latencyMs'> } | { ok: false; error: Error } {
  let data: Completion
  try {
    data = JSON.parse(text) as Completion
  } catch (error) {
    return { ok: false, error: new Error(`Invalid JSON response: ${(error as Error).message}`) }
  }
  if (typeof data !== 'object' || data === null || !Array.isArray(data.choices))
    return { ok: false, error: new Error('Invalid JSON response: no choices array') }
  const choice = data.choices[0] as Choice | undefined
  if (typeof choice !== 'object' || choice === null)
    return { ok: false, error: new Error('Response did not contain any choices.') }
  const message = choice.message
  if (typeof message !== 'object' || message === null)
    return { ok: false, error: new Error('Invalid JSON response: a choice without a message') }
  let content = contentText(message.content)
  const refusal = typeof message.refusal === 'string' && message.refusal.length > 0
  if (refusal) content += message.refusal as string
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : []
  let answerText = content
  if (structured && calls.length > 0) {
    const call = calls.find((c) => c?.function?.name === toolName) ?? calls[0]
    const args = call?.function?.arguments
    answerText = typeof args === 'string' ? toolInputText(args) : content
  }
  const usage = data.usage
  return {
    ok: true,
    value: {
      text: answerText,
      usage: {
        inputTokens: tokenCount(usage?.prompt_tokens),
        outputTokens: tokenCount(usage?.completion_tokens),
      },
      finishReason: finishReasonOf(choice.finish_reason, refusal),
    },
  }
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (part?.type === 'text' && typeof part.text === 'string') text += part.text
  }
  return text
}

/** As the SDK hands a tool call back: valid JSON re-serialized, anything else as sent. */
function toolInputText(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args === '' ? '{}' : args)) ?? args
  } catch {
    return args
  }
}

function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}

/** The AI SDK's names for OpenAI's finish reasons. */
function finishReasonOf(reason: unknown, refusal: boolean): string {
  switch (reason) {
    case 'stop':
      return refusal ? 'content-filter' : 'stop'
    case 'length':
      return 'length'
    case 'content_filter':
      return 'content-filter'
    case 'function_call':
    case 'tool_calls':
      return 'tool-calls'
    default:
      return 'other'
  }
}

function cancelled(latencyMs: number, _reason: unknown): ModelFailure {
  return {
    kind: 'cancelled',
    retryable: false,
    retryAfterMs: null,
    status: null,
    message: 'The request was cancelled',
    latencyMs,
  }
}
