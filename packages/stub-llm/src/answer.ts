// What the stub answers: a deterministic function of the request (and the injected fault).

import { plainSentence } from './phrases.js'
import { fnv1a } from './random.js'
import { defaultJudgeObject, valueForSchema } from './schema-value.js'
import { messageText } from './tokens.js'
import type { ChatRequest, ChatTool, FaultKind } from './types.js'

export type FinishReason = 'stop' | 'length' | 'tool_calls'

export interface Answer {
  /** null when the answer is a tool call. */
  content: string | null
  toolCall?: { id: string; name: string; arguments: string }
  finishReason: FinishReason
}

/** Content of a `malformed` answer: a 200 whose content is not JSON. */
export const MALFORMED_CONTENT = 'Sure! The score is probably high.'

/** FNV-1a hash of the request messages: the seed of every generated value. */
export function requestHash(request: ChatRequest): number {
  return fnv1a(JSON.stringify(request.messages))
}

/** The tool the request forces the model to call, if any (tool_choice 'required' or named). */
export function forcedTool(request: ChatRequest): ChatTool | undefined {
  const tools = request.tools
  if (!Array.isArray(tools) || tools.length === 0) return undefined
  const choice = request.tool_choice
  if (choice === 'required') return tools[0]
  if (typeof choice === 'object' && choice !== null && choice.type === 'function') {
    return tools.find((t) => t.function?.name === choice.function?.name) ?? tools[0]
  }
  return undefined
}

/**
 * Judge mode: the request wants JSON — a json_object/json_schema response_format, any tool, or
 * the word "JSON" in a system message or the last user message.
 */
export function isJudgeRequest(request: ChatRequest): boolean {
  const format = request.response_format?.type
  if (format === 'json_object' || format === 'json_schema') return true
  if (Array.isArray(request.tools) && request.tools.length > 0) return true
  const messages = request.messages
  for (let i = messages.length - 1, seenUser = false; i >= 0; i--) {
    const message = messages[i]
    if (!message) continue
    const isLastUser = message.role === 'user' && !seenUser
    if (message.role === 'user') seenUser = true
    if (
      (isLastUser || message.role === 'system' || message.role === 'developer') &&
      /\bjson\b/i.test(messageText(message))
    ) {
      return true
    }
  }
  return false
}

/** The answer to `request` before faults; `scripted` (option `answer`) overrides the text. */
export function buildAnswer(request: ChatRequest, hash: number, scripted?: string): Answer {
  const tool = forcedTool(request)
  if (tool) {
    const args = scripted ?? JSON.stringify(valueForSchema(tool.function?.parameters, hash))
    const id = `call_${hash.toString(16).padStart(8, '0')}`
    return {
      content: null,
      toolCall: { id, name: tool.function?.name ?? 'tool', arguments: args },
      finishReason: 'tool_calls',
    }
  }
  if (scripted !== undefined) return { content: scripted, finishReason: 'stop' }
  if (!isJudgeRequest(request)) return { content: plainSentence(hash), finishReason: 'stop' }
  const format = request.response_format
  const schema = format?.type === 'json_schema' ? format.json_schema?.schema : undefined
  const value = schema === undefined ? defaultJudgeObject(hash) : valueForSchema(schema, hash)
  return { content: JSON.stringify(value), finishReason: 'stop' }
}

function cut(text: string): string {
  return text.slice(0, Math.floor(text.length * 0.6))
}

/** Applies a `malformed`/`truncated` fault and the max_tokens limit to an answer. */
export function shapeAnswer(
  answer: Answer,
  fault: FaultKind | undefined,
  maxTokens?: number,
): Answer {
  let { content, toolCall, finishReason } = answer
  if (fault === 'malformed') {
    if (toolCall) toolCall = { ...toolCall, arguments: MALFORMED_CONTENT }
    else content = MALFORMED_CONTENT
  } else if (fault === 'truncated') {
    if (toolCall) toolCall = { ...toolCall, arguments: cut(toolCall.arguments) }
    else content = cut(content ?? '')
    finishReason = 'length'
  }
  if (maxTokens !== undefined && maxTokens > 0) {
    const limit = maxTokens * 4
    if (toolCall && toolCall.arguments.length > limit) {
      toolCall = { ...toolCall, arguments: toolCall.arguments.slice(0, limit) }
      finishReason = 'length'
    } else if (content !== null && content.length > limit) {
      content = content.slice(0, limit)
      finishReason = 'length'
    }
  }
  return toolCall ? { content, toolCall, finishReason } : { content, finishReason }
}

/** Characters billed as completion: the content, or a tool call's name + arguments. */
export function completionChars(answer: Answer): number {
  if (answer.toolCall) return answer.toolCall.name.length + answer.toolCall.arguments.length
  return answer.content?.length ?? 0
}
