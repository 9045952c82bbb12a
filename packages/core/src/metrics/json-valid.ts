import { z } from 'zod'
import { ok, type Result } from '../result.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'

/** Longest parser message kept in an explanation (V8 echoes part of the input). */
const PARSE_MESSAGE_MAX = 200

/**
 * `stripCodeFence: true` accepts output wrapped in one Markdown code fence (```json … ```),
 * the way chat models often answer; off by default so the check stays strict.
 */
export const JsonValidParamsSchema = z.strictObject({
  stripCodeFence: z.boolean().default(false),
})
export type JsonValidParams = z.output<typeof JsonValidParamsSchema>

/** Returns the body of a single Markdown code fence around the whole text, else the text. */
export function stripCodeFence(text: string): string {
  const fenced = /^\s*```[\w+-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/.exec(text)
  return fenced?.[1] ?? text
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string }

/** JSON.parse without throwing; the message is the parser's own, shortened. */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    const message = (error as Error).message
    const short =
      message.length > PARSE_MESSAGE_MAX ? `${message.slice(0, PARSE_MESSAGE_MAX - 1)}…` : message
    return { ok: false, message: short }
  }
}

/** Names the JSON type of a parsed value: object, array, string, number, boolean or null. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/** 1 when `output` parses as JSON; the explanation carries the parser's message otherwise. */
export function jsonValid(
  output: string,
  options: JsonValidParams = { stripCodeFence: false },
): MetricResult {
  const parsed = parseJson(options.stripCodeFence ? stripCodeFence(output) : output)
  return parsed.ok
    ? checkResult(true, `valid JSON (${jsonKind(parsed.value)})`)
    : checkResult(false, `invalid JSON: ${parsed.message}`)
}

export function createJsonValidMetric(params: JsonValidParams): Result<MetricFn> {
  return ok((vars) => jsonValid(readVar(vars, 'output'), params))
}
