import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestServer, type TestServer } from './test-server.js'

describe('HTTP: files over the configured limits are refused cleanly', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await makeTestServer({
      env: { ASSAY_IMPORT_MAX_FILE_BYTES: '1000', ASSAY_IMPORT_MAX_ROWS: '5' },
      http: { maxTraceBytes: 2048 },
    })
  })
  afterAll(async () => {
    await t.close()
  })

  it('refuses an import over the byte and row limits with 413/400, storing nothing', async () => {
    const editor = await t.session('Editor')
    const project = (await (
      await t.request(editor, 'POST', '/api/v1/projects', { name: 'L' })
    ).json()) as { id: string }
    const evaluation = (await (
      await t.request(editor, 'POST', `/api/v1/projects/${project.id}/evaluations`, { name: 'e' })
    ).json()) as { id: string }
    const big = `a,b\n${'x,y\n'.repeat(400)}`
    const tooBig = await t.request(
      editor,
      'POST',
      `/api/v1/evaluations/${evaluation.id}/imports`,
      big,
      {
        'content-type': 'text/csv',
      },
    )
    expect(tooBig.status).toBe(413)
    expect(await tooBig.json()).toMatchObject({ error: { code: 'limit_exceeded' } })
    const tooMany = await t.request(
      editor,
      'POST',
      `/api/v1/evaluations/${evaluation.id}/imports`,
      `a,b\n${'x,y\n'.repeat(6)}`,
      {
        'content-type': 'text/csv',
      },
    )
    expect(tooMany.status).toBeGreaterThanOrEqual(400)
    expect(tooMany.status).toBeLessThan(500)
    const after = (await (
      await t.request(editor, 'GET', `/api/v1/evaluations/${evaluation.id}`)
    ).json()) as { rowCount: number; columns: unknown[] }
    expect(after.rowCount).toBe(0)
    expect(after.columns).toEqual([])
    const limits = (await (await t.request(editor, 'GET', '/api/v1/imports/limits')).json()) as {
      maxFileBytes: number
    }
    expect(limits.maxFileBytes).toBe(1000)
  })

  it('refuses an OTLP body over the limit before decoding it', async () => {
    const editor = await t.session('Tracer')
    const project = (await (
      await t.request(editor, 'POST', '/api/v1/projects', { name: 'T' })
    ).json()) as { id: string }
    const res = await t.request(
      editor,
      'POST',
      `/api/v1/projects/${project.id}/otlp/v1/traces`,
      'x'.repeat(5000),
      {
        'content-type': 'application/x-protobuf',
      },
    )
    expect(res.status).toBe(413)
  })
})
