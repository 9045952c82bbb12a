import { describe, expect, it } from 'vitest'
import {
  createDataset,
  createFakeProvider,
  createHarness,
  createRealClock,
  promptGenerator,
  waitUntil,
} from './test-fixtures.js'

describe('testColumn', () => {
  it('answers with the column run on the chosen rows, without a run', async () => {
    const clock = createRealClock()
    const h = createHarness({ clock })
    const provider = createFakeProvider({
      clock,
      seq: h.seq,
      reply: (request) => ({ text: `echo ${request.prompt}`, inputTokens: 5, outputTokens: 2 }),
    })
    const connection = await h.addConnection(provider)
    const dataset = await createDataset(h.repos, ['question'], [['a'], ['b']])
    const column = await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'generated',
      config: promptGenerator(connection.id, 'Q: {{question}}'),
    })
    const outcomes = await h.engine.testColumn({
      evaluationId: dataset.evaluation.id,
      columnId: column.id,
      rowIds: [dataset.rows[1]?.id as string],
    })
    expect(outcomes).toHaveLength(1)
    expect(outcomes[0]?.tokens).toEqual({ input: 5, output: 2 })
    expect(JSON.stringify(outcomes[0]?.outcome)).toContain('echo Q: b')
    expect(await h.repos.runs.list(dataset.evaluation.id)).toEqual([])
  })

  it('stops its model calls when the caller goes away, and starts no more', async () => {
    const clock = createRealClock()
    const h = createHarness({ clock })
    const provider = createFakeProvider({ clock, seq: h.seq, reply: () => ({ hang: true }) })
    const connection = await h.addConnection(provider)
    const dataset = await createDataset(h.repos, ['question'], [['a'], ['b'], ['c']])
    const column = await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'generated',
      config: promptGenerator(connection.id, 'Q: {{question}}'),
    })
    const caller = new AbortController()
    const pending = h.engine.testColumn({
      evaluationId: dataset.evaluation.id,
      columnId: column.id,
      rowIds: dataset.rows.map((r) => r.id),
      signal: caller.signal,
    })
    await waitUntil(() => provider.inFlight() === 1)
    caller.abort()
    const outcomes = await pending
    // The hanging call was aborted and the two other rows were never asked.
    expect(provider.aborted()).toHaveLength(1)
    expect(provider.calls).toHaveLength(1)
    expect(outcomes.length).toBeLessThanOrEqual(1)
  })
})
