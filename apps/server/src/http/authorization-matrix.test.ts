import type { ProjectRole, User } from '@assay/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Access } from './auth/access.js'
import { anonymous, type Caller, makeTestServer, type TestServer } from './test-server.js'

/*
 * The authorization matrix, generated from the OpenAPI document: every operation is called by
 * every kind of caller, and the answer must match the access rule the operation declares in
 * `x-assay-access`. An operation without a rule fails the test, so a new route cannot skip it.
 */

type Operation = { method: string; path: string; access: Access; raw: boolean }
type Fixture = Record<string, string>

const API_KEY = 'sk-matrix-secret-never-returned'

function expected(access: Access, who: string): 'allowed' | 401 | 403 | 404 {
  if (access === 'public') return 'allowed'
  if (who === 'anonymous') return 401
  if (access === 'user') return 'allowed'
  if (access === 'instance-admin') return who === 'instanceAdmin' ? 'allowed' : 403
  if (who === 'instanceAdmin') return 'allowed'
  if (who === 'outsider') return 404
  const rank: Record<ProjectRole, number> = { viewer: 1, editor: 2, admin: 3 }
  const role: ProjectRole = who === 'adminViaViewerToken' ? 'viewer' : (who as ProjectRole)
  return rank[role] >= rank[access.role] ? 'allowed' : 403
}

describe('authorization matrix (from the OpenAPI document)', () => {
  let t: TestServer
  let operations: Operation[]
  const callers: Record<string, Caller> = {}
  const users: Record<string, User> = {}
  const seenBodies: string[] = []

  const logged: string[] = []

  beforeAll(async () => {
    // Everything the server logs during the matrix is kept, to check no secret is in it.
    for (const level of ['log', 'info', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(
          args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(' '),
        )
      })
    }
    t = await makeTestServer()
    const doc = (await (await t.app.request('/api/v1/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { 'x-assay-access'?: Access; requestBody?: { content: Record<string, unknown> } }
        >
      >
    }
    operations = []
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const content = Object.keys(op.requestBody?.content ?? {})
        operations.push({
          method: method.toUpperCase(),
          path,
          access: op['x-assay-access'] as Access,
          raw: content.length > 0 && !content.includes('application/json'),
        })
      }
    }
    for (const role of ['viewer', 'editor', 'admin', 'outsider'] as const) {
      const session = await t.session(role)
      callers[role] = session
      users[role] = session.user
    }
    const instanceAdmin = await t.session('instanceAdmin', { isAdmin: true })
    callers.instanceAdmin = instanceAdmin
    callers.anonymous = anonymous
    callers.adminViaViewerToken = await t.token(users.admin as User, { role: 'viewer' })
  })
  afterAll(async () => {
    vi.restoreAllMocks()
    await t.close()
  })

  /** A fresh project with one of everything, so a destructive call cannot spoil the next one. */
  async function fixture(n: number): Promise<Fixture> {
    const { repos } = t.services
    const project = await repos.projects.create({ name: `matrix ${n}`, createdBy: null })
    for (const role of ['viewer', 'editor', 'admin'] as const) {
      await repos.projects.setMember(project.id, (users[role] as User).id, role)
    }
    const other = await repos.projects.create({ name: `elsewhere ${n}`, createdBy: null })
    await repos.projects.setMember(other.id, (users.outsider as User).id, 'admin')
    const evaluation = await repos.evaluations.create({
      projectId: project.id,
      name: 'e',
      createdBy: null,
    })
    async function* batches() {
      yield [
        ['q1', 'a1'],
        ['q2', 'a2'],
      ]
    }
    await repos.rows.importRows(evaluation.id, ['question', 'answer'], batches())
    const columns = await repos.columns.list(evaluation.id)
    const manual = await repos.columns.add({
      evaluationId: evaluation.id,
      name: 'notes',
      config: { kind: 'manual', valueType: 'text' },
    })
    await repos.columns.add({
      evaluationId: evaluation.id,
      name: 'exact',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:exact-match',
          connectionId: null,
          params: {},
          mapping: { output: columns[1]?.id as string, expected: columns[0]?.id as string },
          threshold: null,
          options: {},
          compareWithColumnId: null,
        },
      },
    })
    const row = (await repos.rows.list(evaluation.id, { limit: 1 }))[0]
    const run = await t.services.engine.createRun({
      evaluationId: evaluation.id,
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
    })
    await t.services.engine.execute(run.id)
    const connection = await repos.connections.create({
      projectId: project.id,
      name: 'c',
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:9',
      model: 'm',
      apiKey: API_KEY,
    })
    const evaluator = await repos.evaluators.create({
      kind: 'llm',
      category: 'quality',
      scope: 'custom',
      projectId: project.id,
      name: 'mine',
      description: '',
      prompt: 'Rate {{output}}',
      variables: ['output'],
      scale: { kind: 'score', min: 1, max: 5 },
      polarity: 'positive',
    })
    const token = await t.token(users.viewer as User)
    const tokenId = (await repos.apiTokens.listForUser((users.viewer as User).id)).at(-1)
      ?.id as string
    void token
    return {
      projectId: project.id,
      evaluationId: evaluation.id,
      columnId: manual.id,
      runId: run.id,
      rowId: row?.id as string,
      connectionId: connection.id,
      evaluatorId: evaluator.id,
      tokenId,
      userId: (users.viewer as User).id,
    }
  }

  it('covers every operation, each with a declared access rule', () => {
    expect(operations.length).toBeGreaterThan(45)
    const missing = operations
      .filter((o) => o.access === undefined)
      .map((o) => `${o.method} ${o.path}`)
    expect(missing).toEqual([])
  })

  it('enforces each rule for anonymous, viewer, editor, admin, outsider, instance admin and a capped token', async () => {
    const failures: string[] = []
    let n = 0
    for (const op of operations) {
      // Fresh sessions per operation: logout and password changes end the caller's session.
      for (const who of ['viewer', 'editor', 'admin', 'outsider', 'instanceAdmin']) {
        callers[who] = await t.sessionFor((callers[who] as { user: User }).user)
      }
      for (const who of Object.keys(callers)) {
        n += 1
        const ids = await fixture(n)
        const path = op.path.replace(
          /\{(\w+)\}/g,
          (_, name: string) => ids[name] ?? `missing-${name}`,
        )
        const body = op.method === 'GET' ? undefined : op.raw ? '' : {}
        const res = await t.request(
          callers[who] as Caller,
          op.method,
          path,
          body,
          op.raw ? { 'content-type': 'text/csv' } : {},
        )
        const type = res.headers.get('content-type') ?? ''
        if (type.includes('text/event-stream')) await res.body?.cancel()
        else seenBodies.push(await res.text())
        const want = expected(op.access, who)
        const ok =
          want === 'allowed'
            ? ![401, 403].includes(res.status) && res.status < 500
            : res.status === want
        if (!ok) failures.push(`${op.method} ${op.path} as ${who}: got ${res.status}, want ${want}`)
      }
    }
    expect(failures).toEqual([])
  }, 120_000)

  it('never returns or logs a secret: API keys, token secrets or password hashes', () => {
    const all = `${seenBodies.join('\n')}\n${logged.join('\n')}`
    expect(all).not.toContain(API_KEY)
    expect(all).not.toMatch(/scrypt\$/)
    expect(all).not.toMatch(/"tokenHash"|"apiKeySealed"|"passwordHash"/)
  })
})
