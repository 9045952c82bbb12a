import type { ModelFailure, Result, Scale, TokenUsage } from '@assay/core'
import { answerShape } from './answer-format.js'
import { type JudgeVerdict, parseJudgeAnswer } from './parse-judge-answer.js'
import {
  type AskFn,
  addUsage,
  type JudgeRequest,
  type JudgeUnparseable,
  ZERO_USAGE,
} from './types.js'

/** How much of an unusable answer the re-ask quotes back: its head and its tail. */
const QUOTE_HEAD = 1000
const QUOTE_TAIL = 400

/** The previous answer as the re-ask quotes it: whole when short, head + tail when long. */
export function quoteAnswer(answer: string): string {
  if (answer.length <= QUOTE_HEAD + QUOTE_TAIL + 50) return answer
  const omitted = answer.length - QUOTE_HEAD - QUOTE_TAIL
  return `${answer.slice(0, QUOTE_HEAD)}\n[… ${omitted} characters omitted …]\n${answer.slice(-QUOTE_TAIL)}`
}

/**
 * The one message Assay adds when an answer cannot be read: what was wrong, the answer itself
 * (bounded, see `quoteAnswer`) and the exact shape required. Requests carry no chat history, so
 * `reaskRequest` appends it to the original prompt.
 */
export function reaskMessage(problem: string, previousAnswer: string, shape: string): string {
  const quoted = previousAnswer.trim() === '' ? '(empty)' : quoteAnswer(previousAnswer)
  return [
    '# Your previous answer could not be used',
    `Problem: ${problem}.`,
    '',
    'Your previous answer was:',
    '<previous_answer>',
    quoted,
    '</previous_answer>',
    '',
    'Do the task above again and answer in the required format: one JSON object of exactly ' +
      'this shape (placeholders in angle brackets), with no code fence and no text before or ' +
      'after it:',
    shape,
  ].join('\n')
}

/** The re-ask for a judge answer on `scale`. */
export function judgeReaskMessage(error: JudgeUnparseable, scale: Scale): string {
  return reaskMessage(error.message, error.raw, answerShape(scale))
}

/** The original request with the re-ask message appended to its prompt. */
export function reaskRequest(
  original: JudgeRequest,
  problem: string,
  previousAnswer: string,
  shape: string,
): JudgeRequest {
  return {
    ...original,
    prompt: `${original.prompt}\n\n${reaskMessage(problem, previousAnswer, shape)}`,
  }
}

export type AskOutcome<T> =
  | { kind: 'parsed'; value: T; raw: string; finishReason: string }
  /** Still unreadable after the re-ask; `error.raw` is the last answer's text. */
  | { kind: 'unparseable'; error: JudgeUnparseable }
  | { kind: 'failure'; failure: ModelFailure }

export type AskResult<T> = {
  outcome: AskOutcome<T>
  /** Summed over every call made, failed ones included when they report usage. */
  usage: TokenUsage
  latencyMs: number
  calls: 1 | 2
}

/** A parser of one answer's text; its message says what was wrong. */
export type AnswerParser<T> = (text: string) => Result<T, { message: string }>

/**
 * Asks once, parses, and when the answer cannot be read asks once more with `reaskRequest`.
 * Never more than two calls; a provider failure on either call ends it and is returned as data
 * (retrying transient failures is the caller's `ask`'s business). `shape` is the one-line
 * answer shape quoted in the re-ask.
 */
export async function askWithReask<T>(
  ask: AskFn,
  request: JudgeRequest,
  parse: AnswerParser<T>,
  shape: string,
): Promise<AskResult<T>> {
  const first = await attempt(ask, request, parse)
  if (first.kind !== 'unreadable') return { ...first.result, calls: 1 }
  const retry = reaskRequest(request, first.problem, first.text, shape)
  const second = await attempt(ask, retry, parse)
  const usage = addUsage(
    first.usage,
    second.kind === 'unreadable' ? second.usage : second.result.usage,
  )
  const latencyMs =
    first.latencyMs + (second.kind === 'unreadable' ? second.latencyMs : second.result.latencyMs)
  if (second.kind !== 'unreadable') return { ...second.result, usage, latencyMs, calls: 2 }
  const error: JudgeUnparseable = {
    code: 'judge_unparseable',
    message: second.problem,
    raw: second.text,
  }
  return { outcome: { kind: 'unparseable', error }, usage, latencyMs, calls: 2 }
}

type Attempt<T> =
  | { kind: 'done'; result: Omit<AskResult<T>, 'calls'> }
  | { kind: 'unreadable'; problem: string; text: string; usage: TokenUsage; latencyMs: number }

/** One call and its parse. */
async function attempt<T>(
  ask: AskFn,
  request: JudgeRequest,
  parse: AnswerParser<T>,
): Promise<Attempt<T>> {
  const answer = await safeAsk(ask, request)
  if (!answer.ok) {
    const failure = answer.error
    return {
      kind: 'done',
      result: {
        outcome: { kind: 'failure', failure },
        usage: ZERO_USAGE,
        latencyMs: failure.latencyMs,
      },
    }
  }
  const { text, finishReason, usage, latencyMs } = answer.value
  const parsed = parse(text)
  if (parsed.ok) {
    return {
      kind: 'done',
      result: {
        outcome: { kind: 'parsed', value: parsed.value, raw: text, finishReason },
        usage: addUsage(ZERO_USAGE, usage),
        latencyMs,
      },
    }
  }
  const problem =
    finishReason === 'length'
      ? `${parsed.error.message} (the model stopped at its output token limit: keep the answer shorter)`
      : parsed.error.message
  return { kind: 'unreadable', problem, text, usage: addUsage(ZERO_USAGE, usage), latencyMs }
}

/** An `ask` that throws (a bug, or an abort surfacing as an exception) still yields data. */
async function safeAsk(ask: AskFn, request: JudgeRequest): ReturnType<AskFn> {
  try {
    return await ask(request)
  } catch (error) {
    const aborted = error instanceof Error && error.name === 'AbortError'
    return {
      ok: false,
      error: {
        kind: aborted ? 'cancelled' : 'unknown',
        retryable: false,
        retryAfterMs: null,
        status: null,
        message: error instanceof Error ? error.message : String(error),
        latencyMs: 0,
      },
    }
  }
}

/**
 * Runs one LLM judge on one row: asks with the judge prompt (from `buildJudgePrompt`), parses
 * with `parseJudgeAnswer`, re-asks at most once with the parse error and the required shape.
 */
export function judgeWithReask(
  ask: AskFn,
  judgePrompt: JudgeRequest,
  scale: Scale,
): Promise<AskResult<JudgeVerdict>> {
  return askWithReask(ask, judgePrompt, (text) => parseJudgeAnswer(text, scale), answerShape(scale))
}
