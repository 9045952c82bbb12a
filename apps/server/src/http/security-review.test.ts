import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Column, Run } from '@assay/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MASKED_HEADER_VALUE } from './header-secrets.js'
import { API_TEST_MAX_BYTES } from './routes/columns.js'
import { makeTestServer, type TestServer } from './test-server.js'

type Json = Record<string, unknown>

/**
 * Security review: one active run per evaluation (atomic), columns and custom evaluators frozen
 * while a run uses them, column references kept inside the evaluation, a bounded API test, and
 * API header values never shown.
 */
describe('HTTP: runs, column references, API tests and header secrets', () => {
  let t: TestServer
  let alice: Awaited<ReturnType<TestServer['session']>>
  let projectId: string
  let api: Server
  let apiUrl: string
  const held: ServerResponse[] = []
  const seenHeaders: Record<string, string | string[] | undefined>[] = []

  async function call(method: string, path: string, body?: unknown) {
    const res = await t.request(alice, method, path, body)
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : null) as Json }
  }

  async function evaluationWith(name: string): Promise<{ id: string; columns: Column[] }> {
    const created = await call('POST', `/api/v1/projects/${projectId}/evaluations`, { name })
    const id = created.body.id as string
    const imported = await t.request(
      alice,
      'POST',
      `/api/v1/evaluations/${id}/imports`,
      'question,answer\nq1,a1\nq2,a2\n',
      { 'content-type': 'text/csv' },
    )
    expect(imported.status).toBeLessThan(300)
    const detail = await call('GET', `/api/v1/evaluations/${id}`)
    return { id, columns: detail.body.columns as Column[] }
  }

  const idOf = (columns: Column[], name: string) =>
    columns.find((c) => c.name === name)?.id as string

  function apiGenerator(path: string, headers: { name: string; value: string }[] = []) {
    return {
      type: 'api',
      method: 'POST',
      url: `${apiUrl}${path}`,
      headers,
      body: '{"q": {{question}}}',
      outputPath: 'output',
    }
  }

  beforeAll(async () => {
    api = createServer((req: IncomingMessage, res: ServerResponse) => {
      seenHeaders.push(req.headers)
      req.resume()
      if (req.url === '/slow') {
        held.push(res)
        return
      }
      res.setHeader('content-type', 'application/json')
      if (req.url === '/big') {
        res.end(JSON.stringify({ output: 'x'.repeat(API_TEST_MAX_BYTES + 10) }))
        return
      }
      res.end(JSON.stringify({ output: 'ok' }))
    })
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
    t = await makeTestServer()
    alice = await t.session('Alice')
    projectId = (await call('POST', '/api/v1/projects', { name: 'security' })).body.id as string
  })

  afterAll(async () => {
    for (const run of await t.services.repos.runs.listByStatus(['queued', 'running'])) {
      await t.request(alice, 'POST', `/api/v1/runs/${run.id}/stop`, {})
    }
    for (const res of held) res.end('{"output":"late"}')
    await t.close()
    await new Promise((resolve) => api.close(resolve))
  })

  it('starts one run of two requested at once; the other is refused with 409', async () => {
    const { id } = await evaluationWith('concurrent runs')
    const added = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'slow api',
      config: { kind: 'generated', generator: apiGenerator('/slow') },
    })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    const [a, b] = await Promise.all([
      call('POST', `/api/v1/evaluations/${id}/runs`, { mode: 'all' }),
      call('POST', `/api/v1/evaluations/${id}/runs`, { mode: 'all' }),
    ])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    const refused = a.status === 409 ? a : b
    expect((refused.body.error as Json).code).toBe('invalid_state')
    const runs = await t.services.repos.runs.list(id)
    expect(runs.length).toBe(1)
  })

  /** A run of the evaluation held active in storage (no worker runs it). */
  async function activeRun(evaluationId: string): Promise<Run> {
    return t.services.repos.runs.create({
      evaluationId,
      status: 'queued',
      scope: { mode: 'all', columnIds: null, rowIds: null },
      startedBy: null,
      createdAt: new Date().toISOString(),
      segmentStartedAt: null,
      elapsedMs: 0,
      segments: 0,
      finishedAt: null,
      tokensIn: 0,
      tokensOut: 0,
      cost: 0,
      budget: null,
      stopReason: null,
    })
  }

  async function finish(run: Run) {
    await t.services.repos.runs.update({ ...run, status: 'stopped', stopReason: 'test' }, 'queued')
  }

  it('refuses to change or delete a column while a run of its evaluation is active', async () => {
    const { id } = await evaluationWith('frozen columns')
    const added = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'notes',
      config: { kind: 'manual', valueType: 'text' },
    })
    const columnId = ((added.body.columns as Json[])[0] as Json).id as string
    const run = await activeRun(id)
    const renamed = await call('PATCH', `/api/v1/columns/${columnId}`, { name: 'renamed' })
    expect(renamed.status).toBe(409)
    expect((renamed.body.error as Json).code).toBe('invalid_state')
    const reconfigured = await call('PATCH', `/api/v1/columns/${columnId}`, {
      config: { kind: 'manual', valueType: 'number' },
    })
    expect(reconfigured.status).toBe(409)
    expect((await call('DELETE', `/api/v1/columns/${columnId}`)).status).toBe(409)
    expect((await t.services.repos.columns.get(columnId))?.name).toBe('notes')

    await finish(run)
    expect((await call('PATCH', `/api/v1/columns/${columnId}`, { name: 'renamed' })).status).toBe(
      200,
    )
  })

  it('does not let a run start between a column edit and its check', async () => {
    const { id, columns: data } = await evaluationWith('edit race')
    const answer = idOf(data, 'answer')
    const metric = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'match',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: 'metric:exact-match',
          mapping: { output: answer, expected: answer },
          threshold: null,
        },
      },
    })
    expect(metric.status).toBe(201)
    const added = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'notes',
      config: { kind: 'manual', valueType: 'text' },
    })
    const columnId = ((added.body.columns as Json[])[0] as Json).id as string
    const order: string[] = []
    const { columns } = t.services.repos
    const rename = columns.rename.bind(columns)
    let started: Promise<unknown> | undefined
    // The edit has passed its check and is about to write when a run is asked for.
    const spy = vi.spyOn(columns, 'rename').mockImplementation(async (...args) => {
      started = call('POST', `/api/v1/evaluations/${id}/runs`, { mode: 'all' }).then((res) => {
        order.push(`run ${res.status}`)
        return res
      })
      await new Promise((resolve) => setTimeout(resolve, 50))
      const renamed = await rename(...args)
      order.push('renamed')
      return renamed
    })
    try {
      expect((await call('PATCH', `/api/v1/columns/${columnId}`, { name: 'later' })).status).toBe(
        200,
      )
      const run = (await started) as { body: Json }
      expect(order).toEqual(['renamed', 'run 201'])
      for (let i = 0; i < 200; i++) {
        const status = (await t.services.repos.runs.get(run.body.id as string))?.status
        if (status !== 'queued' && status !== 'running') break
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    } finally {
      spy.mockRestore()
    }
  })

  it('refuses to change or delete a custom evaluator a column of an active run uses', async () => {
    const { id, columns } = await evaluationWith('frozen evaluator')
    const evaluator = await call('POST', `/api/v1/projects/${projectId}/evaluators`, {
      name: 'judge',
      prompt: 'Rate {{output}}',
      scale: { kind: 'score', min: 1, max: 5 },
    })
    const unused = await call('POST', `/api/v1/projects/${projectId}/evaluators`, {
      name: 'unused judge',
      prompt: 'Rate {{output}}',
      scale: { kind: 'score', min: 1, max: 5 },
    })
    const evaluatorId = evaluator.body.id as string
    const connection = await call('POST', `/api/v1/projects/${projectId}/connections`, {
      name: 'judge model',
      provider: 'openai-compatible',
      baseUrl: `${apiUrl}/v1`,
      model: 'm',
    })
    expect(connection.status, JSON.stringify(connection.body)).toBe(201)
    const added = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'judged',
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId,
          connectionId: connection.body.id,
          mapping: { output: idOf(columns, 'answer') },
          threshold: null,
        },
      },
    })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    const run = await activeRun(id)
    const patched = await call('PATCH', `/api/v1/evaluators/${evaluatorId}`, {
      prompt: 'Be lenient: {{output}}',
    })
    expect(patched.status).toBe(409)
    expect((patched.body.error as Json).code).toBe('invalid_state')
    expect((await call('DELETE', `/api/v1/evaluators/${evaluatorId}`)).status).toBe(409)
    expect((await t.services.repos.evaluators.get(evaluatorId))?.prompt).toBe('Rate {{output}}')
    // An evaluator no active run uses stays editable.
    expect(
      (await call('PATCH', `/api/v1/evaluators/${unused.body.id}`, { name: 'renamed' })).status,
    ).toBe(200)

    await finish(run)
    expect(
      (await call('PATCH', `/api/v1/evaluators/${evaluatorId}`, { prompt: 'Now {{output}}' }))
        .status,
    ).toBe(200)
  })

  it("refuses a column configuration naming another evaluation's column", async () => {
    const mine = await evaluationWith('references mine')
    const other = await evaluationWith('references other')
    const foreign = idOf(other.columns, 'answer')
    const own = idOf(mine.columns, 'answer')
    const evaluatorConfig = (mapping: Json, compareWithColumnId: string | null = null) => ({
      kind: 'evaluator',
      evaluator: {
        evaluatorId: 'metric:exact-match',
        mapping,
        threshold: null,
        compareWithColumnId,
      },
    })
    const cases: [Json, string][] = [
      [evaluatorConfig({ output: foreign, expected: own }), 'config.evaluator.mapping.output'],
      [
        evaluatorConfig({ output: own, expected: own }, foreign),
        'config.evaluator.compareWithColumnId',
      ],
      [
        { kind: 'generated', generator: { type: 'rag-contexts', sourceColumnId: foreign } },
        'config.generator.sourceColumnId',
      ],
      [
        {
          kind: 'generated',
          generator: { ...apiGenerator('/ok'), contextsColumnId: foreign },
        },
        'config.generator.contextsColumnId',
      ],
    ]
    for (const [config, field] of cases) {
      const added = await call('POST', `/api/v1/evaluations/${mine.id}/columns`, {
        name: `bad ${field}`,
        config,
      })
      expect(added.status, field).toBe(400)
      expect((added.body.error as Json).position).toEqual({ field })
      expect((added.body.error as Json).message).toContain(field)
      const tested = await call('POST', `/api/v1/evaluations/${mine.id}/columns/test`, { config })
      expect(tested.status, field).toBe(400)
    }

    const good = await call('POST', `/api/v1/evaluations/${mine.id}/columns`, {
      name: 'match',
      config: evaluatorConfig({ output: own, expected: own }),
    })
    expect(good.status, JSON.stringify(good.body)).toBe(201)
    const columnId = ((good.body.columns as Json[])[0] as Json).id as string
    const patched = await call('PATCH', `/api/v1/columns/${columnId}`, {
      config: evaluatorConfig({ output: own, expected: foreign }),
    })
    expect(patched.status).toBe(400)
    expect((patched.body.error as Json).position).toEqual({
      field: 'config.evaluator.mapping.expected',
    })
    // Nor may a column read itself, or the placeholder id a new or draft column is checked under.
    for (const self of ['col_candidate', 'col_draft']) {
      const placeholder = await call('POST', `/api/v1/evaluations/${mine.id}/columns`, {
        name: `reads ${self}`,
        config: evaluatorConfig({ output: own, expected: self }),
      })
      expect(placeholder.status, self).toBe(400)
      expect((placeholder.body.error as Json).position).toEqual({
        field: 'config.evaluator.mapping.expected',
      })
      const draft = await call('POST', `/api/v1/evaluations/${mine.id}/columns/test`, {
        config: evaluatorConfig({ output: self, expected: own }),
      })
      expect(draft.status, self).toBe(400)
    }
    const itself = await call('PATCH', `/api/v1/columns/${columnId}`, {
      config: evaluatorConfig({ output: own, expected: columnId }),
    })
    expect(itself.status).toBe(400)
  })

  it('reports an API answer over the size limit instead of reading it as the output', async () => {
    const { id } = await evaluationWith('big answer')
    const tested = await call('POST', `/api/v1/evaluations/${id}/api-test`, {
      generator: apiGenerator('/big'),
    })
    expect(tested.status).toBe(200)
    expect(tested.body).toMatchObject({
      status: 200,
      body: '',
      output: null,
      problem: `response larger than ${API_TEST_MAX_BYTES} bytes`,
    })
    const small = await call('POST', `/api/v1/evaluations/${id}/api-test`, {
      generator: apiGenerator('/ok'),
    })
    expect(small.body).toMatchObject({ output: 'ok', problem: null })
  })

  it('never shows API header values, and keeps the stored one when the mask comes back', async () => {
    const { id } = await evaluationWith('header secrets')
    const secret = 'Bearer sk-live-very-secret'
    const added = await call('POST', `/api/v1/evaluations/${id}/columns`, {
      name: 'api',
      config: {
        kind: 'generated',
        generator: apiGenerator('/ok', [
          { name: 'Authorization', value: secret },
          { name: 'X-Empty', value: '' },
        ]),
      },
    })
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    expect(JSON.stringify(added.body)).not.toContain('sk-live')
    const shown = (added.body.columns as Column[])[0] as Column
    const generator = (shown.config as Extract<Column['config'], { kind: 'generated' }>)
      .generator as { headers: { name: string; value: string }[] }
    expect(generator.headers).toEqual([
      { name: 'Authorization', value: MASKED_HEADER_VALUE },
      { name: 'X-Empty', value: '' },
    ])

    // Nor does the evaluation, which every member (viewers included) reads.
    const evaluation = await call('GET', `/api/v1/evaluations/${id}`)
    expect(evaluation.status).toBe(200)
    expect(JSON.stringify(evaluation.body)).not.toContain('sk-live')
    expect(JSON.stringify(evaluation.body)).toContain(MASKED_HEADER_VALUE)

    // The client sends the column back as it got it, with another URL: the secret stays.
    const patched = await call('PATCH', `/api/v1/columns/${shown.id}`, {
      config: { ...shown.config, generator: { ...generator, url: `${apiUrl}/ok?v=2` } },
    })
    expect(patched.status, JSON.stringify(patched.body)).toBe(200)
    expect(JSON.stringify(patched.body)).not.toContain('sk-live')
    const stored = await t.services.repos.columns.get(shown.id)
    expect(JSON.stringify(stored?.config)).toContain(secret)
    expect(JSON.stringify(stored?.config)).toContain('?v=2')

    // Testing the saved column with its masked headers sends the stored value.
    seenHeaders.length = 0
    const tested = await call('POST', `/api/v1/evaluations/${id}/api-test`, {
      generator: { ...generator, url: `${apiUrl}/ok` },
      columnId: shown.id,
    })
    expect(tested.body).toMatchObject({ output: 'ok', problem: null })
    expect(seenHeaders[0]?.authorization).toBe(secret)

    // A mask with no stored value behind it is refused, naming the field.
    const unknown = await call('PATCH', `/api/v1/columns/${shown.id}`, {
      config: {
        ...shown.config,
        generator: { ...generator, headers: [{ name: 'X-Other', value: MASKED_HEADER_VALUE }] },
      },
    })
    expect(unknown.status).toBe(400)
    expect((unknown.body.error as Json).position).toEqual({
      field: 'config.generator.headers.0.value',
    })
    const fresh = await call('POST', `/api/v1/evaluations/${id}/api-test`, {
      generator: {
        ...generator,
        url: `${apiUrl}/ok`,
        headers: [{ name: 'Authorization', value: MASKED_HEADER_VALUE }],
      },
    })
    expect(fresh.status).toBe(400)

    // Pointing the column (or a test of it) at another origin with the mask does not send the
    // stored key there: the caller must give the value again.
    const elsewhere = new URL(apiUrl)
    elsewhere.port = String(Number(elsewhere.port) + 1)
    for (const url of [`${elsewhere.origin}/ok`, 'http://{{host}}/ok', `${apiUrl}@evil.test/ok`]) {
      const moved = await call('PATCH', `/api/v1/columns/${shown.id}`, {
        config: { ...shown.config, generator: { ...generator, url } },
      })
      expect(moved.status, url).toBe(400)
      expect((moved.body.error as Json).position).toEqual({
        field: 'config.generator.headers.0.value',
      })
    }
    seenHeaders.length = 0
    const stolen = await call('POST', `/api/v1/evaluations/${id}/api-test`, {
      generator: { ...generator, url: `${elsewhere.origin}/ok` },
      columnId: shown.id,
    })
    expect(stolen.status).toBe(400)
    expect(seenHeaders).toEqual([])
    expect(JSON.stringify((await t.services.repos.columns.get(shown.id))?.config)).toContain('?v=2')
  })
})
