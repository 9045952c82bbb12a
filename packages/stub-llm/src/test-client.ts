// Helpers for the stub's own tests: plain global fetch against the real server.

import type { StubLlm } from './types.js'

export const USER = [{ role: 'user', content: 'What is the capital of France?' }]

export function rootUrl(stub: StubLlm, path: string): string {
  return stub.url.replace(/\/v1$/, '') + path
}

export function postChat(
  stub: StubLlm,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${stub.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer x', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  })
}

export interface Completion {
  id: string
  object: string
  created: number
  model: string
  choices: Array<{
    index: number
    message: {
      role: string
      content: string | null
      tool_calls?: Array<{
        id: string
        type: string
        function: { name: string; arguments: string }
      }>
    }
    finish_reason: string
  }>
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
}

export async function chatJson(
  stub: StubLlm,
  body: unknown,
  headers?: Record<string, string>,
): Promise<Completion> {
  const res = await postChat(stub, body, headers)
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`)
  return (await res.json()) as Completion
}

export function contentOf(completion: Completion): string {
  return completion.choices[0]?.message.content ?? ''
}

/** Polls `condition` until it holds (throws after `timeoutMs`). */
export async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
