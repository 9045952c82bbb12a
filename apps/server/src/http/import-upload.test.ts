import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestServer, type TestServer } from './test-server.js'

const encoder = new TextEncoder()

/** A request body that sends `first`, then waits for `gate` (a slow client), then `rest`. */
function slowBody(first: string, gate: Promise<void>, rest: string | Error) {
  let step = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (step++ === 0) {
        controller.enqueue(encoder.encode(first))
        return
      }
      await gate
      if (rest instanceof Error) controller.error(rest)
      else {
        controller.enqueue(encoder.encode(rest))
        controller.close()
      }
    },
  })
}

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms),
    ),
  ])

describe('import uploads are received before the import transaction starts', () => {
  let t: TestServer
  let spool: string
  let previousTmp: string | undefined
  let token: string
  let evaluationId: string

  beforeAll(async () => {
    // The spool files go to the OS temporary directory: point it at one this test watches.
    spool = mkdtempSync(join(tmpdir(), 'assay-spool-test-'))
    previousTmp = process.env.TMPDIR
    process.env.TMPDIR = spool
    t = await makeTestServer({ env: { ASSAY_IMPORT_MAX_FILE_BYTES: String(256 * 1024) } })
    const editor = await t.session('Uploader')
    const project = (await (
      await t.request(editor, 'POST', '/api/v1/projects', { name: 'Uploads' })
    ).json()) as { id: string }
    const evaluation = (await (
      await t.request(editor, 'POST', `/api/v1/projects/${project.id}/evaluations`, {
        name: 'e',
      })
    ).json()) as { id: string }
    evaluationId = evaluation.id
    token = (await t.token(editor.user)).token
  })
  afterAll(async () => {
    await t.close()
    if (previousTmp === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previousTmp
    rmSync(spool, { recursive: true, force: true })
  })

  const upload = (body: ReadableStream<Uint8Array> | string) =>
    t.app.request(`/api/v1/evaluations/${evaluationId}/imports?format=csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body,
      // Node's fetch needs it for a streamed body.
      duplex: 'half',
    } as RequestInit)
  const rows = () => t.services.repos.rows.count(evaluationId)

  it('keeps the database free for others while a slow client is still sending', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const before = await rows()
    const pending = upload(slowBody(`q,a\n${'x,y\n'.repeat(2_000)}`, gate, 'last,row\n'))
    await new Promise((resolve) => setTimeout(resolve, 200))
    // A write while the upload stalls goes through at once: no transaction is held open.
    await within(t.services.repos.projects.create({ name: 'meanwhile', createdBy: null }), 3_000)
    expect(await within(rows(), 3_000)).toBe(before)
    expect(readdirSync(spool)).toHaveLength(1)
    release()
    const res = await pending
    expect(res.status).toBe(201)
    expect(((await res.json()) as { rows: number }).rows).toBe(2_001)
    expect(await rows()).toBe(before + 2_001)
    expect(readdirSync(spool)).toEqual([])
  })

  it('deletes the received file when the upload breaks off, and imports nothing', async () => {
    const before = await rows()
    const res = await upload(
      slowBody('q,a\n1,2\n', Promise.resolve(), new Error('connection reset by peer')),
    )
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('cancelled')
    expect(await rows()).toBe(before)
    expect(readdirSync(spool)).toEqual([])
  })

  it('deletes it on a refused file and past the size limit, keeping nothing', async () => {
    const before = await rows()
    const malformed = await upload('q,a\n1,2\n3\n')
    expect(malformed.status).toBe(400)
    expect(readdirSync(spool)).toEqual([])
    const big = 'q,a\n'.padEnd(300 * 1024, 'x')
    const tooLarge = await upload(slowBody(big.slice(0, 200 * 1024), Promise.resolve(), big))
    expect(tooLarge.status).toBe(413)
    expect(readdirSync(spool)).toEqual([])
    expect(await rows()).toBe(before)
  })
})
