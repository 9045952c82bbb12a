import type {
  Clock,
  ModelAnswer,
  ModelCacheRepository,
  ModelFailure,
  ModelParams,
  ModelRequest,
  Result,
} from '@assay/core'
import type { CellAccumulator } from './cell-accumulator.js'
import type { ResolvedConnection } from './engine-deps.js'
import type { RetryPolicy } from './scheduler/backoff.js'
import type { ConnectionLimiter, Permit } from './scheduler/connection-limiter.js'
import { withRetries } from './scheduler/with-retries.js'

export type CallContext = {
  target: ResolvedConnection
  limiter: ConnectionLimiter
  params: ModelParams
  timeoutMs: number
  policy: RetryPolicy
  clock: Clock
  random: () => number
  hash: (text: string) => string
  cache: ModelCacheRepository | null
  signal: AbortSignal
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

/**
 * One model call for one cell: the cache first, then the connection's limiter, then the provider
 * with retries. Nothing is sent once the cell's signal has aborted: the check sits right before
 * the provider call, after every wait. Usage, attempts and latency go into the accumulator.
 */
export async function callModel(
  request: Pick<ModelRequest, 'system' | 'prompt' | 'responseSchema'>,
  ctx: CallContext,
  acc: CellAccumulator,
): Promise<Result<ModelAnswer, ModelFailure>> {
  const { connection, provider } = ctx.target
  const params: ModelParams = { ...connection.defaults, ...ctx.params }
  const full: ModelRequest = { ...request, params, timeoutMs: ctx.timeoutMs }
  const key = ctx.hash(
    JSON.stringify([
      connection.provider,
      connection.baseUrl,
      connection.model,
      params,
      request.system ?? null,
      request.prompt,
      request.responseSchema ?? null,
    ]),
  )
  acc.promptHash ??= key
  acc.model = connection.model
  if (ctx.cache) {
    const hit = await ctx.cache.get(key)
    if (hit) {
      acc.cached = true
      return {
        ok: true,
        value: {
          text: hit.text,
          usage: { inputTokens: 0, outputTokens: 0 },
          finishReason: 'cached',
          latencyMs: 0,
        },
      }
    }
  }
  const estimate =
    Math.ceil(((request.system?.length ?? 0) + request.prompt.length) / 4) +
    (params.maxOutputTokens ?? 256)
  if (ctx.signal.aborted)
    return { ok: false, error: CANCELLED('stopped before the request started') }
  const { result, attempts } = await withRetries(
    async (_attempt, signal) => {
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
        const answer = await provider.generate(full, { signal })
        acc.latencyMs += answer.ok ? answer.value.latencyMs : answer.error.latencyMs
        if (answer.ok) used = answer.value.usage.inputTokens + answer.value.usage.outputTokens
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
    if (ctx.cache) {
      await ctx.cache.put(key, {
        text: result.value.text,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        model: connection.model,
      })
    }
  }
  return result
}
