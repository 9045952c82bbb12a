import type { Column, ColumnConfig } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { columnInputs, isRunnableColumn, orderColumns } from './plan.js'
import {
  createDataset,
  createFakeProvider,
  createHarness,
  dataColumn,
  evaluatorConfig,
  isJudge,
  judgeAnswer,
  promptGenerator,
  tagged,
} from './test-fixtures.js'

let position = 0
function column(id: string, config: ColumnConfig, name = id): Column {
  return {
    id,
    evaluationId: 'ev_1',
    name,
    position: position++,
    config,
    createdAt: '2026-01-01T00:00:00.000Z',
  }
}

const data = (id: string) => column(id, { kind: 'data' })
const gen = (id: string, prompt: string) => column(id, promptGenerator('con_1', prompt))
const judge = (id: string, mapping: Record<string, string>) =>
  column(id, evaluatorConfig('coherence', mapping, { connectionId: 'con_1' }))

function levelNames(targets: Column[], all: Column[]): string[][] {
  const levels = orderColumns(targets, all)
  if (!levels.ok) throw new Error(levels.error.message)
  return levels.value.map((level) => level.map((step) => step.column.name).sort())
}

describe('orderColumns', () => {
  const question = data('question')
  const a = gen('a', 'Answer {{question}}')
  const b = gen('b', 'Improve {{a}} for {{question}}')
  const e = judge('e', { output: 'b' })
  const f = judge('f', { output: 'question' })
  const all = [question, a, b, e, f]

  it('puts each column after the generated columns it reads, independent ones together', () => {
    expect(levelNames([a, b, e, f], all)).toEqual([['a', 'f'], ['b'], ['e']])
  })

  it('a column reading a generated column outside the targets does not wait for it', () => {
    // `b` reads `a`, which this run does not fill: `b` reads a's stored values instead.
    expect(levelNames([b, e], all)).toEqual([['b'], ['e']])
    expect(levelNames([e], all)).toEqual([['e']])
  })

  it('reports the inputs of each step', () => {
    const levels = orderColumns([a, b], all)
    expect(levels.ok && levels.value.flat().map((s) => [s.column.id, s.inputs.sort()])).toEqual([
      ['a', ['question']],
      ['b', ['a', 'question']],
    ])
  })

  it('the contexts column of a RAG endpoint is produced by its API generator', () => {
    const api = column('api', {
      kind: 'generated',
      generator: {
        type: 'api',
        method: 'POST',
        url: 'http://rag.test/ask',
        headers: [],
        body: '{"q": "{{question}}"}',
        outputPath: 'answer',
        contextsPath: 'contexts',
        contextsColumnId: 'ctx',
        timeoutMs: 1_000,
      },
    })
    const ctx = column('ctx', {
      kind: 'generated',
      generator: { type: 'rag-contexts', sourceColumnId: 'api' },
    })
    const reader = judge('reader', { output: 'ctx' })
    expect(isRunnableColumn(ctx)).toBe(false)
    expect(isRunnableColumn(api)).toBe(true)
    expect(levelNames([reader, api], [question, api, ctx, reader])).toEqual([['api'], ['reader']])
  })

  it('refuses a cycle, naming the columns in it', () => {
    const x = gen('x', 'From {{y}}')
    const y = gen('y', 'From {{x}}')
    const z = gen('z', 'Alone {{question}}')
    const result = orderColumns([x, y, z], [question, x, y, z])
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_input')
      expect(result.error.message).toBe('these columns read each other in a cycle: "x", "y"')
    }
  })

  it('refuses a column that reads itself', () => {
    const self = gen('self', 'Again {{self}}')
    const result = orderColumns([self], [question, self])
    expect(!result.ok && result.error.message).toBe('column "self" reads itself')
  })

  it('columnInputs: mapping ids for evaluators, template names for generators', () => {
    expect(columnInputs(e, all)).toEqual({ ok: true, value: ['b'] })
    expect(columnInputs(b, all)).toEqual({ ok: true, value: ['a', 'question'] })
    expect(columnInputs(question, all)).toEqual({ ok: true, value: [] })
    const broken = gen('broken', 'Hi {{nobody}}')
    const result = columnInputs(broken, [...all, broken])
    expect(!result.ok && result.error.message).toBe(
      'column "broken" uses {{nobody}}, which is not a column',
    )
  })
})

describe('run scopes', () => {
  /** question + expected, a generator, a coherence judge and an exact-match metric reading it. */
  async function setup(failRow: string | null = null) {
    const h = createHarness()
    const state = { failing: failRow }
    const provider = createFakeProvider({
      clock: h.clock,
      seq: h.seq,
      reply: (request) => {
        if (isJudge(request)) return { text: judgeAnswer(5), inputTokens: 20, outputTokens: 4 }
        const question = request.prompt.replace('Answer ', '')
        if (question === state.failing)
          return {
            failure: { kind: 'bad_request', status: 400, retryable: false, message: 'refused' },
          }
        return { text: `A(${question})` }
      },
    })
    const connection = await h.addConnection(provider)
    const dataset = await createDataset(
      h.repos,
      ['question', 'expected'],
      [
        ['q0', 'A(q0)'],
        ['q1', 'A(q1)'],
        ['q2', 'nope'],
      ],
    )
    const evaluationId = dataset.evaluation.id
    const generated = await h.repos.columns.add({
      evaluationId,
      name: 'generated',
      config: promptGenerator(connection.id, 'Answer {{question}}'),
    })
    const coherence = await h.repos.columns.add({
      evaluationId,
      name: 'coherence',
      config: evaluatorConfig(
        'coherence',
        { output: generated.id },
        { connectionId: connection.id },
      ),
    })
    const exact = await h.repos.columns.add({
      evaluationId,
      name: 'exact',
      config: evaluatorConfig('metric:exact-match', {
        output: generated.id,
        expected: dataColumn(dataset, 'expected').id,
      }),
    })
    const run = async (scope: {
      mode: 'all' | 'column' | 'failed' | 'unfinished' | 'rows'
      columnIds?: string[]
      rowIds?: string[]
    }) => {
      const created = await h.engine.createRun({
        evaluationId,
        scope: {
          mode: scope.mode,
          columnIds: scope.columnIds ?? null,
          rowIds: scope.rowIds ?? null,
        },
        startedBy: null,
      })
      const done = await h.engine.execute(created.id)
      const results = await h.repos.cellResults.listForRun(done.id)
      return { run: done, results, cells: results.map((r) => `${r.rowId}/${r.columnId}`).sort() }
    }
    const cell = (row: number, c: Column) => `${dataset.rows[row]?.id}/${c.id}`
    return { h, provider, dataset, generated, coherence, exact, run, cell, state }
  }

  it('column: runs only that column; a judge then reads the stored generated values', async () => {
    const { provider, generated, coherence, run, cell } = await setup()
    const first = await run({ mode: 'column', columnIds: [generated.id] })
    expect(first.cells).toEqual([cell(0, generated), cell(1, generated), cell(2, generated)].sort())
    expect(provider.calls.every((c) => !isJudge(c.request))).toBe(true)

    const second = await run({ mode: 'column', columnIds: [coherence.id] })
    expect(second.cells).toEqual(
      [cell(0, coherence), cell(1, coherence), cell(2, coherence)].sort(),
    )
    const judged = provider.calls.filter((c) => isJudge(c.request))
    expect(judged.map((c) => tagged(c.request, 'output')).sort()).toEqual([
      'A(q0)',
      'A(q1)',
      'A(q2)',
    ])
    // The generator was not asked again.
    expect(provider.calls).toHaveLength(6)
  })

  it('failed: a new run re-runs only the cells whose latest result is an error', async () => {
    const { provider, generated, coherence, exact, run, cell, state } = await setup('q1')
    const first = await run({ mode: 'all' })
    expect(
      first.results
        .filter((r) => r.status === 'error')
        .map((r) => `${r.rowId}/${r.columnId}`)
        .sort(),
    ).toEqual([cell(1, generated), cell(1, coherence), cell(1, exact)].sort())
    const before = provider.calls.length

    state.failing = null
    const retry = await run({ mode: 'failed' })
    expect(retry.run.id).not.toBe(first.run.id)
    expect(retry.run.status).toBe('completed')
    expect(retry.cells).toEqual([cell(1, generated), cell(1, coherence), cell(1, exact)].sort())
    expect(retry.results.every((r) => r.status === 'done')).toBe(true)
    // One generator and one judge call for row 1 only.
    expect(
      provider.calls.slice(before).map((c) => (isJudge(c.request) ? 'judge' : c.request.prompt)),
    ).toEqual(['Answer q1', 'judge'])
    // The first run's results are history, untouched.
    expect(first.results).toHaveLength(9)

    // Nothing failed any more: a further "failed" run has nothing to do.
    const nothing = await run({ mode: 'failed' })
    expect(nothing.cells).toEqual([])
    expect(nothing.run.status).toBe('completed')
  })

  it('unfinished: skips cells finished by earlier runs', async () => {
    const { provider, generated, coherence, exact, run, cell } = await setup()
    await run({ mode: 'column', columnIds: [generated.id] })
    const rest = await run({ mode: 'unfinished' })
    expect(rest.cells).toEqual(
      [0, 1, 2].flatMap((i) => [cell(i, coherence), cell(i, exact)]).sort(),
    )
    expect(provider.calls.filter((c) => !isJudge(c.request))).toHaveLength(3)
    const again = await run({ mode: 'unfinished' })
    expect(again.cells).toEqual([])
    expect(provider.calls).toHaveLength(6)
  })

  it('rows: runs only the chosen rows', async () => {
    const { dataset, generated, coherence, exact, run, cell } = await setup()
    const chosen = await run({ mode: 'rows', rowIds: [dataset.rows[2]?.id as string] })
    expect(chosen.cells).toEqual([cell(2, generated), cell(2, coherence), cell(2, exact)].sort())
    expect(chosen.results.find((r) => r.columnId === exact.id)?.value).toBe(0)
  })

  it('all: a re-run of everything is a new run that asks again (cache aside)', async () => {
    const { h, provider, dataset, run } = await setup()
    await h.repos.evaluations.setCacheEnabled(dataset.evaluation.id, false)
    const first = await run({ mode: 'all' })
    const second = await run({ mode: 'all' })
    expect(second.run.id).not.toBe(first.run.id)
    expect(first.cells).toHaveLength(9)
    expect(second.cells).toHaveLength(9)
    expect(provider.calls).toHaveLength(12)
  })
})
