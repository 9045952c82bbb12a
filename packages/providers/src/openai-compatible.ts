import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import type { BindingFactory } from './binding.js'

/**
 * Any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp, the stub). The SDK sends
 * `response_format: json_schema` only when created with `supportsStructuredOutputs: true`, else
 * `json_object`; the endpoint's structured-output mode decides.
 */
export const openAICompatibleBinding: BindingFactory = (endpoint, options) => {
  if (!endpoint.baseUrl) return { configError: 'An OpenAI-compatible connection needs a base URL' }
  const provider = createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: endpoint.baseUrl,
    // No key means no Authorization header (local servers usually need none).
    ...(endpoint.apiKey ? { apiKey: endpoint.apiKey } : {}),
    supportsStructuredOutputs: endpoint.structuredOutput === 'json-schema',
    includeUsage: true,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  return { model: provider.chatModel(endpoint.model), jsonObject: true }
}
