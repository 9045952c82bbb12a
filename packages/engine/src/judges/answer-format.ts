import type { Scale } from '@assay/core'
import type { ResponseSchema } from './types.js'

/**
 * The structured answer every LLM judge gives, system or custom: `{ explanation, score }` on a
 * score scale, `{ explanation, pass }` on a boolean one. The explanation comes first so that the
 * model writes its reasoning before it commits to a verdict. Evaluator prompts never describe
 * this format themselves: Assay appends `answerInstructions(scale)` to every judge prompt and,
 * where the connection supports it, sends `answerSchema(scale)` as the response schema too.
 */

/**
 * Whole-number scores: a scale whose bounds are integers at least two apart (1–5, 1–10, 0–10).
 * Other scales (the 0–1 RAG ratios, 1.5–4.5) take any number inside their bounds.
 */
export function isIntegerScale(scale: Scale): boolean {
  return (
    scale.kind === 'score' &&
    Number.isInteger(scale.min) &&
    Number.isInteger(scale.max) &&
    scale.max - scale.min >= 2
  )
}

/** JSON Schema (draft-07 compatible) of the judge's answer for `scale`. */
export function answerSchema(scale: Scale): Record<string, unknown> {
  if (scale.kind === 'boolean') {
    return {
      type: 'object',
      properties: {
        explanation: { type: 'string', description: 'Your reasoning, written before the verdict.' },
        pass: {
          type: 'boolean',
          description: 'true when the text meets the criterion (passes), false when it fails.',
        },
      },
      required: ['explanation', 'pass'],
      additionalProperties: false,
    }
  }
  return {
    type: 'object',
    properties: {
      explanation: { type: 'string', description: 'Your reasoning, written before the score.' },
      score: {
        type: isIntegerScale(scale) ? 'integer' : 'number',
        minimum: scale.min,
        maximum: scale.max,
        description: `The score on the ${scale.min} to ${scale.max} scale described in the task.`,
      },
    },
    required: ['explanation', 'score'],
    additionalProperties: false,
  }
}

/** The response schema with its name, ready for `ModelRequest.responseSchema`. */
export function answerResponseSchema(scale: Scale): ResponseSchema {
  return { name: 'judge_answer', schema: answerSchema(scale) }
}

/** "a whole number from 1 to 5", "a number from 0 to 1 (decimals allowed)". */
export function describeScoreRange(scale: Scale): string {
  if (scale.kind === 'boolean') return 'true or false'
  return isIntegerScale(scale)
    ? `a whole number from ${scale.min} to ${scale.max}`
    : `a number from ${scale.min} to ${scale.max} (decimals allowed)`
}

/** One line showing the answer's exact shape, with placeholders for the values. */
export function answerShape(scale: Scale): string {
  return scale.kind === 'boolean'
    ? '{"explanation": "<your reasoning>", "pass": <true or false>}'
    : `{"explanation": "<your reasoning>", "score": <${describeScoreRange(scale)}>}`
}

/**
 * The answer-format section appended to every judge prompt. It spells the shape out in words
 * because several connection modes (plain JSON mode, servers without structured output) never
 * show the model the schema itself.
 */
export function answerInstructions(scale: Scale): string {
  const verdict =
    scale.kind === 'boolean'
      ? [
          '- "pass": true when the text meets the criterion described above (it passes), false ' +
            'when it does not (it fails). Use the JSON literals true or false.',
        ]
      : [
          `- "score": ${describeScoreRange(scale)}, following the scale described above. ` +
            'Write the number itself, not text and not a fraction.',
        ]
  return [
    '# Answer format',
    'Answer with a single JSON object that has exactly these two keys, in this order:',
    '- "explanation": a string with your reasoning in a few sentences. Write it first, then ' +
      `decide the ${scale.kind === 'boolean' ? 'verdict' : 'score'} from it.`,
    ...verdict,
    '',
    'The shape, with placeholders in angle brackets:',
    answerShape(scale),
    '',
    'Answer with the JSON object only: no code fence, no text before or after it.',
  ].join('\n')
}
