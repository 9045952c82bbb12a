import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestServer, type TestServer } from './test-server.js'

type Json = Record<string, unknown>

describe('HTTP: a results page at an offset', () => {
  let t: TestServer
  let viewer: Awaited<ReturnType<TestServer['session']>>
  let path: string

  async function query(body: unknown) {
    const res = await t.request(viewer, 'POST', path, body)
    return { status: res.status, body: (await res.json()) as Json }
  }

  beforeAll(async () => {
    t = await makeTestServer()
    viewer = await t.session('Editor')
    const project = await t.request(viewer, 'POST', '/api/v1/projects', { name: 'Offset' })
    const projectId = ((await project.json()) as Json).id
    const evaluation = await t.request(
      viewer,
      'POST',
      `/api/v1/projects/${projectId}/evaluations`,
      { name: 'offset' },
    )
    const evaluationId = ((await evaluation.json()) as Json).id
    let csv = 'question\n'
    for (let i = 0; i < 20; i++) csv += `q${i}\n`
    const imported = await t.request(
      viewer,
      'POST',
      `/api/v1/evaluations/${evaluationId}/imports`,
      csv,
      { 'content-type': 'text/csv' },
    )
    expect(imported.status).toBeLessThan(300)
    path = `/api/v1/evaluations/${evaluationId}/results/query`
  })
  afterAll(async () => {
    await t?.close()
  })

  it('answers the rows at that position with the total and a cursor that continues', async () => {
    const page = await query({ offset: 15, limit: 4 })
    expect(page.status, JSON.stringify(page.body)).toBe(200)
    expect((page.body.rows as Json[]).map((r) => r.index)).toEqual([15, 16, 17, 18])
    expect(page.body.total).toBe(20)
    const next = await query({ cursor: page.body.nextCursor, limit: 4 })
    expect((next.body.rows as Json[]).map((r) => r.index)).toEqual([19])
    expect(next.body.nextCursor).toBeNull()
    const beyond = await query({ offset: 25 })
    expect(beyond.body).toMatchObject({ rows: [], nextCursor: null, total: 20, rowCount: 20 })
  })

  it('refuses an offset with a cursor, or one that is not a whole number ≥ 0, with 400', async () => {
    const first = await query({ limit: 4 })
    const both = await query({ cursor: first.body.nextCursor, offset: 8 })
    expect(both.status).toBe(400)
    expect(both.body).toMatchObject({
      error: { code: 'invalid_input', position: { field: 'offset' } },
    })
    expect(String((both.body.error as Json).message)).toMatch(/either a cursor .* or an offset/)
    for (const offset of [-1, 2.5, '10']) {
      const bad = await query({ offset })
      expect(bad.status, JSON.stringify(bad.body)).toBe(400)
      expect(bad.body).toMatchObject({ error: { code: 'invalid_input' } })
    }
  })
})
