import type {
  ModelAnswer,
  ModelEndpoint,
  ModelFailure,
  ModelRequest,
  Result,
  TokenUsage,
} from '@assay/core'
import {
  generateText,
  type JSONSchema7,
  jsonSchema,
  type LanguageModelUsage,
  NoObjectGeneratedError,
  Output,
  type OutputInterface,
  tool,
} from 'ai'
import type { ProviderBinding } from './binding.js'
import { type AttemptSignals, causeChain, classifyError } from './failure.js'

type ResponseFormat = Awaited<OutputInterface['responseFormat']>
type Answer = Omit<ModelAnswer, 'latencyMs'>

/** Node clamps longer timers to 1 ms; keep the per-attempt timeout within a 32-bit delay. */
const MAX_TIMEOUT_MS = 2_147_483_647

/** Calls the model once; every failure comes back as data, never as an exception. */
export async function generateWith(
  binding: ProviderBinding,
  endpoint: ModelEndpoint,
  request: ModelRequest,
  signal: AbortSignal,
  startSignal?: AbortSignal,
): Promise<Result<ModelAnswer, ModelFailure>> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const attempt = attemptSignals(signal, request.timeoutMs)
  const classify = (error: unknown) =>
    classifyError(error, { latencyMs: elapsed(), signals: attempt, secret: endpoint.apiKey })
  try {
    // Nothing starts once the caller has stopped. (The SDK writes the request a few turns of the
    // event loop later; only the direct client checks the start signal at the socket.)
    if (signal.aborted) return { ok: false, error: classify(signal.reason) }
    if (startSignal?.aborted)
      return {
        ok: false,
        error: {
          kind: 'cancelled',
          retryable: false,
          retryAfterMs: null,
          status: null,
          message: 'The request was cancelled',
          latencyMs: elapsed(),
        },
      }
    const answer = await callModel(binding, endpoint, request, attempt.combined)
    return { ok: true, value: { ...answer, latencyMs: elapsed() } }
  } catch (error) {
    const recovered = recoverText(error)
    if (recovered) return { ok: true, value: { ...recovered, latencyMs: elapsed() } }
    return { ok: false, error: classify(error) }
  } finally {
    attempt.dispose()
  }
}

/**
 * The caller's signal combined with a per-attempt timeout. Wired by hand rather than with
 * `AbortSignal.any`: on Node 20 every `AbortSignal.any([runSignal, ...])` leaves ~130 bytes on
 * the long-lived run signal until that signal dies (measured: +13 MB per 100k calls).
 */
function attemptSignals(
  caller: AbortSignal,
  timeoutMs: number,
): AttemptSignals & { dispose(): void } {
  const timeout = AbortSignal.timeout(timeoutOf(timeoutMs))
  const controller = new AbortController()
  const onCaller = () => controller.abort(caller.reason)
  const onTimeout = () => controller.abort(timeout.reason)
  if (caller.aborted) onCaller()
  else caller.addEventListener('abort', onCaller, { once: true })
  timeout.addEventListener('abort', onTimeout, { once: true })
  return {
    caller,
    timeout,
    combined: controller.signal,
    dispose() {
      caller.removeEventListener('abort', onCaller)
      timeout.removeEventListener('abort', onTimeout)
    },
  }
}

async function callModel(
  binding: ProviderBinding,
  endpoint: ModelEndpoint,
  request: ModelRequest,
  abortSignal: AbortSignal,
): Promise<Answer> {
  const settings = {
    model: binding.model,
    ...(request.system !== undefined ? { system: request.system } : {}),
    prompt: request.prompt,
    temperature: request.params.temperature,
    topP: request.params.topP,
    maxOutputTokens: request.params.maxOutputTokens,
    maxRetries: 0, // the engine owns retries
    abortSignal,
  }
  const wanted = request.responseSchema
  if (wanted && endpoint.structuredOutput === 'tool-call') {
    const toolName = toolNameOf(wanted.name)
    const result = await generateText({
      ...settings,
      tools: {
        [toolName]: tool({
          description: 'Give your answer as the arguments of this call.',
          inputSchema: jsonSchema(wanted.schema as JSONSchema7),
        }),
      },
      toolChoice: { type: 'tool', toolName },
    })
    const call = result.toolCalls.find((c) => c.toolName === toolName) ?? result.toolCalls[0]
    const text = call ? toolInputText(call) : result.text
    return { text, usage: usageOf(result.usage), finishReason: result.finishReason }
  }

  let format: ResponseFormat
  if (wanted && endpoint.structuredOutput === 'json-schema') {
    format = { type: 'json', schema: wanted.schema as JSONSchema7, name: toolNameOf(wanted.name) }
  } else if (wanted && endpoint.structuredOutput === 'json' && binding.jsonObject) {
    format = { type: 'json' }
  }
  const result = await generateText({
    ...settings,
    ...(format ? { output: rawOutput(format) } : {}),
  })
  return { text: result.text, usage: usageOf(result.usage), finishReason: result.finishReason }
}

/**
 * Asks for `format` but hands the text back untouched: `Output.object`/`Output.json` would parse
 * it and throw on malformed or truncated JSON, and the engine parses tolerantly itself.
 */
function rawOutput(format: ResponseFormat): OutputInterface<string, string, never> {
  return { ...Output.text(), name: 'raw-json', responseFormat: Promise.resolve(format) }
}

/** A valid call's input re-serialized; an unparseable one (`invalid`) as the raw text sent. */
function toolInputText(call: { input: unknown; invalid?: boolean }): string {
  if (call.invalid === true && typeof call.input === 'string') return call.input
  return JSON.stringify(call.input) ?? ''
}

/** Should the SDK still throw on unparseable structured output, keep its text as the answer. */
export function recoverText(error: unknown): Answer | undefined {
  const wrapped = causeChain(error).find((e) => NoObjectGeneratedError.isInstance(e))
  if (!wrapped || !NoObjectGeneratedError.isInstance(wrapped) || wrapped.text === undefined) {
    return undefined
  }
  return {
    text: wrapped.text,
    usage: usageOf(wrapped.usage),
    finishReason: wrapped.finishReason ?? 'unknown',
  }
}

function usageOf(usage: LanguageModelUsage | undefined): TokenUsage {
  return { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 }
}

/** Function names must match ^[a-zA-Z0-9_-]{1,64}$ for OpenAI-style APIs. */
export function toolNameOf(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64)
  return clean === '' ? 'answer' : clean
}

function timeoutOf(ms: number): number {
  if (!Number.isFinite(ms)) return MAX_TIMEOUT_MS
  return Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.ceil(ms)))
}
