import { createOpenAI } from '@ai-sdk/openai'
import type { BindingFactory } from './binding.js'

/** Written out so the SDK never falls back to the OPENAI_BASE_URL environment variable. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1'

/** OpenAI through the Chat Completions API (`.chat`), not the Responses API. */
export const openAIBinding: BindingFactory = (endpoint, options) => {
  const provider = createOpenAI({
    baseURL: endpoint.baseUrl ?? OPENAI_DEFAULT_BASE_URL,
    // Always a string: the SDK would otherwise read OPENAI_API_KEY from the environment.
    apiKey: endpoint.apiKey ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  return { model: provider.chat(endpoint.model), jsonObject: true }
}
