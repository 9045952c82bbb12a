import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestServer, type TestServer } from './test-server.js'

type Json = Record<string, unknown>

describe('HTTP: results table, footers and Insights over a filter, agreement, compare, cell detail', () => {
  let t: TestServer
  let viewer: Awaited<ReturnType<TestServer['session']>>
  let editor: Awaited<ReturnType<TestServer['session']>>
  let evaluationId: string
  let exactId: string
  let labelId: string
  let answerId: string
  let firstRun: string

  async function call(
    who: typeof editor,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    const res = await t.request(who, method, path, body, headers)
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json }
  }
  async function waitDone(runId: string) {
    for (let i = 0; i < 400; i++) {
      const run = await call(editor, 'GET', `/api/v1/runs/${runId}`)
      if (run.body.status === 'completed') return
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error('run did not complete')
  }

  beforeAll(async () => {
    t = await makeTestServer()
    editor = await t.session('Editor')
    viewer = await t.session('Viewer')
    const project = await call(editor, 'POST', '/api/v1/projects', { name: 'Results' })
    await call(editor, 'PUT', `/api/v1/projects/${project.body.id}/members`, {
      email: viewer.user.email,
      role: 'viewer',
    })
    const evaluation = await call(
      editor,
      'POST',
      `/api/v1/projects/${project.body.id}/evaluations`,
      { name: 'r' },
    )
    evaluationId = evaluation.body.id as string
    // 20 rows: answer equals expected on even rows; the human label says 1 on rows 0..9.
    let csv = 'answer,expected,label\n'
    for (let i = 0; i < 20; i++)
      csv += `a${i},${i % 2 === 0 ? `a${i}` : 'other'},${i < 10 ? 1 : 0}\n`
    await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/imports`, csv, {
      'content-type': 'text/csv',
    })
    const cols = (await call(editor, 'GET', `/api/v1/evaluations/${evaluationId}`)).body
      .columns as { id: string; name: string }[]
    const id = (name: string) => cols.find((c) => c.name === name)?.id as string
    answerId = id('answer')
    labelId = id('label')
    const added = await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/columns`, {
      name: 'exact',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:exact-match',
          mapping: { output: id('answer'), expected: id('expected') },
          threshold: null,
        },
      },
    })
    exactId = ((added.body.columns as Json[])[0] as Json).id as string
    const run = await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/runs`, {
      mode: 'all',
    })
    firstRun = run.body.id as string
    await waitDone(firstRun)
  })
  afterAll(async () => {
    await t.close()
  })

  it('pages the table with a verdict filter and a sort, with a cursor that misses no row', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    let total = 0
    do {
      const page = await call(viewer, 'POST', `/api/v1/evaluations/${evaluationId}/results/query`, {
        filters: [{ type: 'verdict', columnId: exactId, values: ['fail'] }],
        sort: { columnId: answerId, direction: 'desc' },
        limit: 4,
        cursor,
      })
      expect(page.status, JSON.stringify(page.body)).toBe(200)
      total = page.body.total as number
      for (const row of page.body.rows as Json[]) seen.push(String(row.id ?? row.rowId))
      cursor = page.body.nextCursor as string | null
    } while (cursor)
    expect(total).toBe(10)
    expect(new Set(seen).size).toBe(10)
  })

  it('recomputes footers and Insights over the filtered rows', async () => {
    const all = await call(
      viewer,
      'POST',
      `/api/v1/evaluations/${evaluationId}/results/aggregate`,
      {},
    )
    expect(all.status, JSON.stringify(all.body)).toBe(200)
    expect(JSON.stringify(all.body)).toContain('"pass":10')
    const filtered = await call(
      viewer,
      'POST',
      `/api/v1/evaluations/${evaluationId}/results/aggregate`,
      {
        filters: [{ type: 'text', columnId: answerId, op: 'contains', value: 'a1' }],
      },
    )
    // a1, a10..a19: 11 rows, of which a10, a12, …, a18 pass (5).
    expect(JSON.stringify(filtered.body)).toContain('"pass":5')
    expect(JSON.stringify(filtered.body)).toContain('"fail":6')
  })

  it('measures agreement with a label column', async () => {
    const res = await call(viewer, 'POST', `/api/v1/evaluations/${evaluationId}/agreement`, {
      evaluatorColumnId: exactId,
      labelColumnId: labelId,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ n: 20 })
    expect(res.body.accuracy).toBeCloseTo(0.5)
  })

  it('runs only the rows the filters select', async () => {
    const run = await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/runs`, {
      mode: 'rows',
      filters: [{ type: 'verdict', columnId: exactId, values: ['fail'] }],
    })
    expect(run.status, JSON.stringify(run.body)).toBe(201)
    expect(((run.body.scope as Json).rowIds as string[]).length).toBe(10)
    await waitDone(run.body.id as string)
    expect(await t.services.repos.cellResults.countForRun(run.body.id as string)).toBe(10)
  })

  it('compares two runs and shows a cell in full; a viewer cannot export', async () => {
    const second = await call(editor, 'POST', `/api/v1/evaluations/${evaluationId}/runs`, {
      mode: 'all',
    })
    await waitDone(second.body.id as string)
    const cmp = await call(viewer, 'POST', `/api/v1/runs/${firstRun}/compare`, {
      otherRunId: second.body.id,
    })
    expect(cmp.status, JSON.stringify(cmp.body)).toBe(200)
    const rows = await t.services.repos.rows.list(evaluationId, { limit: 1 })
    const cell = await call(viewer, 'GET', `/api/v1/rows/${rows[0]?.id}/cells/${exactId}`)
    expect(cell.status).toBe(200)
    expect((cell.body.result as Json).value).toBe(1)
    expect((await call(viewer, 'GET', `/api/v1/evaluations/${evaluationId}/export`)).status).toBe(
      403,
    )
  })
})
