import type { ColumnConfig, HttpRequest } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { extractApiValues, renderApiRequest } from './compile-column.js'
import {
  apiGenerator,
  createDataset,
  createFakeHttp,
  createFakeProvider,
  createHarness,
  dataColumn,
  evaluatorConfig,
  failure,
  type HttpReply,
  promptGenerator,
} from './test-fixtures.js'

const ALL = { mode: 'all' as const, columnIds: null, rowIds: null }

describe('createRun refuses a misconfigured evaluation with a clear message', () => {
  async function evaluationWith(columns: (ids: { data: string; con: string }) => ColumnConfig[]) {
    const h = createHarness()
    const provider = createFakeProvider({ clock: h.clock, reply: () => ({ text: 'x' }) })
    const connection = await h.addConnection(provider)
    const dataset = await createDataset(h.repos, ['question'], [['q']])
    const ids = { data: dataColumn(dataset, 'question').id, con: connection.id }
    for (const [i, config] of columns(ids).entries()) {
      await h.repos.columns.add({ evaluationId: dataset.evaluation.id, name: `c${i}`, config })
    }
    const create = (
      scope = ALL as { mode: 'all' | 'column'; columnIds: string[] | null; rowIds: null },
    ) => h.engine.createRun({ evaluationId: dataset.evaluation.id, scope, startedBy: null })
    return { h, provider, dataset, create }
  }

  it.each<[string, (ids: { data: string; con: string }) => ColumnConfig[], RegExp]>([
    [
      'an LLM evaluator without a connection',
      ({ data }) => [evaluatorConfig('coherence', { output: data })],
      /column "c0": Coherence needs a model connection; pick one for this column/,
    ],
    [
      'an unknown evaluator',
      ({ data, con }) => [
        evaluatorConfig('no-such-judge', { output: data }, { connectionId: con }),
      ],
      /column "c0": unknown evaluator "no-such-judge"/,
    ],
    [
      'an unknown metric',
      ({ data }) => [evaluatorConfig('metric:no-such', { output: data })],
      /column "c0": unknown metric "no-such"/,
    ],
    [
      'an unmapped variable',
      ({ con }) => [evaluatorConfig('coherence', {}, { connectionId: con })],
      /column "c0": \{\{output\}\} is not mapped to a column/,
    ],
    [
      'a variable mapped to a missing column',
      ({ con }) => [evaluatorConfig('coherence', { output: 'col_404' }, { connectionId: con })],
      /\{\{output\}\} is mapped to a column that does not exist \(col_404\)/,
    ],
    [
      'a metric with a missing variable',
      ({ data }) => [evaluatorConfig('metric:exact-match', { output: data })],
      /column "c0": \{\{expected\}\} is not mapped to a column/,
    ],
    [
      'an unknown column in a prompt template',
      ({ con }) => [promptGenerator(con, 'Answer {{questoin}}')],
      /column "c0" uses \{\{questoin\}\}, which is not a column/,
    ],
    [
      'a prompt generator without a connection',
      () => [promptGenerator(null, 'Answer {{question}}')],
      /column "c0": Run a prompt needs a model connection/,
    ],
    [
      'a connection that does not exist',
      () => [promptGenerator('con_404', 'Answer {{question}}')],
      /column "c0": its model connection con_404 does not exist/,
    ],
    ['a broken template', ({ con }) => [promptGenerator(con, 'Answer {{question')], /column "c0"/],
    [
      'no column to run',
      () => [{ kind: 'manual', valueType: 'text' }],
      /has no generator or evaluator columns to run/,
    ],
  ])('%s', async (_name, columns, message) => {
    const { h, provider, dataset, create } = await evaluationWith(columns)
    await expect(create()).rejects.toThrow(message)
    expect(await h.repos.runs.list(dataset.evaluation.id)).toEqual([])
    expect(provider.calls).toEqual([])
  })

  it('names every broken column at once', async () => {
    const { create } = await evaluationWith(({ data }) => [
      evaluatorConfig('coherence', { output: data }),
      evaluatorConfig('metric:no-such', { output: data }),
    ])
    await expect(create()).rejects.toThrow(/column "c0".*; column "c1"/)
  })

  it("treats another project's connection and custom evaluator as missing", async () => {
    const h = createHarness()
    const provider = createFakeProvider({ clock: h.clock, reply: () => ({ text: 'x' }) })
    const mine = await createDataset(h.repos, ['question'], [['q']])
    const theirs = await createDataset(h.repos, ['question'], [['q']])
    const foreign = await h.addConnection(provider, { projectId: theirs.evaluation.projectId })
    const judge = await h.repos.evaluators.create({
      kind: 'llm',
      category: 'quality',
      scope: 'custom',
      projectId: theirs.evaluation.projectId,
      name: 'Their judge',
      description: '',
      prompt: 'Rate {{output}}',
      variables: ['output'],
      scale: { kind: 'score', min: 1, max: 5 },
      polarity: 'positive',
    })
    const evaluationId = mine.evaluation.id
    const data = dataColumn(mine, 'question').id
    await h.repos.columns.add({
      evaluationId,
      name: 'generated',
      config: promptGenerator(foreign.id, 'Q: {{question}}'),
    })
    const own = await h.addConnection(provider)
    await h.repos.columns.add({
      evaluationId,
      name: 'judged',
      config: evaluatorConfig(judge.id, { output: data }, { connectionId: own.id }),
    })
    await expect(h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })).rejects.toThrow(
      /column "generated": its model connection .* does not exist; column "judged": unknown evaluator/,
    )
    expect(provider.calls).toEqual([])
  })

  it('refuses generators that read each other in a cycle', async () => {
    const h = createHarness()
    const provider = createFakeProvider({ clock: h.clock, reply: () => ({ text: 'x' }) })
    const connection = await h.addConnection(provider)
    const dataset = await createDataset(h.repos, ['question'], [['q']])
    const evaluationId = dataset.evaluation.id
    await h.repos.columns.add({
      evaluationId,
      name: 'a',
      config: promptGenerator(connection.id, 'from {{b}}'),
    })
    await h.repos.columns.add({
      evaluationId,
      name: 'b',
      config: promptGenerator(connection.id, 'from {{a}}'),
    })
    await expect(h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })).rejects.toThrow(
      'these columns read each other in a cycle: "a", "b"',
    )
  })

  it('a column scope naming an unknown or non-runnable column is refused', async () => {
    const { create, dataset } = await evaluationWith(({ data }) => [
      evaluatorConfig('metric:exact-match', { output: data, expected: data }),
    ])
    await expect(create({ mode: 'column', columnIds: ['col_404'], rowIds: null })).rejects.toThrow(
      'no such column in this evaluation: col_404',
    )
    const question = dataColumn(dataset, 'question').id
    await expect(create({ mode: 'column', columnIds: [question], rowIds: null })).rejects.toThrow(
      'these columns are not filled by a run: "question"',
    )
  })

  it('a run whose configuration broke after it was created fails with the reason', async () => {
    const { h, create, dataset } = await evaluationWith(({ data }) => [
      evaluatorConfig('metric:exact-match', { output: data, expected: data }),
    ])
    const run = await create()
    const [, metric] = await h.repos.columns.list(dataset.evaluation.id)
    await h.repos.columns.updateConfig(
      metric!.id,
      evaluatorConfig('metric:exact-match', { output: dataColumn(dataset, 'question').id }),
    )
    await expect(h.engine.execute(run.id)).rejects.toThrow(/\{\{expected\}\} is not mapped/)
    const failed = await h.repos.runs.get(run.id)
    expect(failed?.status).toBe('failed')
    expect(failed?.stopReason).toMatch(/\{\{expected\}\} is not mapped/)
  })
})

describe('renderApiRequest', () => {
  const api = (body: string) => {
    const config = apiGenerator({
      url: 'http://api.test/ask?q={{question}}',
      body,
      outputPath: 'answer',
      headers: [{ name: 'X-Topic', value: 'topic {{topic}}' }],
    })
    if (config.kind !== 'generated' || config.generator.type !== 'api') throw new Error('api')
    return config.generator
  }
  const nasty = 'say "hi"\\\nthen\ttab \u0001 </end>'

  it('escapes values inside a JSON body, so the body stays valid JSON with the exact values', () => {
    const rendered = renderApiRequest(api('{"question": "{{question}}", "n": 1}'), {
      question: nasty,
      topic: 't',
    })
    expect(rendered.ok).toBe(true)
    if (!rendered.ok) return
    expect(JSON.parse(rendered.value.body as string)).toEqual({ question: nasty, n: 1 })
    expect(rendered.value).toMatchObject({
      method: 'POST',
      url: `http://api.test/ask?q=${encodeURIComponent(nasty)}`,
      headers: { 'X-Topic': 'topic t' },
      timeoutMs: 10_000,
    })
  })

  it('percent-encodes values in the URL: one query value each, and never another host', () => {
    const tricky = 'a&b=c#d ? e/f'
    const query = renderApiRequest(api(''), { question: tricky, topic: 't' })
    if (!query.ok) throw new Error('render')
    expect(new URL(query.value.url).searchParams.get('q')).toBe(tricky)
    expect(new URL(query.value.url).host).toBe('api.test')
    const config = apiGenerator({ url: 'https://good.test{{question}}', outputPath: 'answer' })
    if (config.kind !== 'generated' || config.generator.type !== 'api') throw new Error('api')
    for (const value of ['@evil.test/x', ':1@evil.test', '/x@evil.test']) {
      const rendered = renderApiRequest(config.generator, { question: value })
      if (!rendered.ok) throw new Error('render')
      const parsed = URL.canParse(rendered.value.url) ? new URL(rendered.value.url) : null
      expect(parsed?.hostname ?? 'unparsable', value).not.toMatch(/^evil\.test$/)
    }
  })

  it('leaves a non-JSON body as plain text and an empty body as none', () => {
    const plain = renderApiRequest(api('question={{question}}'), { question: 'a "b"', topic: 't' })
    expect(plain.ok && plain.value.body).toBe('question=a "b"')
    const empty = renderApiRequest(api(''), { question: 'x', topic: 't' })
    expect(empty.ok && empty.value.body).toBeNull()
  })

  it('extractApiValues reads the answer and the contexts paths', () => {
    const body = '{"answer": {"text": "A"}, "docs": [{"t": "c1"}, {"t": "c2"}]}'
    expect(extractApiValues({ outputPath: 'answer.text', contextsPath: 'docs' }, body)).toEqual({
      ok: true,
      value: { answer: 'A', contexts: '[{"t":"c1"},{"t":"c2"}]' },
    })
    expect(extractApiValues({ outputPath: 'answer.text' }, body)).toEqual({
      ok: true,
      value: { answer: 'A' },
    })
    const notJson = extractApiValues({ outputPath: 'answer' }, '<html>')
    expect(!notJson.ok && notJson.error.message).toBe('the API did not answer with JSON')
  })
})

describe('the API generator in a run', () => {
  async function apiRun(
    reply: (request: HttpRequest, index: number) => HttpReply,
    outputPath = 'output.text',
  ) {
    const http = createFakeHttp(reply)
    const h = createHarness({ http })
    const dataset = await createDataset(
      h.repos,
      ['question'],
      [['plain'], ['with "quotes"\nand a newline \\ backslash']],
    )
    const column = await h.repos.columns.add({
      evaluationId: dataset.evaluation.id,
      name: 'api',
      config: apiGenerator({
        url: 'http://api.test/answer',
        body: '{"input": "{{question}}"}',
        outputPath,
        headers: [{ name: 'Content-Type', value: 'application/json' }],
      }),
    })
    const created = await h.engine.createRun({
      evaluationId: dataset.evaluation.id,
      scope: ALL,
      startedBy: null,
    })
    const run = await h.engine.execute(created.id)
    const results = await h.repos.cellResults.listForRun(run.id)
    return { h, http, dataset, column, run, results }
  }

  const echo = (request: HttpRequest): HttpReply => {
    const { input } = JSON.parse(request.body as string) as { input: string }
    return { ok: true, value: { body: JSON.stringify({ output: { text: `echo: ${input}` } }) } }
  }

  it('sends each row as valid JSON and stores the value at the output path', async () => {
    const { http, dataset, run, results } = await apiRun(echo)
    expect(run.status).toBe('completed')
    expect(http.requests).toHaveLength(2)
    expect(
      http.requests.every((r) => r.method === 'POST' && r.url === 'http://api.test/answer'),
    ).toBe(true)
    expect(http.requests[0]?.headers).toEqual({ 'Content-Type': 'application/json' })
    for (const [i, row] of dataset.rows.entries()) {
      const result = results.find((r) => r.rowId === row.id)
      expect(result).toMatchObject({ status: 'done', value: `echo: ${row.values[0]}`, attempts: 1 })
      expect(result?.tokensIn).toBe(0)
      expect(i).toBeLessThan(2)
    }
    expect(run.tokensIn).toBe(0)
  })

  it('a wrong output path is an invalid_response error keeping the answer', async () => {
    const { run, results } = await apiRun(echo, 'output.missing')
    expect(run.status).toBe('completed')
    expect(results).toHaveLength(2)
    for (const result of results) {
      expect(result.status).toBe('error')
      expect(result.error?.code).toBe('invalid_response')
      expect(result.error?.message).toBe(
        'JSON output path "output.missing": no "missing" under output',
      )
      expect(result.raw).toContain('"output":{"text":"echo: ')
    }
  })

  it('an answer that is not JSON is an invalid_response error', async () => {
    const { results } = await apiRun(() => ({ ok: true, value: { body: 'Internal oops' } }))
    expect(results.map((r) => [r.status, r.error?.code, r.raw])).toEqual([
      ['error', 'invalid_response', 'Internal oops'],
      ['error', 'invalid_response', 'Internal oops'],
    ])
  })

  it('retries a 5xx and fails a 4xx at once, with the reason', async () => {
    const { http, dataset, results } = await apiRun((request, index) => {
      const { input } = JSON.parse(request.body as string) as { input: string }
      if (input === 'plain' && index < 2)
        return {
          ok: false,
          error: failure({
            kind: 'server_error',
            status: 503,
            retryable: true,
            message: 'HTTP 503',
          }),
        }
      if (input !== 'plain')
        return {
          ok: false,
          error: failure({ kind: 'not_found', status: 404, message: 'HTTP 404: no such route' }),
        }
      return echo(request)
    })
    const plain = results.find((r) => r.rowId === dataset.rows[0]?.id)
    const other = results.find((r) => r.rowId === dataset.rows[1]?.id)
    expect(plain).toMatchObject({ status: 'done', value: 'echo: plain' })
    expect(plain?.attempts).toBeGreaterThanOrEqual(2)
    expect(other).toMatchObject({
      status: 'error',
      attempts: 1,
      error: { code: 'not_found', message: 'HTTP 404: no such route' },
    })
    expect(http.requests.length).toBe((plain?.attempts ?? 0) + 1)
  })

  it('a RAG endpoint fills the contexts column for a following evaluator', async () => {
    const http = createFakeHttp((request) => {
      const { q } = JSON.parse(request.body as string) as { q: string }
      return {
        ok: true,
        value: {
          body: JSON.stringify({ answer: `about ${q}`, sources: [`${q} doc 1`, `${q} doc 2`] }),
        },
      }
    })
    const h = createHarness({ http })
    const dataset = await createDataset(
      h.repos,
      ['question', 'expected'],
      [
        ['cats', '["cats doc 1","cats doc 2"]'],
        ['dogs', '["something else"]'],
      ],
    )
    const evaluationId = dataset.evaluation.id
    const rag = await h.repos.columns.add({
      evaluationId,
      name: 'answer',
      config: apiGenerator({
        url: 'http://rag.test/ask',
        body: '{"q": "{{question}}"}',
        outputPath: 'answer',
        contextsPath: 'sources',
      }),
    })
    const contexts = await h.repos.columns.add({
      evaluationId,
      name: 'contexts',
      config: { kind: 'generated', generator: { type: 'rag-contexts', sourceColumnId: rag.id } },
    })
    const ragConfig = rag.config
    if (ragConfig.kind !== 'generated' || ragConfig.generator.type !== 'api') throw new Error('api')
    await h.repos.columns.updateConfig(rag.id, {
      kind: 'generated',
      generator: { ...ragConfig.generator, contextsColumnId: contexts.id },
    })
    const check = await h.repos.columns.add({
      evaluationId,
      name: 'contexts match',
      config: evaluatorConfig('metric:exact-match', {
        output: contexts.id,
        expected: dataColumn(dataset, 'expected').id,
      }),
    })
    const created = await h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })
    const run = await h.engine.execute(created.id)
    expect(run.status).toBe('completed')
    const results = await h.repos.cellResults.listForRun(run.id)
    const value = (row: number, columnId: string) =>
      results.find((r) => r.rowId === dataset.rows[row]?.id && r.columnId === columnId)
    expect(value(0, rag.id)).toMatchObject({ status: 'done', value: 'about cats' })
    expect(value(1, rag.id)).toMatchObject({ status: 'done', value: 'about dogs' })
    // The evaluator read the contexts this run's RAG call returned for the same row.
    expect(value(0, check.id)).toMatchObject({ status: 'done', value: 1, pass: true })
    expect(value(1, check.id)).toMatchObject({ status: 'done', value: 0, pass: false })
    expect(http.requests).toHaveLength(2)
    // The contexts column is filled (stored beside the answer, with no usage of its own).
    expect(value(0, contexts.id)).toMatchObject({
      status: 'done',
      value: '["cats doc 1","cats doc 2"]',
      tokensIn: 0,
      attempts: 0,
    })
    expect(value(1, contexts.id)?.value).toBe('["dogs doc 1","dogs doc 2"]')
    const progress = h.events.filter((e) => e.type === 'progress').at(-1)
    expect(progress?.type === 'progress' && progress.progress.cells).toMatchObject({
      total: 4,
      done: 4,
      pending: 0,
    })

    // The contexts are kept: an evaluator run later reads them without calling the endpoint.
    const later = await h.engine.createRun({
      evaluationId,
      scope: { mode: 'column', columnIds: [check.id], rowIds: null },
      startedBy: null,
    })
    await h.engine.execute(later.id)
    const again = await h.repos.cellResults.listForRun(later.id)
    expect(again.map((r) => r.value)).toEqual([1, 0])
    expect(http.requests).toHaveLength(2)
  })

  it('a resumed RAG run reads the stored contexts and counts its cells right', async () => {
    const holder = { stop: () => {} }
    const http = createFakeHttp((request, index) => {
      // The second request stops the run (its answer still arrives and is stored).
      if (index === 1) holder.stop()
      const { q } = JSON.parse(request.body as string) as { q: string }
      return { ok: true, value: { body: JSON.stringify({ answer: q, sources: [q] }) } }
    })
    const h = createHarness({ http })
    const dataset = await createDataset(
      h.repos,
      ['question', 'expected'],
      [
        ['a', '["a"]'],
        ['b', '["b"]'],
        ['c', '["c"]'],
      ],
    )
    const evaluationId = dataset.evaluation.id
    const rag = await h.repos.columns.add({
      evaluationId,
      name: 'answer',
      config: apiGenerator({
        url: 'http://rag.test/ask',
        body: '{"q": "{{question}}"}',
        outputPath: 'answer',
        contextsPath: 'sources',
      }),
    })
    const contexts = await h.repos.columns.add({
      evaluationId,
      name: 'contexts',
      config: { kind: 'generated', generator: { type: 'rag-contexts', sourceColumnId: rag.id } },
    })
    if (rag.config.kind !== 'generated' || rag.config.generator.type !== 'api') throw new Error()
    await h.repos.columns.updateConfig(rag.id, {
      kind: 'generated',
      generator: { ...rag.config.generator, contextsColumnId: contexts.id },
    })
    const check = await h.repos.columns.add({
      evaluationId,
      name: 'check',
      config: evaluatorConfig('metric:exact-match', {
        output: contexts.id,
        expected: dataColumn(dataset, 'expected').id,
      }),
    })
    const created = await h.engine.createRun({ evaluationId, scope: ALL, startedBy: null })
    holder.stop = () => void h.engine.stop(created.id)
    const stopped = await h.engine.execute(created.id)
    expect(stopped.status).toBe('stopped')
    const firstSegment = await h.repos.cellResults.listForRun(created.id)
    expect(firstSegment.filter((r) => r.columnId === rag.id).length).toBeLessThan(3)

    holder.stop = () => {}
    await h.engine.resume(created.id)
    const run = await h.engine.execute(created.id)
    expect(run.status).toBe('completed')
    const results = await h.repos.cellResults.listForRun(created.id)
    const checks = results.filter((r) => r.columnId === check.id)
    expect(checks.map((r) => [r.status, r.value])).toEqual([
      ['done', 1],
      ['done', 1],
      ['done', 1],
    ])
    // Each row's endpoint was called once over both segments.
    expect(http.requests).toHaveLength(3)
    const progress = h.events.flatMap((e) => (e.type === 'progress' ? [e.progress.cells] : []))
    for (const cells of progress) {
      expect(cells.total).toBe(6)
      expect(cells.done + cells.error + cells.stopped + cells.pending).toBe(6)
    }
    expect(progress.at(-1)).toMatchObject({ total: 6, done: 6, pending: 0, stopped: 0 })
  })
})
