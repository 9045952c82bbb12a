import { createAzure } from '@ai-sdk/azure'
import type { BindingFactory } from './binding.js'

/**
 * Azure OpenAI through the Chat Completions API. The endpoint's base URL is the resource's
 * `https://<resource>.openai.azure.com/openai` (the SDK calls `/v1/chat/completions?api-version=v1`)
 * or any URL ending in `/openai/v1`; the endpoint's **model field is the deployment name**.
 */
export const azureOpenAIBinding: BindingFactory = (endpoint, options) => {
  if (!endpoint.baseUrl) {
    return {
      configError:
        'An Azure OpenAI connection needs a base URL (https://<resource>.openai.azure.com/openai)',
    }
  }
  const provider = createAzure({
    baseURL: endpoint.baseUrl,
    // Always a string: the SDK would otherwise read AZURE_API_KEY from the environment.
    apiKey: endpoint.apiKey ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  return { model: provider.chat(endpoint.model), jsonObject: true }
}
