// OpenAI Chat Completions wire shapes: the JSON envelope and the SSE stream.

import type { Answer } from './answer.js'
import type { Usage } from './types.js'

export interface Envelope {
  id: string
  created: number
  model: string
}

function toolCalls(answer: Answer) {
  const call = answer.toolCall
  if (!call) return undefined
  return [
    { id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } },
  ]
}

/** The non-streaming `chat.completion` body. */
export function completionJson(envelope: Envelope, answer: Answer, usage: Usage): string {
  const calls = toolCalls(answer)
  const message = calls
    ? { role: 'assistant', content: answer.content, tool_calls: calls }
    : { role: 'assistant', content: answer.content }
  return JSON.stringify({
    id: envelope.id,
    object: 'chat.completion',
    created: envelope.created,
    model: envelope.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: answer.finishReason }],
    usage,
  })
}

const PIECE = 16

function pieces(text: string): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += PIECE) out.push(text.slice(i, i + PIECE))
  return out
}

/**
 * The `chat.completion.chunk` events of a streamed answer, each `data: {...}\n\n`, ending with
 * `data: [DONE]\n\n`. With include_usage every chunk carries `usage: null` and a last chunk with
 * empty choices carries the usage, as OpenAI does.
 */
export function completionSse(
  envelope: Envelope,
  answer: Answer,
  usage: Usage,
  includeUsage: boolean,
): string[] {
  const head = `{"id":${JSON.stringify(envelope.id)},"object":"chat.completion.chunk","created":${envelope.created},"model":${JSON.stringify(envelope.model)},"choices":`
  const tail = includeUsage ? ',"usage":null}' : '}'
  const event = (delta: unknown, finish: string | null) =>
    `data: ${head}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${JSON.stringify(finish)}}]${tail}\n\n`
  const events: string[] = []
  const call = answer.toolCall
  if (call) {
    events.push(
      event(
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              index: 0,
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: '' },
            },
          ],
        },
        null,
      ),
    )
    for (const piece of pieces(call.arguments)) {
      events.push(event({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null))
    }
  } else {
    events.push(event({ role: 'assistant', content: '' }, null))
    for (const piece of pieces(answer.content ?? '')) events.push(event({ content: piece }, null))
  }
  events.push(event({}, answer.finishReason))
  if (includeUsage) events.push(`data: ${head}[],"usage":${JSON.stringify(usage)}}\n\n`)
  events.push('data: [DONE]\n\n')
  return events
}
