import type {
  CachedAnswer,
  Clock,
  ModelAnswer,
  ModelFailure,
  ModelParams,
  ModelRequest,
  Result,
} from '@assay/core'
import type { CellAccumulator } from './cell-accumulator.js'
import type { ResolvedConnection } from './engine-deps.js'
import { type RetryPolicy, retryDelay } from './scheduler/backoff.js'
import type { ConnectionLimiter, Permit } from './scheduler/connection-limiter.js'
import { withRetries } from './scheduler/with-retries.js'

/** Stored answers by request key (the engine's writer: reads see answers not yet flushed). */
export type AnswerCache = {
  cached(key: string): Promise<CachedAnswer | undefined>
  /** Keeps an answer for reuse; written with the next batch, best effort. */
  cacheAnswer(key: string, answer: CachedAnswer): void
}

export type CallContext = {
  target: ResolvedConnection
  limiter: ConnectionLimiter
  params: ModelParams
  timeoutMs: number
  policy: RetryPolicy
  clock: Clock
  random: () => number
  hash: (text: string) => string
  cache: AnswerCache | null
  /** Identical requests now in flight: a second one waits for the first instead of paying again. */
  inflight: Map<string, Promise<Result<ModelAnswer, ModelFailure>>>
  /** Aborted at a stop: no request may start after it. */
  signal: AbortSignal
  /** Aborted just after a stop: what a sent request listens to. */
  requestSignal: AbortSignal
  /** Called right before a request would start; returns a reason to refuse it (budget). */
  mayStart: (estimatedTokens: number) => string | null
  onBackoff: (info: { attempt: number; delayMs: number; failure: ModelFailure }) => void
  onGeneration: (usage: { inputTokens: number; outputTokens: number }) => void
}

const CANCELLED = (message: string): ModelFailure => ({
  kind: 'cancelled',
  retryable: false,
  retryAfterMs: null,
  status: null,
  message,
  latencyMs: 0,
})

const cachedAnswer = (text: string): ModelAnswer => ({
  text,
  usage: { inputTokens: 0, outputTokens: 0 },
  finishReason: 'cached',
  latencyMs: 0,
})

type KeyParts = {
  target: CallContext['target']
  system: string | undefined
  schema: ModelRequest['responseSchema']
  params: ModelParams
  prefix: string
  suffix: string
}

/** By a column's params object: what its calls' cache keys share (one column, one judge). */
const keyPartsByParams = new WeakMap<object, KeyParts>()

/**
 * The request key is the hash of `JSON.stringify([provider, baseUrl, model, params, system,
 * prompt, responseSchema])`; everything but the prompt is the same for every call of a column,
 * so its JSON is made once (the string is identical, so stored cache entries keep matching).
 */
function keyParts(
  request: Pick<ModelRequest, 'system' | 'prompt' | 'responseSchema'>,
  ctx: CallContext,
): KeyParts {
  const known = keyPartsByParams.get(ctx.params)
  if (
    known &&
    known.target === ctx.target &&
    known.system === request.system &&
    known.schema === request.responseSchema
  )
    return known
  const { connection } = ctx.target
  const params: ModelParams = { ...connection.defaults, ...ctx.params }
  const head = JSON.stringify([
    connection.provider,
    connection.baseUrl,
    connection.model,
    params,
    request.system ?? null,
  ])
  const parts: KeyParts = {
    target: ctx.target,
    system: request.system,
    schema: request.responseSchema,
    params,
    prefix: `${head.slice(0, -1)},`,
    suffix: `,${JSON.stringify(request.responseSchema ?? null)}]`,
  }
  keyPartsByParams.set(ctx.params, parts)
  return parts
}

/**
 * One model call for one cell: the cache first (stored answers, then identical requests in
 * flight), then the connection's limiter, then the provider with retries. Nothing is sent once
 * the cell's signal has aborted: the check sits right before the provider call, after every
 * wait. Usage, attempts and latency go into the accumulator.
 */
export async function callModel(
  request: Pick<ModelRequest, 'system' | 'prompt' | 'responseSchema'>,
  ctx: CallContext,
  acc: CellAccumulator,
): Promise<Result<ModelAnswer, ModelFailure>> {
  const { connection } = ctx.target
  const parts = keyParts(request, ctx)
  const params = parts.params
  const full: ModelRequest = { ...request, params, timeoutMs: ctx.timeoutMs }
  // JSON.stringify([provider, baseUrl, model, params, system, prompt, schema]), with only the
  // prompt serialized per call.
  const key = ctx.hash(parts.prefix + JSON.stringify(request.prompt) + parts.suffix)
  acc.promptHash ??= key
  acc.model = connection.model
  if (!ctx.cache) return send(key, full, ctx, acc)
  const hit = await ctx.cache.cached(key)
  if (hit) {
    acc.cached = true
    return { ok: true, value: cachedAnswer(hit.text) }
  }
  const leader = ctx.inflight.get(key)
  if (leader) {
    const answer = await leader
    if (answer.ok) {
      acc.cached = true
      return { ok: true, value: cachedAnswer(answer.value.text) }
    }
    // The first caller failed or was stopped: this one tries for itself.
  }
  const call = send(key, full, ctx, acc)
  ctx.inflight.set(key, call)
  try {
    return await call
  } finally {
    if (ctx.inflight.get(key) === call) ctx.inflight.delete(key)
  }
}

async function send(
  key: string,
  full: ModelRequest,
  ctx: CallContext,
  acc: CellAccumulator,
): Promise<Result<ModelAnswer, ModelFailure>> {
  const { connection, provider } = ctx.target
  const estimate =
    Math.ceil(((full.system?.length ?? 0) + full.prompt.length) / 4) +
    (full.params.maxOutputTokens ?? 256)
  if (ctx.signal.aborted)
    return { ok: false, error: CANCELLED('stopped before the request started') }
  const { result, attempts } = await withRetries(
    async (attempt, signal) => {
      // A slot per attempt, so a backoff sleep holds none.
      let permit: Permit
      try {
        permit = await ctx.limiter.acquire(estimate, signal)
      } catch {
        return { ok: false, error: CANCELLED('stopped while waiting for the connection') }
      }
      let used: number | undefined
      try {
        // The last gate before a request starts: a confirmed stop or a spent budget ends here.
        if (signal.aborted)
          return { ok: false, error: CANCELLED('stopped before the request started') }
        const refused = ctx.mayStart(estimate)
        if (refused) return { ok: false, error: CANCELLED(refused) }
        // The gate goes along as the start signal: a client that connects first checks it again
        // at the socket, so a stop confirmed meanwhile still sends nothing.
        const answer = await provider.generate(full, {
          signal: ctx.requestSignal,
          startSignal: signal,
        })
        acc.latencyMs += answer.ok ? answer.value.latencyMs : answer.error.latencyMs
        if (answer.ok) used = answer.value.usage.inputTokens + answer.value.usage.outputTokens
        else pauseOnRetryAfter(answer.error, attempt, ctx)
        return answer
      } finally {
        permit.release(used)
      }
    },
    {
      policy: ctx.policy,
      clock: ctx.clock,
      random: ctx.random,
      signal: ctx.signal,
      limiter: ctx.limiter,
      onBackoff: ctx.onBackoff,
    },
  )
  acc.attempts += attempts
  if (result.ok) {
    const usage = result.value.usage
    acc.add(usage, connection)
    acc.generations += 1
    ctx.onGeneration(usage)
    // NUL cannot be stored (PostgreSQL text); such an answer is simply not cached.
    if (ctx.cache && !result.value.text.includes('\u0000')) {
      ctx.cache.cacheAnswer(key, {
        text: result.value.text,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        model: connection.model,
      })
    }
  }
  return result
}

/**
 * A 429 with Retry-After pauses the whole connection before this request's slot is freed, so a
 * request queued behind it is not sent into the same limit (withRetries pauses it only later).
 */
function pauseOnRetryAfter(failure: ModelFailure, attempt: number, ctx: CallContext): void {
  if (failure.kind !== 'rate_limited' && failure.status !== 429) return
  if (failure.retryAfterMs === null || !Number.isFinite(failure.retryAfterMs)) return
  const decision = retryDelay(failure, attempt, ctx.policy, ctx.random)
  if (decision.retry) ctx.limiter.pause(ctx.clock.now() + decision.delayMs)
}
