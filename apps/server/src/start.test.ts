import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from './env.js'
import { SHUTDOWN_REASON, startServer } from './start.js'

const SAMPLE = resolve(import.meta.dirname, '../../../data/truthfulqa/sample.assay.yaml')
const dir = mkdtempSync(join(tmpdir(), 'assay-start-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function config(extra: Record<string, string> = {}) {
  return loadConfig({
    ASSAY_DATABASE_URL: join(dir, 'assay.db'),
    ASSAY_SECRET_KEY: randomBytes(32).toString('base64'),
    PORT: '0',
    ASSAY_OLLAMA_URL: 'off',
    ...extra,
  })
}

describe('assay start', () => {
  const key = randomBytes(32).toString('base64')

  /** A server over the shared database, and the sample evaluation in it. */
  async function startWithSample() {
    const first = await startServer(config({ ASSAY_SECRET_KEY: key }), {
      sampleFile: SAMPLE,
      log: () => {},
    })
    const { repos, engine } = first.services
    const project = (await repos.projects.list())[0]
    const evaluation = (await repos.evaluations.list(project?.id as string))[0]
    return { first, engine, evaluation }
  }

  it('creates an admin with a one-time link, a sample project, and serves the API', async () => {
    const lines: string[] = []
    const server = await startServer(config({ ASSAY_SECRET_KEY: key }), {
      sampleFile: SAMPLE,
      log: (l) => lines.push(l),
    })
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(lines.join('\n')).toMatch(
        /Sign in \(one-time link, valid 24 h\): http:\/\/127\.0\.0\.1:\d+\/sign-in\?link=/,
      )
      const health = await fetch(`${server.url}/api/v1/health`)
      expect(health.status).toBe(200)
      const token = new URL(server.signInLink as string).searchParams.get('link')
      const signIn = await fetch(`${server.url}/api/v1/auth/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      })
      expect(signIn.status).toBe(200)
      const again = await fetch(`${server.url}/api/v1/auth/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      })
      expect(again.status).toBe(401)
      const cookie = signIn.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ')
      const projects = (await (
        await fetch(`${server.url}/api/v1/projects`, { headers: { cookie } })
      ).json()) as {
        projects: { name: string }[]
      }
      expect(projects.projects.map((p) => p.name)).toEqual(['Sample project'])
      const page = await fetch(`${server.url}/some/client/route`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('Assay')
    } finally {
      await server.close()
    }
  }, 30_000)

  it('resumes a run a shutdown stopped, and does not create the sample twice', async () => {
    const { first, engine, evaluation } = await startWithSample()
    const run = await engine.createRun({
      evaluationId: evaluation?.id as string,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    // What a shutdown leaves behind: the run stopped with the shutdown reason.
    const stopped = await engine.stop(run.id, SHUTDOWN_REASON)
    expect(stopped.status).toBe('stopped')
    await first.close()
    const afterClose = await (async () => {
      const s = await startServer(config({ ASSAY_SECRET_KEY: key }), {
        sampleFile: SAMPLE,
        log: () => {},
      })
      return s
    })()
    try {
      await afterClose.worker.idle()
      const stored = await afterClose.services.repos.runs.get(run.id)
      expect(stored?.status).toBe('completed')
      expect(stored?.segments).toBeGreaterThanOrEqual(1)
      expect((await afterClose.services.repos.projects.list()).length).toBe(1)
    } finally {
      await afterClose.close()
    }
  }, 60_000)

  it('starts when a shutdown-stopped run cannot resume because another run of it is queued', async () => {
    const { first, engine, evaluation } = await startWithSample()
    const scope = { mode: 'all' as const, columnIds: null, rowIds: null }
    const older = await engine.createRun({
      evaluationId: evaluation?.id as string,
      scope,
      startedBy: null,
    })
    await engine.stop(older.id, SHUTDOWN_REASON)
    // Started while the server was down (the CLI, say): it holds the evaluation's one active run.
    const newer = await engine.createRun({
      evaluationId: evaluation?.id as string,
      scope,
      startedBy: null,
    })
    await first.close()
    const lines: string[] = []
    const second = await startServer(config({ ASSAY_SECRET_KEY: key }), {
      sampleFile: SAMPLE,
      log: (l) => lines.push(l),
    })
    try {
      await second.worker.idle()
      expect((await second.services.repos.runs.get(newer.id))?.status).toBe('completed')
      expect((await second.services.repos.runs.get(older.id))?.status).toBe('stopped')
      expect(lines.join('\n')).toContain(
        `Run ${older.id} stopped by the last shutdown was not resumed`,
      )
      expect((await fetch(`${second.url}/api/v1/health`)).status).toBe(200)
    } finally {
      await second.close()
    }
  }, 60_000)

  it('creates the admin with a password from the environment, and refuses half of it', async () => {
    expect(() => config({ ASSAY_ADMIN_EMAIL: 'a@example.com' })).toThrow(/go together/)
    const other = join(dir, 'second.db')
    const server = await startServer(
      config({
        ASSAY_DATABASE_URL: other,
        ASSAY_ADMIN_EMAIL: 'boss@example.com',
        ASSAY_ADMIN_PASSWORD: 'long enough',
        ASSAY_SAMPLE_PROJECT: '0',
      }),
      { log: () => {} },
    )
    try {
      expect(server.signInLink).toBeNull()
      const res = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'boss@example.com', password: 'long enough' }),
      })
      expect(res.status).toBe(200)
    } finally {
      await server.close()
    }
  }, 30_000)
})
