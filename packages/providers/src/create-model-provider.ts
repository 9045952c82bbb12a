import type { ModelEndpoint, ModelProvider, ProviderKind } from '@assay/core'
import { answeredFetch } from './answered-fetch.js'
import { anthropicBinding } from './anthropic.js'
import { azureOpenAIBinding } from './azure-openai.js'
import type { BindingFactory } from './binding.js'
import { redact } from './failure.js'
import { generateWith } from './generate.js'
import { openAIBinding } from './openai.js'
import { openAICompatibleBinding } from './openai-compatible.js'

export type CreateModelProviderOptions = {
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch
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
  if ('configError' in binding) {
    const message = binding.configError
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
  const ready = binding
  return { generate: (request, { signal }) => generateWith(ready, endpoint, request, signal) }
}
