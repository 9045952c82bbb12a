import { createHash } from 'node:crypto'
import type { Connection } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { CellAccumulator } from './cell-accumulator.js'
import { type CallContext, callModel } from './model-caller.js'
import { createConnectionLimiter } from './scheduler/connection-limiter.js'
import { createFakeProvider, createTestClock } from './test-fixtures.js'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe('callModel request keys', () => {
  it('hashes JSON.stringify([provider, baseUrl, model, params, system, prompt, schema]), as stored caches expect', async () => {
    const clock = createTestClock()
    const provider = createFakeProvider({ clock, reply: () => ({ text: 'ok' }) })
    const connection = {
      provider: 'openai-compatible',
      baseUrl: 'http://x.test/v1',
      model: 'm1',
      defaults: { temperature: 0 },
      prices: { inputPerMillion: null, outputPerMillion: null },
    } as unknown as Connection
    const params = { maxOutputTokens: 64 }
    const ctx: CallContext = {
      target: { connection, provider },
      limiter: createConnectionLimiter({ concurrency: 2 }, { clock }),
      params,
      timeoutMs: 1_000,
      policy: { maxAttempts: 1 },
      clock,
      random: () => 0.5,
      hash: sha256,
      cache: null,
      inflight: new Map(),
      signal: new AbortController().signal,
      requestSignal: new AbortController().signal,
      mayStart: () => null,
      onBackoff: () => {},
      onGeneration: () => {},
    }
    const schema = { name: 'judge_answer', schema: { type: 'object' } }
    for (const [system, prompt] of [
      ['Be fair. "Quoted"', 'Rate: naïve\n{"x": 1}'],
      ['Be fair. "Quoted"', 'another row'],
      ['Other system', 'another row'],
    ] as const) {
      const acc = new CellAccumulator()
      await callModel({ system, prompt, responseSchema: schema }, ctx, acc)
      const expected = sha256(
        JSON.stringify([
          'openai-compatible',
          'http://x.test/v1',
          'm1',
          { temperature: 0, maxOutputTokens: 64 },
          system,
          prompt,
          schema,
        ]),
      )
      expect(acc.promptHash).toBe(expected)
    }
    const acc = new CellAccumulator()
    await callModel({ prompt: 'no system' }, ctx, acc)
    expect(acc.promptHash).toBe(
      sha256(
        JSON.stringify([
          'openai-compatible',
          'http://x.test/v1',
          'm1',
          { temperature: 0, maxOutputTokens: 64 },
          null,
          'no system',
          null,
        ]),
      ),
    )
    // The provider was sent the merged parameters.
    expect(provider.calls[0]?.request.params).toEqual({ temperature: 0, maxOutputTokens: 64 })
  })
})
