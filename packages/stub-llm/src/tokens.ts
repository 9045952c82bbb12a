import type { ChatMessage, Usage } from './types.js'

/** The text of a message: its string content, or its text parts joined. */
export function messageText(message: ChatMessage): string {
  const content = message.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const part of content) if (typeof part?.text === 'string') text += part.text
  return text
}

/** Deterministic token estimate: one token per 4 characters, rounded up, at least 1. */
export function countTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4))
}

/**
 * prompt_tokens = ceil(chars of every message's text content / 4);
 * completion_tokens = ceil(chars of the answer / 4) (a tool call counts its name + arguments).
 * Both at least 1. Tool definitions and schemas are not counted.
 */
export function computeUsage(messages: readonly ChatMessage[], completionChars: number): Usage {
  let promptChars = 0
  for (const message of messages) promptChars += messageText(message).length
  const prompt = countTokens(promptChars)
  const completion = countTokens(completionChars)
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}
