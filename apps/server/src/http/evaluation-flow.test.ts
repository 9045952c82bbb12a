import { type StubLlm, startStubLlm } from '@assay/stub-llm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readSse } from './sse-reader.js'
import { makeTestServer, type TestServer } from './test-server.js'

type Json = Record<string, unknown>

describe('HTTP: import, columns, runs, stop, resume, live events', () => {
  let t: TestServer
  let stub: StubLlm
  let editor: Awaited<ReturnType<TestServer['session']>>
  let projectId: string

  beforeAll(async () => {
    t = await makeTestServer()
    stub = await startStubLlm()
    editor = await t.session('Editor')
    const res = await t.request(editor, 'POST', '/api/v1/projects', { name: 'Flow' })
    projectId = ((await res.json()) as Json).id as string
  })
  afterAll(async () => {
    await t.close()
    await stub.close()
  })

  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    const res = await t.request(editor, method, path, body, headers)
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json }
  }

  async function evaluationWith(csv: string, name: string): Promise<string> {
    const made = await call('POST', `/api/v1/projects/${projectId}/evaluations`, { name })
    expect(made.status).toBe(201)
    const id = made.body.id as string
    const imported = await call('POST', `/api/v1/evaluations/${id}/imports?format=csv`, csv, {
      'content-type': 'text/csv',
    })
    expect(imported.status).toBe(201)
    return id
  }

  async function waitForStatus(runId: string, statuses: string[]) {
    for (let i = 0; i < 400; i++) {
      const run = await call('GET', `/api/v1/runs/${runId}`)
      if (statuses.includes(run.body.status as string)) return run.body
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error(`run ${runId} never reached ${statuses.join('/')}`)
  }

  it('previews and imports a file, refusing a bad one with its line and keeping nothing', async () => {
    const made = await call('POST', `/api/v1/projects/${projectId}/evaluations`, { name: 'import' })
    const id = made.body.id as string
    const preview = await call(
      'POST',
      `/api/v1/evaluations/${id}/imports/preview`,
      'q,a\n1,2\n3,4\n',
      {
        'content-type': 'text/csv',
      },
    )
    expect(preview.status).toBe(200)
    expect(preview.body).toMatchObject({
      columns: ['q', 'a'],
      rows: [
        ['1', '2'],
        ['3', '4'],
      ],
    })
    const bad = await call('POST', `/api/v1/evaluations/${id}/imports`, 'q,a\n1,2\n3\n', {
      'content-type': 'text/csv',
    })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ error: { code: 'invalid_input', position: { line: 3 } } })
    const after = await call('GET', `/api/v1/evaluations/${id}`)
    expect(after.body.rowCount).toBe(0)
  })

  it('refuses an evaluator column the engine could not run, naming the problem', async () => {
    const id = await evaluationWith('question,answer\nq1,a1\n', 'bad column')
    const res = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'exact',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:exact-match',
          mapping: { output: 'col_nope' },
          threshold: null,
        },
      },
    })
    expect(res.status).toBe(400)
    expect(String((res.body.error as Json).message)).toMatch(/expected|col_nope|map/i)
  })

  it('runs a metric column to completion and streams its results', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `q${i},${i % 2 ? 'yes' : 'no'},yes`).join(
      '\n',
    )
    const id = await evaluationWith(`question,answer,expected\n${rows}\n`, 'metric run')
    const evaluation = await call('GET', `/api/v1/evaluations/${id}`)
    const cols = evaluation.body.columns as { id: string; name: string }[]
    const colId = (name: string) => cols.find((c) => c.name === name)?.id as string
    const added = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'exact',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:exact-match',
          mapping: { output: colId('answer'), expected: colId('expected') },
          threshold: null,
        },
      },
    })
    expect(added.status).toBe(201)
    const run = await call('POST', `/api/v1/evaluations/${id}/runs`, { mode: 'all' })
    expect(run.status).toBe(201)
    const runId = run.body.id as string
    const done = await waitForStatus(runId, ['completed'])
    expect(done.elapsedMs).toBeGreaterThanOrEqual(0)

    // A late subscriber gets a snapshot of the finished run.
    const res = await t.app.request(`/api/v1/runs/${runId}/events`, {
      headers: { cookie: `assay_session=${editor.cookie}` },
    })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const events = await readSse(
      res.body as ReadableStream<Uint8Array>,
      (e) => e.event === 'snapshot',
    )
    expect(JSON.parse(events[0]?.data ?? '{}').status).toBe('completed')
  })

  it('tests a custom evaluator on chosen rows before any column is saved', async () => {
    stub.configure({ latencyMs: 0, jitterMs: 0, faults: {} })
    const id = await evaluationWith('question,answer\nq1,a1\nq2,a2\nq3,a3\n', 'draft test')
    const conn = await call('POST', `/api/v1/projects/${projectId}/connections`, {
      name: 'draft-stub',
      provider: 'openai-compatible',
      baseUrl: stub.url,
      model: 'judge-1',
    })
    const evaluator = await call('POST', `/api/v1/projects/${projectId}/evaluators`, {
      name: 'politeness',
      prompt: 'Rate how polite this answer is: {{output}}',
      scale: { kind: 'score', min: 1, max: 5 },
    })
    expect(evaluator.status).toBe(201)
    expect(evaluator.body.variables).toEqual(['output'])
    const evaluation = await call('GET', `/api/v1/evaluations/${id}`)
    const cols = evaluation.body.columns as { id: string; name: string }[]
    const rowsPage = await t.services.repos.rows.list(id, { limit: 3 })
    const tested = await call('POST', `/api/v1/evaluations/${id}/columns/test`, {
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: evaluator.body.id,
          connectionId: conn.body.id,
          mapping: { output: cols.find((c) => c.name === 'answer')?.id },
          threshold: { op: '>', value: 3 },
        },
      },
      rowIds: [rowsPage[1]?.id, rowsPage[2]?.id],
    })
    expect(tested.status, JSON.stringify(tested.body)).toBe(200)
    const outcomes = tested.body.outcomes as Json[]
    expect(outcomes.map((o) => o.rowId)).toEqual([rowsPage[1]?.id, rowsPage[2]?.id])
    for (const o of outcomes) expect(o.status).toBe('done')
    // Nothing was stored: no column, no result.
    expect(
      ((await call('GET', `/api/v1/evaluations/${id}`)).body.columns as unknown[]).length,
    ).toBe(2)
  })

  it('exports results with footer rows, formula injection neutralised, and JSONL', async () => {
    const csv =
      'question,answer,expected\n' +
      '"=HYPERLINK(""http://x"")",+1+1,+1+1\n' +
      '-2+3,@SUM(A1),x\n' +
      '"\tTAB","\rCR",-5\n'
    const id = await evaluationWith(csv, 'export')
    const evaluation = await call('GET', `/api/v1/evaluations/${id}`)
    const cols = evaluation.body.columns as { id: string; name: string }[]
    const colId = (name: string) => cols.find((c) => c.name === name)?.id as string
    await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'same',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:exact-match',
          mapping: { output: colId('answer'), expected: colId('expected') },
          threshold: null,
        },
      },
    })
    const run = await call('POST', `/api/v1/evaluations/${id}/runs`, { mode: 'all' })
    await waitForStatus(run.body.id as string, ['completed'])

    const res = await t.request(editor, 'GET', `/api/v1/evaluations/${id}/export?format=csv`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="export.csv"/)
    const text = await res.text()
    const lines = text.split('\r\n')
    expect(lines[0]).toBe(
      'question,answer,expected,same,same (pass),same (explanation),same (error)',
    )
    expect(text).toContain(`"'=HYPERLINK(""http://x"")",'+1+1,'+1+1,1,pass`)
    expect(text).toContain("'-2+3,'@SUM(A1),x,0,fail")
    expect(text).toContain(`'\tTAB,"'\rCR",-5`)
    expect(text).toMatch(/\r\npass %,,,33\.3%,/)
    expect(text).toMatch(/\r\nfail %,,,66\.7%,/)

    const raw = await (
      await t.request(editor, 'GET', `/api/v1/evaluations/${id}/export?format=csv&raw=1`)
    ).text()
    expect(raw).toContain('"=HYPERLINK(""http://x"")",+1+1')

    const jsonl = await (
      await t.request(editor, 'GET', `/api/v1/evaluations/${id}/export?format=jsonl`)
    ).text()
    const first = JSON.parse(jsonl.split('\n')[0] ?? '{}')
    expect(first).toMatchObject({
      question: '=HYPERLINK("http://x")',
      same: 1,
      'same (pass)': 'pass',
    })
  })

  it('stops a judge run at once, keeps what was done, and resumes the same run', async () => {
    stub.configure({ latencyMs: 40, jitterMs: 0, faults: {} })
    stub.resetStats()
    const rows = Array.from({ length: 120 }, (_, i) => `question ${i},answer ${i}`).join('\n')
    const id = await evaluationWith(`question,answer\n${rows}\n`, 'judge run')
    const conn = await call('POST', `/api/v1/projects/${projectId}/connections`, {
      name: 'stub',
      provider: 'openai-compatible',
      baseUrl: stub.url,
      model: 'judge-1',
      apiKey: 'sk-test-secret-value',
      limits: { concurrency: 4, requestsPerMinute: null, tokensPerMinute: null },
    })
    expect(conn.status).toBe(201)
    expect(JSON.stringify(conn.body)).not.toContain('sk-test-secret-value')
    const evaluation = await call('GET', `/api/v1/evaluations/${id}`)
    const cols = evaluation.body.columns as { id: string; name: string }[]
    const colId = (name: string) => cols.find((c) => c.name === name)?.id as string
    const added = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'relevance',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'query-relevance',
          connectionId: conn.body.id,
          mapping: { query: colId('question'), input: colId('question'), output: colId('answer') },
          threshold: { op: '>', value: 2.5 },
        },
      },
    })
    expect(added.status, JSON.stringify(added.body)).toBe(201)

    const started = await call('POST', `/api/v1/evaluations/${id}/runs`, { mode: 'all' })
    const runId = started.body.id as string
    const stream = await t.app.request(`/api/v1/runs/${runId}/events`, {
      headers: { cookie: `assay_session=${editor.cookie}` },
    })
    const seen = readSse(stream.body as ReadableStream<Uint8Array>, (e) => {
      return e.event === 'status' && JSON.parse(e.data).status === 'stopped'
    })
    // Let some cells finish, then stop.
    for (let i = 0; i < 200 && stub.stats().requestsFinished < 10; i++) {
      await new Promise((r) => setTimeout(r, 10))
    }
    const stopped = await call('POST', `/api/v1/runs/${runId}/stop`, {})
    expect(stopped.status, JSON.stringify(stopped.body)).toBe(200)
    const final = await waitForStatus(runId, ['stopped'])
    // Requests already on the wire when the stop answered may still reach the model server
    // (in-process, a few ms later); after that nothing new arrives.
    await new Promise((r) => setTimeout(r, 50))
    const startedAfterStop = stub.stats().requestsStarted
    await new Promise((r) => setTimeout(r, 300))
    expect(stub.stats().requestsStarted).toBe(startedAfterStop)
    const settled = (await call('GET', `/api/v1/runs/${runId}`)).body
    expect(settled.tokensIn).toBe(final.tokensIn)
    expect(final.tokensIn).toBeGreaterThan(0)
    // Tokens counted are exactly the tokens the model server billed for answered requests.
    expect(final.tokensIn).toBe(stub.stats().tokensBilled.prompt)
    expect(final.tokensOut).toBe(stub.stats().tokensBilled.completion)

    const events = await seen
    const cells = events
      .filter((e) => e.event === 'cells')
      .flatMap((e) => JSON.parse(e.data) as Json[])
    expect(cells.length).toBeGreaterThan(0)
    expect(cells.length).toBeLessThan(120)
    expect(new Set(cells.map((c) => c.rowId)).size).toBe(cells.length)

    stub.configure({ latencyMs: 0 })
    const resumed = await call('POST', `/api/v1/runs/${runId}/resume`, {})
    expect(resumed.status).toBe(200)
    const completed = await waitForStatus(runId, ['completed'])
    expect(completed.id).toBe(runId)
    expect(completed.segments).toBeGreaterThanOrEqual(2)
  })
})
