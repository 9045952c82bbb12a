import type { ModelEndpoint } from '@assay/core'
import type { LanguageModel } from 'ai'

/** One provider kind's AI SDK model for an endpoint, and what it can be asked. */
export type ProviderBinding = {
  model: LanguageModel
  /** Whether a schema-less JSON answer (`response_format: json_object`) can be requested. */
  jsonObject: boolean
}

export type BindingOptions = { fetch?: typeof fetch }

/** Builds the binding, or says why the endpoint cannot be used (a configuration error). */
export type BindingFactory = (
  endpoint: ModelEndpoint,
  options: BindingOptions,
) => ProviderBinding | { configError: string }
