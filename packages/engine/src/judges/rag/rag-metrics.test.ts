import { extractVariables } from '@assay/core'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { fakeAsk, type ScriptedAnswer } from '../fake-ask.js'
import type { JudgeRequest } from '../types.js'
import { createRagMetric } from './create-rag-metric.js'
import { RAG_METRIC_IDS } from './rag-metric.js'
import {
  ATTRIBUTION_STEP,
  ENTITIES_STEP,
  STATEMENTS_STEP,
  USEFULNESS_STEP,
  VERDICTS_STEP,
} from './rag-steps.js'

const STEPS = [STATEMENTS_STEP, VERDICTS_STEP, USEFULNESS_STEP, ATTRIBUTION_STEP, ENTITIES_STEP]

const json = (value: unknown) => JSON.stringify(value)
const statements = (...list: string[]) => json({ statements: list })
const verdicts = (...list: number[]) =>
  json({ verdicts: list.map((verdict, i) => ({ statement: `s${i + 1}`, reason: 'r', verdict })) })

describe('RAG steps', () => {
  it.each(STEPS.map((s) => [s.id, s] as const))('%s has a valid draft-07 schema', (_id, step) => {
    const ajv = new Ajv({ strict: true })
    expect(() => ajv.compile(step.responseSchema.schema)).not.toThrow()
    expect(step.responseSchema.name).toMatch(/^[a-zA-Z0-9_-]+$/)
    expect(step.responseSchema.schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
    })
  })

  it('schemas accept the shapes the prompts ask for', () => {
    const ajv = new Ajv({ strict: true })
    expect(ajv.validate(STATEMENTS_STEP.responseSchema.schema, { statements: ['a'] })).toBe(true)
    expect(ajv.validate(VERDICTS_STEP.responseSchema.schema, JSON.parse(verdicts(1, 0)))).toBe(true)
    expect(ajv.validate(VERDICTS_STEP.responseSchema.schema, JSON.parse(verdicts(2)))).toBe(false)
    expect(ajv.validate(USEFULNESS_STEP.responseSchema.schema, { reason: 'r', verdict: 1 })).toBe(
      true,
    )
    expect(
      ajv.validate(ATTRIBUTION_STEP.responseSchema.schema, {
        classifications: [{ statement: 's', reason: 'r', attributed: 0 }],
      }),
    ).toBe(true)
    expect(ajv.validate(ENTITIES_STEP.responseSchema.schema, { entities: [] })).toBe(true)
  })

  it('templates use exactly their declared inputs', () => {
    for (const step of STEPS) {
      const used = extractVariables(step.template)
      expect(used.ok && new Set(used.value)).toEqual(new Set(step.inputs))
      expect(step.instructions).toContain(step.shape)
    }
  })
})

describe('RAG metric prompts', () => {
  it.each(
    RAG_METRIC_IDS.map((id) => [id]),
  )('%s shows only its mapped variables as placeholders', (id) => {
    const metric = createRagMetric(id)
    const used = extractVariables(metric.prompt)
    expect(used.ok && new Set(used.value)).toEqual(new Set(metric.variables))
    expect(metric.prompt.length).toBeLessThan(50_000)
  })
})

const BASE = {
  user_input: 'Who built the Eiffel Tower and when?',
  response: 'Gustave Eiffel’s company built it. It was finished in 1889. It is in Rome.',
  retrieved_contexts: json(['The Eiffel Tower was built by Eiffel et Cie.', 'It opened in 1889.']),
  ground_truth: 'The tower was built by Gustave Eiffel’s company and completed in 1889.',
}

describe('faithfulness', () => {
  const metric = createRagMetric('faithfulness')

  it('decomposes, verifies, and scores supported / total', async () => {
    const ask = fakeAsk([
      { text: statements('S1', 'S2', 'S3', 'S4', 'S5'), inputTokens: 200, outputTokens: 50 },
      { text: verdicts(1, 1, 0, 1, 1), inputTokens: 400, outputTokens: 120 },
    ])
    const run = await metric.run(ask, BASE)
    expect(run.outcome).toEqual({
      kind: 'scored',
      score: 0.8,
      explanation:
        '4 of 5 statements of the response are supported by the retrieved contexts; unsupported: "S3"',
    })
    expect(run.calls).toBe(2)
    expect(run.usage).toEqual({ inputTokens: 600, outputTokens: 170 })
    expect(run.latencyMs).toBe(20)
    expect(run.transcript.map((t) => t.step)).toEqual(['statements', 'verdicts'])
    const [first, second] = ask.requests as [JudgeRequest, JudgeRequest]
    expect(first.responseSchema).toBe(STATEMENTS_STEP.responseSchema)
    expect(first.prompt).toContain(`<question>\n${BASE.user_input}\n</question>`)
    expect(first.prompt).toContain(`<answer>\n${BASE.response}\n</answer>`)
    expect(first.prompt).toContain(STATEMENTS_STEP.instructions)
    expect(second.responseSchema).toBe(VERDICTS_STEP.responseSchema)
    expect(second.prompt).toContain(
      '<context>\n[1] The Eiffel Tower was built by Eiffel et Cie.\n\n[2] It opened in 1889.\n</context>',
    )
    expect(second.prompt).toContain(
      '<statements>\n1. S1\n2. S2\n3. S3\n4. S4\n5. S5\n</statements>',
    )
  })

  it('re-asks a step once and sums usage over every call', async () => {
    const ask = fakeAsk(['Statements: S1, S2', statements('S1', 'S2'), verdicts(1, 1)])
    const run = await metric.run(ask, BASE)
    expect(run.outcome).toMatchObject({ kind: 'scored', score: 1 })
    expect(run.calls).toBe(3)
    expect(run.usage).toEqual({ inputTokens: 300, outputTokens: 60 })
    expect(ask.requests[1]?.prompt).toContain('Problem: the answer contains no JSON object.')
    expect(ask.requests[1]?.prompt).toContain(STATEMENTS_STEP.shape)
  })

  it('gives up on a step after one re-ask, keeping the raw answer', async () => {
    const ask = fakeAsk([statements('S1', 'S2'), verdicts(1), verdicts(1, 0, 1), verdicts(1, 1)])
    const run = await metric.run(ask, BASE)
    expect(ask.requests).toHaveLength(3)
    expect(run.calls).toBe(3)
    expect(run.outcome).toEqual({
      kind: 'unparseable',
      step: 'verdicts',
      error: {
        code: 'judge_unparseable',
        message:
          'verdicts on the statements of the response: expected 2 verdicts, one per statement in the order given, but the answer has 3',
        raw: verdicts(1, 0, 1),
      },
    })
  })

  it('returns a provider failure with the usage spent so far', async () => {
    const ask = fakeAsk([statements('S1'), { failure: { kind: 'timeout', retryable: true } }])
    const run = await metric.run(ask, BASE)
    expect(run.outcome).toMatchObject({
      kind: 'failure',
      step: 'verdicts',
      failure: { kind: 'timeout' },
    })
    expect(run.calls).toBe(2)
    expect(run.usage).toEqual({ inputTokens: 100, outputTokens: 20 })
  })

  it('has no score when the response makes no statement (RAGAS: NaN)', async () => {
    const ask = fakeAsk([statements()])
    const run = await metric.run(ask, { ...BASE, response: 'I cannot answer that.' })
    expect(run.outcome).toEqual({
      kind: 'invalid',
      message: 'the response makes no statement that can be checked, so faithfulness is undefined',
    })
    expect(run.calls).toBe(1)
  })

  it('scores 0 without verifying when nothing was retrieved', async () => {
    const ask = fakeAsk([statements('S1', 'S2')])
    const run = await metric.run(ask, { ...BASE, retrieved_contexts: '[]' })
    expect(run.outcome).toMatchObject({ kind: 'scored', score: 0 })
    expect(run.calls).toBe(1)
  })

  it('refuses an empty response without calling the model', async () => {
    const ask = fakeAsk([])
    const run = await metric.run(ask, { ...BASE, response: '  ' })
    expect(run.outcome).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/\{\{response\}\} is empty/),
    })
    expect(run.calls).toBe(0)
    expect(ask.requests).toHaveLength(0)
  })
})

describe('context precision', () => {
  const metric = createRagMetric('context-precision')
  const contexts = 'Paris is the capital of France.\n\nBananas are yellow.\n\nFrance is in Europe.'

  it('judges each chunk in order and averages precision@k: [1,0,1] → 0.8333…', async () => {
    const ask = fakeAsk((request) => {
      const useful = !request.prompt.includes('Bananas')
      return json({ reason: 'r', verdict: useful ? 1 : 0 })
    })
    const run = await metric.run(ask, { ...BASE, retrieved_contexts: contexts })
    expect(run.outcome).toMatchObject({ kind: 'scored' })
    if (run.outcome.kind !== 'scored') return
    expect(run.outcome.score).toBeCloseTo((1 / 1 + 2 / 3) / 2, 12)
    expect(run.outcome.explanation).toBe(
      '2 of 3 retrieved chunks were useful (chunks 1, 3); average precision 0.83',
    )
    expect(run.calls).toBe(3)
    expect(run.usage).toEqual({ inputTokens: 300, outputTokens: 60 })
    expect(ask.requests.map((r) => r.prompt.match(/<context>\n(.*)\n<\/context>/)?.[1])).toEqual([
      'Paris is the capital of France.',
      'Bananas are yellow.',
      'France is in Europe.',
    ])
    for (const request of ask.requests) {
      expect(request.prompt).toContain(`<question>\n${BASE.user_input}\n</question>`)
      expect(request.prompt).toContain(`<answer>\n${BASE.response}\n</answer>`)
      expect(request.responseSchema).toBe(USEFULNESS_STEP.responseSchema)
    }
  })

  it('ranks: the useful chunk last scores lower than first', async () => {
    const lastUseful = await metric.run(
      fakeAsk([json({ reason: '', verdict: 0 }), json({ reason: '', verdict: 1 })]),
      {
        ...BASE,
        retrieved_contexts: 'a\n---\nb',
      },
    )
    expect(lastUseful.outcome).toMatchObject({ kind: 'scored', score: 0.5 })
  })

  it('re-asks only the chunk whose answer was unreadable', async () => {
    const ask = fakeAsk([
      json({ reason: '', verdict: 1 }),
      '{"reason": "The context',
      json({ reason: '', verdict: 1 }),
      json({ reason: '', verdict: 0 }),
    ])
    const run = await metric.run(ask, { ...BASE, retrieved_contexts: contexts })
    expect(run.calls).toBe(4)
    expect(run.outcome).toMatchObject({ kind: 'scored', score: 1 })
    expect(ask.requests[2]?.prompt).toContain('cut off')
  })

  it('no useful chunk scores 0; no chunk at all is refused', async () => {
    const none = await metric.run(
      fakeAsk(() => json({ reason: '', verdict: 0 })),
      BASE,
    )
    expect(none.outcome).toEqual({
      kind: 'scored',
      score: 0,
      explanation: 'none of the 2 retrieved chunks was useful',
    })
    const empty = await metric.run(fakeAsk([]), { ...BASE, retrieved_contexts: ' ' })
    expect(empty.outcome).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/no retrieved contexts/),
    })
    expect(empty.calls).toBe(0)
  })
})

describe('context recall', () => {
  const metric = createRagMetric('context-recall')
  const classified = (...list: number[]) =>
    json({
      classifications: list.map((attributed, i) => ({
        statement: `G${i + 1}`,
        reason: 'r',
        attributed,
      })),
    })

  it('classifies the reference statements in one call: attributed / total', async () => {
    const ask = fakeAsk([classified(1, 1, 0, 1)])
    const run = await metric.run(ask, BASE)
    expect(run.outcome).toEqual({
      kind: 'scored',
      score: 0.75,
      explanation:
        '3 of 4 statements of the reference are attributable to the retrieved contexts; not found: "G3"',
    })
    expect(run.calls).toBe(1)
    const prompt = ask.requests[0]?.prompt ?? ''
    expect(prompt).toContain(`<reference>\n${BASE.ground_truth}\n</reference>`)
    expect(prompt).toContain(
      '<context>\n[1] The Eiffel Tower was built by Eiffel et Cie.\n\n[2] It opened in 1889.\n</context>',
    )
    expect(prompt).toContain(`<question>\n${BASE.user_input}\n</question>`)
    expect(prompt).not.toContain(BASE.response)
  })

  it('has no score for a reference without statements; scores 0 when nothing was retrieved', async () => {
    const none = await metric.run(fakeAsk([classified()]), BASE)
    expect(none.outcome).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/no statements/),
    })
    const empty = await metric.run(fakeAsk([]), { ...BASE, retrieved_contexts: '' })
    expect(empty.outcome).toMatchObject({ kind: 'scored', score: 0 })
    expect(empty.calls).toBe(0)
  })

  it('refuses an empty reference', async () => {
    const run = await metric.run(fakeAsk([]), { ...BASE, ground_truth: '' })
    expect(run.outcome).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/\{\{ground_truth\}\} is empty/),
    })
  })
})

describe('context entity recall', () => {
  const metric = createRagMetric('context-entity-recall')

  it('extracts entities twice and scores |CE ∩ RE| / |RE|', async () => {
    const ask = fakeAsk([
      json({ entities: ['Gustave Eiffel', 'Eiffel Tower', '1889'] }),
      json({ entities: ['eiffel tower', '1889', 'Eiffel et Cie'] }),
    ])
    const run = await metric.run(ask, BASE)
    expect(run.outcome).toMatchObject({ kind: 'scored' })
    if (run.outcome.kind !== 'scored') return
    expect(run.outcome.score).toBeCloseTo(2 / 3, 12)
    expect(run.outcome.explanation).toBe(
      '2 of 3 entities of the reference appear in the retrieved contexts; missing: "Gustave Eiffel"',
    )
    expect(ask.requests[0]?.prompt).toContain(`<text>\n${BASE.ground_truth}\n</text>`)
    expect(ask.requests[1]?.prompt).toContain(
      '<text>\nThe Eiffel Tower was built by Eiffel et Cie.\n\nIt opened in 1889.\n</text>',
    )
    expect(run.calls).toBe(2)
  })

  it('scores 0 for a reference without entities (RAGAS), without asking about the contexts', async () => {
    const ask = fakeAsk([json({ entities: [] })])
    const run = await metric.run(ask, BASE)
    expect(run.outcome).toMatchObject({ kind: 'scored', score: 0 })
    expect(run.calls).toBe(1)
  })

  it('scores 0 when nothing was retrieved', async () => {
    const run = await metric.run(fakeAsk([json({ entities: ['A', 'B'] })]), {
      ...BASE,
      retrieved_contexts: '[]',
    })
    expect(run.outcome).toEqual({
      kind: 'scored',
      score: 0,
      explanation:
        'no contexts were retrieved: 0 of 2 entities of the reference appear in the retrieved contexts; missing: "A"; "B"',
    })
    expect(run.calls).toBe(1)
  })
})

describe('noise sensitivity', () => {
  const vars = { ...BASE, retrieved_contexts: json(['chunk one', 'chunk two']) }

  // Reference statements R1, R2; response statements A1, A2, A3. Chunk one supports R1 (so it
  // is relevant) and A1, A2; chunk two supports no reference statement and A3. The reference
  // supports A1 only. A2 is an incorrect claim from a relevant chunk; A3 one from an irrelevant
  // chunk only.
  function responder(request: JudgeRequest): ScriptedAnswer {
    const p = request.prompt
    if (request.responseSchema.name === 'rag_statements') {
      return p.includes(`<answer>\n${BASE.ground_truth}`)
        ? statements('R1', 'R2')
        : statements('A1', 'A2', 'A3')
    }
    const onReference = p.includes('1. R1')
    if (p.includes('<context>\nchunk one')) return onReference ? verdicts(1, 0) : verdicts(1, 1, 0)
    if (p.includes('<context>\nchunk two')) return onReference ? verdicts(0, 0) : verdicts(0, 0, 1)
    return verdicts(1, 0, 0)
  }

  it('relevant mode (default): incorrect claims supported by a relevant chunk / claims', async () => {
    const ask = fakeAsk(responder)
    const run = await createRagMetric('noise-sensitivity').run(ask, vars)
    expect(run.outcome).toMatchObject({ kind: 'scored' })
    if (run.outcome.kind !== 'scored') return
    expect(run.outcome.score).toBeCloseTo(1 / 3, 12)
    expect(run.outcome.explanation).toBe(
      '1 of 3 statements of the response are incorrect (not supported by the reference) and supported by a relevant retrieved chunk: "A2"; 2 of 3 are incorrect in all; 1 of 2 chunks are relevant',
    )
    expect(run.calls).toBe(2 + 2 * 2 + 1)
    expect(run.usage).toEqual({ inputTokens: 700, outputTokens: 140 })
    expect(run.transcript.map((t) => t.label)).toEqual([
      'statements of the reference',
      'statements of the response',
      'reference statements against chunk 1 of 2',
      'response statements against chunk 1 of 2',
      'reference statements against chunk 2 of 2',
      'response statements against chunk 2 of 2',
      'response statements against the reference',
    ])
    const last = ask.requests.at(-1)?.prompt ?? ''
    expect(last).toContain(`<context>\n${BASE.ground_truth}\n</context>`)
    expect(last).toContain('<statements>\n1. A1\n2. A2\n3. A3\n</statements>')
  })

  it('irrelevant mode counts incorrect claims from irrelevant chunks only', async () => {
    const run = await createRagMetric('noise-sensitivity', { mode: 'irrelevant' }).run(
      fakeAsk(responder),
      vars,
    )
    expect(run.outcome).toMatchObject({
      kind: 'scored',
      explanation: expect.stringMatching(/"A3"/),
    })
    if (run.outcome.kind === 'scored') expect(run.outcome.score).toBeCloseTo(1 / 3, 12)
  })

  it('stops at the first failing step', async () => {
    const ask = fakeAsk((request, index) =>
      index === 3 ? { failure: { kind: 'server_error', status: 503 } } : responder(request),
    )
    const run = await createRagMetric('noise-sensitivity').run(ask, vars)
    expect(run.outcome).toMatchObject({
      kind: 'failure',
      step: 'verdicts',
      failure: { status: 503 },
    })
    expect(run.calls).toBe(4)
    expect(run.usage).toEqual({ inputTokens: 300, outputTokens: 60 })
  })

  it('has no score without response statements, and refuses empty contexts', async () => {
    const noClaims = await createRagMetric('noise-sensitivity').run(
      fakeAsk((request) =>
        request.prompt.includes(`<answer>\n${BASE.ground_truth}`) ? statements('R1') : statements(),
      ),
      vars,
    )
    expect(noClaims.outcome).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/response makes no statement/),
    })
    expect(noClaims.calls).toBe(2)
    const empty = await createRagMetric('noise-sensitivity').run(fakeAsk([]), {
      ...vars,
      retrieved_contexts: '',
    })
    expect(empty.outcome).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/no retrieved contexts/),
    })
  })
})
