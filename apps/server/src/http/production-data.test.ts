import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestServer, type TestServer } from './test-server.js'

type Json = Record<string, unknown>

/** One OTLP/JSON export with a GenAI span, started `startMs`. */
function exportJson(startMs: number, spanId: string): string {
  const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chat-api' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId,
                name: 'chat gpt-4o',
                startTimeUnixNano: ns(startMs),
                endTimeUnixNano: ns(startMs + 420),
                attributes: [
                  { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                  { key: 'gen_ai.usage.input_tokens', value: { intValue: '12' } },
                  { key: 'gen_ai.usage.output_tokens', value: { intValue: '5' } },
                  { key: 'gen_ai.prompt', value: { stringValue: 'What is 2+2?' } },
                  { key: 'gen_ai.completion', value: { stringValue: '4' } },
                ],
              },
            ],
          },
        ],
      },
    ],
  })
}

describe('HTTP: OTLP receiver and production-data import', () => {
  let t: TestServer
  let projectId: string
  let owner: Awaited<ReturnType<TestServer['session']>>

  beforeAll(async () => {
    t = await makeTestServer()
    owner = await t.session('Owner')
    const res = await t.request(owner, 'POST', '/api/v1/projects', { name: 'Prod' })
    projectId = ((await res.json()) as Json).id as string
  })
  afterAll(async () => {
    await t.close()
  })

  it('takes traces on /v1/traces with a project-scoped editor token only', async () => {
    const now = t.services.clock.now()
    const body = exportJson(now - 60_000, 'eee19b7ec3c1b174')
    const headers = { 'content-type': 'application/json' }
    const anon = await t.app.request('/v1/traces', { method: 'POST', headers, body })
    expect(anon.status).toBe(401)
    const viewerToken = await t.token(owner.user, { role: 'viewer', projectIds: [projectId] })
    expect((await t.request(viewerToken, 'POST', '/v1/traces', body, headers)).status).toBe(403)
    const unscoped = await t.token(owner.user, { role: 'editor' })
    expect((await t.request(unscoped, 'POST', '/v1/traces', body, headers)).status).toBe(400)
    const editorToken = await t.token(owner.user, { role: 'editor', projectIds: [projectId] })
    const ok = await t.request(editorToken, 'POST', '/v1/traces', body, headers)
    expect(ok.status).toBe(200)
    expect(
      await t.services.repos.spans.count({
        projectId,
        from: new Date(0).toISOString(),
        to: new Date(now + 1).toISOString(),
      }),
    ).toBe(1)

    const malformed = await t.request(
      editorToken,
      'POST',
      '/v1/traces',
      '{"resourceSpans": [',
      headers,
    )
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_input',
    )
  })

  it('previews the last 30 days by default and imports into an evaluation', async () => {
    const now = t.services.clock.now()
    const sent = await t.request(
      owner,
      'POST',
      `/api/v1/projects/${projectId}/otlp/v1/traces`,
      exportJson(now - 3_600_000, 'eee19b7ec3c1b175'),
      {
        'content-type': 'application/json',
      },
    )
    expect(sent.status, await sent.clone().text()).toBe(200)
    await t.request(
      owner,
      'POST',
      `/api/v1/projects/${projectId}/otlp/v1/traces`,
      exportJson(now - 40 * 86_400_000, 'eee19b7ec3c1b176'),
      {
        'content-type': 'application/json',
      },
    )
    const options = (await (
      await t.request(owner, 'GET', `/api/v1/projects/${projectId}/production-data/options`)
    ).json()) as Json
    expect(options.models).toEqual(['gpt-4o'])
    const preview = (await (
      await t.request(owner, 'POST', `/api/v1/projects/${projectId}/production-data/preview`, {
        columns: ['inputTokens'],
      })
    ).json()) as Json
    expect(preview.total).toBe(2)
    expect(preview.columns).toEqual(['input', 'output', 'input_tokens'])
    expect((preview.rows as string[][])[0]).toEqual(['What is 2+2?', '4', '12'])

    const evaluation = (await (
      await t.request(owner, 'POST', `/api/v1/projects/${projectId}/evaluations`, {
        name: 'from prod',
      })
    ).json()) as Json
    const imported = await t.request(
      owner,
      'POST',
      `/api/v1/evaluations/${evaluation.id}/production-data`,
      {
        preset: 'custom',
        from: preview.from,
        to: preview.to,
        columns: ['inputTokens'],
      },
    )
    expect(imported.status).toBe(201)
    expect(await imported.json()).toEqual({ rows: 2, columns: ['input', 'output', 'input_tokens'] })
  })
})
