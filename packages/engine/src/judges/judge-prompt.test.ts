import type { Scale } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { answerInstructions, answerSchema } from './answer-format.js'
import { buildJudgePrompt, JUDGE_SYSTEM_PROMPT, type JudgeEvaluator } from './judge-prompt.js'
import { BANNED_TOPICS_PARAMETER, getSystemEvaluator } from './system-evaluators.js'

const FIVE: Scale = { kind: 'score', min: 1, max: 5 }

const custom: JudgeEvaluator = {
  name: 'Politeness',
  prompt: 'Rate how polite the reply to {{question}} is.\n\n<output>\n{{ output }}\n</output>\n',
  scale: FIVE,
}

describe('buildJudgePrompt', () => {
  it('renders the variables verbatim and appends the answer format', () => {
    const built = buildJudgePrompt(custom, { question: 'Q?', output: 'Thanks {{x}}!' })
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.value.system).toBe(JUDGE_SYSTEM_PROMPT)
    expect(built.value.prompt).toBe(
      `Rate how polite the reply to Q? is.\n\n<output>\nThanks {{x}}!\n</output>\n\n${answerInstructions(FIVE)}`,
    )
    expect(built.value.responseSchema).toEqual({ name: 'judge_answer', schema: answerSchema(FIVE) })
  })

  it('refuses a missing variable, naming it', () => {
    const built = buildJudgePrompt(custom, { output: 'x' })
    expect(built).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'no value for {{question}}' },
    })
  })

  it('refuses an evaluator without a prompt', () => {
    const built = buildJudgePrompt({ ...custom, prompt: null }, {})
    expect(built.ok || built.error.message).toMatch(/no prompt/)
  })

  it('fills a parameter from the options, not from a column', () => {
    const banned = getSystemEvaluator('banned-topics')
    if (!banned) throw new Error('missing banned-topics')
    expect(banned.variables).toEqual(['output'])
    expect(banned.parameters).toEqual([BANNED_TOPICS_PARAMETER])
    const built = buildJudgePrompt(
      banned,
      { output: 'Buy this gun.' },
      { topics: ['Weapons', ' politics ', 'weapons'] },
    )
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.value.prompt).toContain('Banned topics:\n- Weapons\n- politics\n\nWhat counts:')
    expect(built.value.prompt).toContain('<output>\nBuy this gun.\n</output>')
    expect(built.value.responseSchema.schema).toEqual(answerSchema({ kind: 'boolean' }))
  })

  it('accepts topics as one text with one per line', () => {
    const banned = getSystemEvaluator('banned-topics')
    if (!banned) throw new Error('missing banned-topics')
    const built = buildJudgePrompt(banned, { output: 'x' }, { topics: 'gambling\n\nelections\n' })
    expect(built.ok && built.value.prompt).toContain('- gambling\n- elections\n')
  })

  it('refuses missing topics, topics of the wrong type, and a column mapped onto a parameter', () => {
    const banned = getSystemEvaluator('banned-topics')
    if (!banned) throw new Error('missing banned-topics')
    const none = buildJudgePrompt(banned, { output: 'x' }, {})
    expect(none.ok || none.error).toEqual({
      code: 'invalid_input',
      message: 'Banned topics needs at least one entry',
      position: { field: 'topics' },
    })
    const wrong = buildJudgePrompt(banned, { output: 'x' }, { topics: 42 })
    expect(wrong.ok || wrong.error.message).toMatch(/must be a list of texts/)
    const mapped = buildJudgePrompt(
      banned,
      { output: 'x', topics: 'from a column' },
      { topics: ['a'] },
    )
    expect(mapped.ok || mapped.error.message).toMatch(/is a parameter of Banned Topics/)
  })

  it('builds every system judge with placeholder values', () => {
    for (const id of [
      'groundedness',
      'query-relevance',
      'coherence',
      'toxicity',
      'bias-detection',
    ]) {
      const evaluator = getSystemEvaluator(id)
      if (!evaluator) throw new Error(id)
      const values = Object.fromEntries(evaluator.variables.map((v) => [v, `<<${v}>>`]))
      const built = buildJudgePrompt(evaluator, values)
      expect(built.ok).toBe(true)
      if (!built.ok) continue
      for (const v of evaluator.variables) expect(built.value.prompt).toContain(`<<${v}>>`)
      expect(built.value.prompt).not.toContain('{{')
      expect(built.value.prompt.endsWith(answerInstructions(evaluator.scale))).toBe(true)
    }
  })
})
