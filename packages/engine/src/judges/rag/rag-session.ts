import { type ModelFailure, renderTemplate, type TokenUsage } from '@assay/core'
import { JUDGE_SYSTEM_PROMPT } from '../judge-prompt.js'
import { type AnswerParser, askWithReask } from '../reask.js'
import {
  type AskFn,
  addUsage,
  type JudgeRequest,
  type JudgeUnparseable,
  ZERO_USAGE,
} from '../types.js'
import type { RagStep, RagStepId } from './rag-steps.js'

export type RagOutcome =
  | { kind: 'scored'; score: number; explanation: string }
  /** A step's answer was still unreadable after its re-ask; `error.raw` is that answer. */
  | { kind: 'unparseable'; step: RagStepId; error: JudgeUnparseable }
  | { kind: 'failure'; step: RagStepId; failure: ModelFailure }
  /**
   * No score: an input is unusable (empty response, no chunks to rank) or the formula is
   * undefined (no statements: RAGAS returns NaN). `message` says which, for the cell's error.
   */
  | { kind: 'invalid'; message: string }

/** One answer of the run, for the cell's raw-answer field. */
export type RagTranscriptEntry = { step: RagStepId; label: string; raw: string }

export type RagRun = {
  outcome: RagOutcome
  /** Model calls made, re-asks included. */
  calls: number
  usage: TokenUsage
  latencyMs: number
  transcript: RagTranscriptEntry[]
}

export type StepResult<T> = { ok: true; value: T } | { ok: false; outcome: RagOutcome }

/**
 * Drives the steps of one metric run: renders a step's template, asks with at most one re-ask
 * (`askWithReask`), and keeps the running totals. The first unparseable answer or provider
 * failure ends the run (`StepResult.ok === false` carries the outcome to return).
 */
export class RagSession {
  private calls = 0
  private usage: TokenUsage = ZERO_USAGE
  private latencyMs = 0
  private readonly transcript: RagTranscriptEntry[] = []

  constructor(private readonly ask: AskFn) {}

  async step<T>(
    step: RagStep,
    values: Readonly<Record<string, string>>,
    parse: AnswerParser<T>,
    label: string,
  ): Promise<StepResult<T>> {
    const rendered = renderTemplate(step.template, values)
    if (!rendered.ok) {
      return { ok: false, outcome: { kind: 'invalid', message: rendered.error.message } }
    }
    const request: JudgeRequest = {
      system: JUDGE_SYSTEM_PROMPT,
      prompt: `${rendered.value}\n\n${step.instructions}`,
      responseSchema: step.responseSchema,
    }
    const result = await askWithReask(this.ask, request, parse, step.shape)
    this.calls += result.calls
    this.usage = addUsage(this.usage, result.usage)
    this.latencyMs += result.latencyMs
    const { outcome } = result
    if (outcome.kind === 'parsed') {
      this.transcript.push({ step: step.id, label, raw: outcome.raw })
      return { ok: true, value: outcome.value }
    }
    if (outcome.kind === 'unparseable') {
      this.transcript.push({ step: step.id, label, raw: outcome.error.raw })
      const error = { ...outcome.error, message: `${label}: ${outcome.error.message}` }
      return { ok: false, outcome: { kind: 'unparseable', step: step.id, error } }
    }
    return { ok: false, outcome: { kind: 'failure', step: step.id, failure: outcome.failure } }
  }

  finish(outcome: RagOutcome): RagRun {
    return {
      outcome,
      calls: this.calls,
      usage: this.usage,
      latencyMs: this.latencyMs,
      transcript: [...this.transcript],
    }
  }

  scored(score: number, explanation: string): RagRun {
    return this.finish({ kind: 'scored', score, explanation })
  }

  invalid(message: string): RagRun {
    return this.finish({ kind: 'invalid', message })
  }
}

/** A list as an explanation quotes it: at most `max` items, each shortened, then "and N more". */
export function quoteList(items: readonly string[], max = 3, width = 80): string {
  const shown = items
    .slice(0, max)
    .map((item) => `"${item.length > width ? `${item.slice(0, width - 1)}…` : item}"`)
  const more = items.length - shown.length
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ')
}

/** Statements as a prompt lists them: `1. …` one per line. */
export function numbered(items: readonly string[]): string {
  return items.map((item, index) => `${index + 1}. ${item}`).join('\n')
}

/** The first of `names` whose value is empty or whitespace, for an "is empty" refusal. */
export function firstEmpty(
  vars: Readonly<Record<string, string>>,
  names: readonly string[],
): string | undefined {
  return names.find((name) => (vars[name] ?? '').trim() === '')
}
