import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestServer, type TestServer } from './test-server.js'

type Json = Record<string, unknown>

describe('HTTP: ids in bodies from another project, connection keys, thumbs', () => {
  let t: TestServer
  let alice: Awaited<ReturnType<TestServer['session']>>
  let bob: Awaited<ReturnType<TestServer['session']>>
  let evaluationId: string
  let answerId: string
  let bobConnection: string
  let bobEvaluator: string

  async function call(
    who: typeof alice,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    const res = await t.request(who, method, path, body, headers)
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json }
  }

  beforeAll(async () => {
    t = await makeTestServer()
    alice = await t.session('Alice')
    bob = await t.session('Bob')
    const a = await call(alice, 'POST', '/api/v1/projects', { name: 'A' })
    const b = await call(bob, 'POST', '/api/v1/projects', { name: 'B' })
    const evaluation = await call(alice, 'POST', `/api/v1/projects/${a.body.id}/evaluations`, {
      name: 'e',
    })
    evaluationId = evaluation.body.id as string
    await call(alice, 'POST', `/api/v1/evaluations/${evaluationId}/imports`, 'q,answer\nx,y\n', {
      'content-type': 'text/csv',
    })
    const cols = (await call(alice, 'GET', `/api/v1/evaluations/${evaluationId}`)).body.columns as {
      id: string
      name: string
    }[]
    answerId = cols.find((c) => c.name === 'answer')?.id as string
    bobConnection = (
      await call(bob, 'POST', `/api/v1/projects/${b.body.id}/connections`, {
        name: 'bob',
        provider: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:9/v1',
        model: 'm',
        apiKey: 'sk-bob-secret',
      })
    ).body.id as string
    bobEvaluator = (
      await call(bob, 'POST', `/api/v1/projects/${b.body.id}/evaluators`, {
        name: 'secret judge',
        prompt: 'Private rubric: {{output}}',
        scale: { kind: 'score', min: 1, max: 5 },
      })
    ).body.id as string
  })
  afterAll(async () => {
    await t.close()
  })

  it("refuses another project's connection or custom evaluator in a column or a draft test", async () => {
    const config = {
      kind: 'evaluator',
      evaluator: {
        evaluatorId: bobEvaluator,
        connectionId: bobConnection,
        mapping: { output: answerId },
        threshold: { op: '>', value: 3 },
      },
    }
    const add = await call(alice, 'POST', `/api/v1/evaluations/${evaluationId}/columns`, {
      name: 'x',
      config,
    })
    expect(add.status).toBe(404)
    const test = await call(alice, 'POST', `/api/v1/evaluations/${evaluationId}/columns/test`, {
      config,
    })
    expect(test.status).toBe(404)
    const withSystem = await call(alice, 'POST', `/api/v1/evaluations/${evaluationId}/columns`, {
      name: 'y',
      config: {
        ...config,
        evaluator: { ...config.evaluator, evaluatorId: 'coherence', mapping: { output: answerId } },
      },
    })
    expect(withSystem.status).toBe(404)
  })

  it('does not let a stored key follow a connection to another server', async () => {
    const moved = await call(bob, 'PATCH', `/api/v1/connections/${bobConnection}`, {
      baseUrl: 'http://attacker.example/v1',
    })
    expect(moved.status).toBe(400)
    const withKey = await call(bob, 'PATCH', `/api/v1/connections/${bobConnection}`, {
      baseUrl: 'http://127.0.0.1:8/v1',
      apiKey: 'sk-new',
    })
    expect(withKey.status).toBe(200)
    const rename = await call(bob, 'PATCH', `/api/v1/connections/${bobConnection}`, { model: 'm2' })
    expect(rename.status).toBe(200)
  })

  it('stores thumbs so footers and Insights count them', async () => {
    const added = await call(alice, 'POST', `/api/v1/evaluations/${evaluationId}/columns`, {
      name: 'reviewer',
      config: { kind: 'human', feedback: 'thumbs' },
    })
    const columnId = ((added.body.columns as Json[])[0] as Json).id as string
    const row = (await t.services.repos.rows.list(evaluationId, { limit: 1 }))[0]
    const put = await call(alice, 'PUT', `/api/v1/rows/${row?.id}/cells/${columnId}`, {
      value: 'up',
    })
    expect(put.status).toBe(200)
    expect(put.body.value).toBe('1')
    const agg = await call(
      alice,
      'POST',
      `/api/v1/evaluations/${evaluationId}/results/aggregate`,
      {},
    )
    const tile = (agg.body.columns as Json[]).find((c) => c.columnId === columnId)
    expect(tile).toMatchObject({ pass: 1 })
    expect(
      (await call(alice, 'PUT', `/api/v1/rows/${row?.id}/cells/${columnId}`, { value: 'maybe' }))
        .status,
    ).toBe(400)
  })
})
