import type { ModelEndpoint, ModelProvider, ProviderKind } from '@assay/core'
import { answeredFetch } from './answered-fetch.js'
import { anthropicBinding } from './anthropic.js'
import { azureOpenAIBinding } from './azure-openai.js'
import type { BindingFactory } from './binding.js'
import { createChatCompletionsProvider } from './direct/chat-completions.js'
import { redact } from './failure.js'
import { generateWith } from './generate.js'
import { openAIBinding } from './openai.js'
import { openAICompatibleBinding } from './openai-compatible.js'

export type CreateModelProviderOptions = {
  /** Replaces the global fetch (tests, proxies); the direct client then posts through it too. */
  fetch?: typeof fetch
  /**
   * Which client calls the model. `direct` (the default where it applies: `openai-compatible`,
   * and `openai` chat models that are not reasoning models) posts the Chat Completions request
   * with Assay's own lean HTTP client; `ai-sdk` goes through the Vercel AI SDK, which every other
   * connection (Anthropic, Azure OpenAI, OpenAI reasoning models) always uses.
   */
  client?: 'direct' | 'ai-sdk'
}

const BINDINGS: Record<ProviderKind, BindingFactory> = {
  'openai-compatible': openAICompatibleBinding,
  openai: openAIBinding,
  anthropic: anthropicBinding,
  'azure-openai': azureOpenAIBinding,
}

/**
 * Core's `ModelProviderFactory`: one provider per model connection. A connection that cannot be
 * used (no base URL where one is needed, unknown kind) answers every call with a `bad_request`.
 */
export function createModelProvider(
  endpoint: ModelEndpoint,
  options: CreateModelProviderOptions = {},
): ModelProvider {
  if ((options.client ?? 'direct') === 'direct' && usesDirectClient(endpoint)) {
    const direct = createChatCompletionsProvider(endpoint, { fetch: options.fetch })
    if (!('configError' in direct)) return direct
    return failing(direct.configError)
  }
  const factory = BINDINGS[endpoint.provider] as BindingFactory | undefined
  options = { ...options, fetch: answeredFetch(options.fetch ?? fetch) }
  let binding: ReturnType<BindingFactory>
  try {
    binding = factory
      ? factory(endpoint, options)
      : { configError: `Unknown provider kind ${String(endpoint.provider)}` }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    binding = { configError: `Invalid connection: ${redact(message, endpoint.apiKey)}` }
  }
  if ('configError' in binding) return failing(binding.configError)
  const ready = binding
  return {
    generate: (request, { signal, startSignal }) =>
      generateWith(ready, endpoint, request, signal, startSignal),
  }
}

/** A connection that cannot be used answers every call with this `bad_request`. */
function failing(message: string): ModelProvider {
  return {
    generate: async () => ({
      ok: false,
      error: {
        kind: 'bad_request',
        retryable: false,
        retryAfterMs: null,
        status: null,
        message,
        latencyMs: 0,
      },
    }),
  }
}

/**
 * The connections the direct client serves: OpenAI-compatible servers, and OpenAI's own API for
 * models the AI SDK does not treat as reasoning models (o-series, gpt-5 and later except their
 * `chat` variants), whose requests differ (max_completion_tokens, no temperature, developer role).
 */
export function usesDirectClient(endpoint: ModelEndpoint): boolean {
  if (endpoint.provider === 'openai-compatible') return true
  if (endpoint.provider !== 'openai') return false
  const model = endpoint.model
  if (/^o\d+(?:-|$)/.test(model)) return false
  const gpt = /^gpt-(\d+)(?:\.(\d+))?(?:-(.+))?$/.exec(model)
  if (!gpt) return true
  const isChatVariant = gpt[2] === undefined && (gpt[3]?.startsWith('chat') ?? false)
  return Number(gpt[1]) < 5 || isChatVariant
}
