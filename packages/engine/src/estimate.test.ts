import type { ModelRequest, RunScope } from '@assay/core'
import { createSeqIds, type FixedClock } from '@assay/core/testing'
import { describe, expect, it } from 'vitest'
import type { EngineDeps } from './engine-deps.js'
import { DEFAULT_OUTPUT_TOKENS, estimateRun, storedRunCounts } from './estimate.js'
import {
  createDataset,
  createFakeProvider,
  createHarness,
  createTestClock,
  dataColumn,
  evaluatorConfig,
  type Harness,
  isJudge,
  judgeAnswer,
  noHttp,
  promptGenerator,
  sha256,
} from './test-fixtures.js'

const QUESTIONS = ['what is one', 'a much longer second question about things', 'q3', '']
const ALL: RunScope = { mode: 'all', columnIds: null, rowIds: null }

function depsOf(h: Harness): EngineDeps {
  return {
    repos: h.repos,
    clock: h.clock,
    ids: createSeqIds(),
    random: () => 0.5,
    connections: async () => undefined,
    http: noHttp(),
    customEvaluator: (id) => h.repos.evaluators.get(id),
    hash: sha256,
  }
}

/** ceil(chars / 4) of a request, system message included: the engine's approximation. */
const tokensOf = (r: ModelRequest) => Math.ceil(((r.system?.length ?? 0) + r.prompt.length) / 4)

async function setup(
  prices: { inputPerMillion: number | null; outputPerMillion: number | null } = {
    inputPerMillion: 2,
    outputPerMillion: 10,
  },
) {
  const h = createHarness({ clock: createTestClock() })
  const provider = createFakeProvider({
    clock: h.clock,
    seq: h.seq,
    reply: (request) =>
      isJudge(request)
        ? { text: judgeAnswer(4), inputTokens: 100, outputTokens: 20 }
        : { text: `answer to ${request.prompt}`, inputTokens: 10, outputTokens: 5 },
  })
  const connection = await h.addConnection(provider, { prices, defaults: { maxOutputTokens: 50 } })
  const dataset = await createDataset(
    h.repos,
    ['question', 'expected'],
    QUESTIONS.map((q, i) => [q, `expected answer ${i}`]),
  )
  const evaluationId = dataset.evaluation.id
  const question = dataColumn(dataset, 'question')
  const expected = dataColumn(dataset, 'expected')
  const generated = await h.repos.columns.add({
    evaluationId,
    name: 'generated',
    // The column's own setting wins over the connection's default of 50.
    config: promptGenerator(connection.id, 'Answer this: {{question}}', { maxOutputTokens: 300 }),
  })
  // A judge on data columns only: its prompts are fully known before the run.
  const judge = await h.repos.columns.add({
    evaluationId,
    name: 'coherence',
    config: evaluatorConfig(
      'coherence',
      { output: expected.id },
      { connectionId: connection.id, threshold: { op: '>', value: 3 } },
    ),
  })
  const metric = await h.repos.columns.add({
    evaluationId,
    name: 'exact',
    config: evaluatorConfig('metric:exact-match', { output: question.id, expected: expected.id }),
  })
  return { h, provider, dataset, evaluationId, generated, judge, metric, connection }
}

describe('estimateRun', () => {
  it('counts the cells, calls and prompt tokens the run then really makes', async () => {
    const { h, provider, evaluationId, generated, judge, metric } = await setup()
    // With the cache on, every page is rendered in full to look its requests up; with it off,
    // cells are counted by each column's length formula. Both give the same figures.
    const rendered = await estimateRun(depsOf(h), { evaluationId, scope: ALL })
    expect(rendered.cacheCheckedRows).toBe(4)
    await h.repos.evaluations.setCacheEnabled(evaluationId, false)
    const estimate = await estimateRun(depsOf(h), { evaluationId, scope: ALL })
    expect(estimate.cacheCheckedRows).toBe(0)
    expect({ ...estimate, tookMs: 0, cacheEnabled: true, cacheCheckedRows: 4 }).toEqual({
      ...rendered,
      tookMs: 0,
    })
    await h.repos.evaluations.setCacheEnabled(evaluationId, true)

    const run = await h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })
    await h.engine.execute(run.id)
    const sent = (judgeCalls: boolean) =>
      provider.calls.filter((c) => isJudge(c.request) === judgeCalls).map((c) => c.request)

    const col = (id: string) => estimate.columns.find((c) => c.columnId === id)
    expect(col(generated.id)).toMatchObject({
      kind: 'prompt',
      cells: 4,
      modelCalls: sent(false).length,
      inputTokens: sent(false).reduce((n, r) => n + tokensOf(r), 0),
      outputTokens: 4 * 300,
      lowerBound: false,
    })
    expect(col(judge.id)).toMatchObject({
      kind: 'judge',
      cells: 4,
      modelCalls: sent(true).length,
      inputTokens: sent(true).reduce((n, r) => n + tokensOf(r), 0),
      // No column setting: the connection's default.
      outputTokens: 4 * 50,
    })
    expect(col(metric.id)).toMatchObject({
      kind: 'metric',
      cells: 4,
      modelCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cost: 0,
    })
    expect(estimate).toMatchObject({ rows: 4, rowsWithCells: 4, cells: 12, modelCalls: 8 })
    const input = estimate.inputTokens
    const output = estimate.outputTokens
    expect(estimate.cost).toBeCloseTo((input * 2 + output * 10) / 1_000_000, 12)
    expect(estimate.assumptions.length).toBeGreaterThan(0)
  })

  it('counts what each mode would run: unfinished, failed, one column, given rows', async () => {
    const { h, dataset, evaluationId, generated, judge } = await setup()
    const deps = depsOf(h)
    const unfinished: RunScope = { mode: 'unfinished', columnIds: null, rowIds: null }
    expect((await estimateRun(deps, { evaluationId, scope: unfinished })).cells).toBe(12)

    const column: RunScope = { mode: 'column', columnIds: [judge.id], rowIds: null }
    const one = await estimateRun(deps, { evaluationId, scope: column })
    expect(one.columns.map((c) => c.columnId)).toEqual([judge.id])
    expect(one.cells).toBe(4)

    const rows: RunScope = {
      mode: 'rows',
      columnIds: null,
      rowIds: [dataset.rows[1]?.id as string, dataset.rows[3]?.id as string],
    }
    expect(await estimateRun(deps, { evaluationId, scope: rows })).toMatchObject({
      rows: 2,
      cells: 6,
      modelCalls: 4,
    })

    const run = await h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })
    await h.engine.execute(run.id)
    // Everything is finished now; nothing failed.
    expect((await estimateRun(deps, { evaluationId, scope: unfinished })).cells).toBe(0)
    const failed: RunScope = { mode: 'failed', columnIds: null, rowIds: null }
    expect((await estimateRun(deps, { evaluationId, scope: failed })).cells).toBe(0)
    // Re-running all of it: every answer is in the cache (on by default), no tokens expected.
    const again = await estimateRun(deps, { evaluationId, scope: ALL })
    expect(again).toMatchObject({ cells: 12, modelCalls: 0, cachedCalls: 8, inputTokens: 0 })
    expect(again.columns.find((c) => c.columnId === generated.id)?.cachedCalls).toBe(4)
    await h.repos.evaluations.setCacheEnabled(evaluationId, false)
    const uncached = await estimateRun(deps, { evaluationId, scope: ALL })
    expect(uncached).toMatchObject({ cells: 12, modelCalls: 8, cachedCalls: 0 })
  })

  it('looks a sample of the pages up in the cache and applies its hit rate to the others', async () => {
    const h = createHarness({ clock: createTestClock(), options: { pageSize: 10 } })
    const provider = createFakeProvider({
      clock: h.clock,
      seq: h.seq,
      reply: (request) => ({ text: `answer to ${request.prompt}` }),
    })
    const connection = await h.addConnection(provider, {
      prices: { inputPerMillion: 1, outputPerMillion: 1 },
    })
    const questions = Array.from({ length: 100 }, (_, i) => [`question ${i}`])
    const dataset = await createDataset(h.repos, ['question'], questions)
    const evaluationId = dataset.evaluation.id
    await h.repos.columns.add({
      evaluationId,
      name: 'generated',
      config: promptGenerator(connection.id, 'Q: {{question}}'),
    })
    const first = dataset.rows.slice(0, 50).map((r) => r.id)
    const half = await h.engine.createRun({
      evaluationId,
      scope: { mode: 'rows', columnIds: null, rowIds: first },
      startedBy: null,
    })
    await h.engine.execute(half.id)
    const deps = { ...depsOf(h), options: { pageSize: 10 } }
    // 10 pages, 2 looked up (pages 1 and 6): one all cached, one not; half the rest assumed cached.
    const sampled = await estimateRun(deps, { evaluationId, scope: ALL }, { cacheSamplePages: 2 })
    expect(sampled).toMatchObject({ cells: 100, cacheCheckedRows: 20 })
    expect(sampled.cachedCalls).toBe(50)
    expect(sampled.modelCalls).toBe(50)
    const exact = await estimateRun(deps, { evaluationId, scope: ALL }, { cacheSamplePages: 100 })
    expect(exact).toMatchObject({ cacheCheckedRows: 100, cachedCalls: 50, modelCalls: 50 })
  })

  it('reads a generated value the run will produce as its stored value, else as long as its max tokens', async () => {
    const { h, evaluationId, generated, connection } = await setup()
    const reader = await h.repos.columns.add({
      evaluationId,
      name: 'fluency',
      config: evaluatorConfig('fluency', { output: generated.id }, { connectionId: connection.id }),
    })
    const scope: RunScope = { mode: 'column', columnIds: [generated.id, reader.id], rowIds: null }
    const before = await estimateRun(depsOf(h), { evaluationId, scope })
    const judged = before.columns.find((c) => c.columnId === reader.id)
    expect(judged?.modelCalls).toBe(4)
    // Each judge prompt holds a 300-token placeholder for the generated answer.
    expect(judged?.inputTokens).toBeGreaterThan(4 * 300)

    const run = await h.engine.createRun({ evaluationId, scope, startedBy: null })
    await h.engine.execute(run.id)
    await h.repos.evaluations.setCacheEnabled(evaluationId, false)
    const after = await estimateRun(depsOf(h), { evaluationId, scope })
    const stored = after.columns.find((c) => c.columnId === reader.id)
    // The stored answers ("answer to Answer this: …") are far shorter than 300 tokens.
    expect(stored?.inputTokens).toBeLessThan((judged?.inputTokens ?? 0) - 4 * 250)
  })

  it('gives a null cost when a price is unknown (0 for columns without model calls)', async () => {
    const { h, evaluationId } = await setup({ inputPerMillion: 1, outputPerMillion: null })
    const estimate = await estimateRun(depsOf(h), { evaluationId, scope: ALL })
    expect(estimate.cost).toBeNull()
    expect(estimate.columns.find((c) => c.kind === 'metric')?.cost).toBe(0)
    expect(DEFAULT_OUTPUT_TOKENS).toBe(256)
  })

  it('refuses what starting the run would refuse', async () => {
    const { h, evaluationId } = await setup()
    await expect(
      estimateRun(depsOf(h), {
        evaluationId,
        scope: { mode: 'column', columnIds: ['col_nope'], rowIds: null },
      }),
    ).rejects.toMatchObject({ code: 'not_found' })
    await expect(
      estimateRun(depsOf(h), { evaluationId: 'evl_nope', scope: ALL }),
    ).rejects.toMatchObject({ code: 'not_found' })
  })
})

describe('storedRunCounts', () => {
  it('counts a finished run from storage, and the cells a queued one still has', async () => {
    const { h, evaluationId } = await setup()
    const clock = h.clock as FixedClock
    const queued = await h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })
    expect(await storedRunCounts(h.repos, queued)).toEqual({
      rows: { total: 4, processed: 0 },
      cells: { total: 12, done: 0, error: 0, cached: 0, stopped: 0, pending: 12 },
      generations: 0,
    })
    const done = await h.engine.execute(queued.id)
    expect(await storedRunCounts(h.repos, done)).toEqual({
      rows: { total: 4, processed: 4 },
      cells: { total: 12, done: 12, error: 0, cached: 0, stopped: 0, pending: 0 },
      generations: 8,
    })
    // A column added afterwards is not work the finished run left undone.
    clock.advance(1000)
    const question = (await h.repos.columns.list(evaluationId)).find((c) => c.name === 'question')
    const added = await h.repos.columns.add({
      evaluationId,
      name: 'added later',
      config: evaluatorConfig('metric:exact-match', {
        output: question?.id as string,
        expected: question?.id as string,
      }),
    })
    expect(await storedRunCounts(h.repos, done)).toEqual({
      rows: { total: 4, processed: 4 },
      cells: { total: 12, done: 12, error: 0, cached: 0, stopped: 0, pending: 0 },
      generations: 8,
    })
    // A stopped run is counted over what its resume would run: the new column too.
    await h.repos.columns.delete(added.id)
    const again = await h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })
    const stopped = await h.engine.stop(again.id)
    clock.advance(1000)
    await h.repos.columns.add({ evaluationId, name: 'added after the stop', config: added.config })
    expect((await storedRunCounts(h.repos, stopped)).cells).toMatchObject({
      total: 16,
      stopped: 16,
    })
  })
})
