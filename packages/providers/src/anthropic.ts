import { createAnthropic } from '@ai-sdk/anthropic'
import type { BindingFactory } from './binding.js'

/** Written out so the SDK never falls back to the ANTHROPIC_BASE_URL environment variable. */
export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1'

/**
 * Anthropic Messages API (`POST {baseUrl}/messages`). It has no schema-less JSON mode, so the
 * `json` structured-output mode asks for plain text (the prompt spells out the shape).
 */
export const anthropicBinding: BindingFactory = (endpoint, options) => {
  const provider = createAnthropic({
    baseURL: endpoint.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL,
    // Always a string: the SDK would otherwise read ANTHROPIC_API_KEY from the environment.
    apiKey: endpoint.apiKey ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  return { model: provider.messages(endpoint.model), jsonObject: false }
}
