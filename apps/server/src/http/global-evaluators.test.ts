import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestServer, type TestServer } from './test-server.js'

let t: TestServer
beforeAll(async () => {
  t = await makeTestServer()
})
afterAll(() => t.close())

const evaluator = (global: boolean) => ({
  name: global ? 'House style (global)' : 'House style',
  category: 'quality',
  description: 'Follows the style guide',
  prompt: 'Rate {{output}} from 1 to 5.',
  scale: { kind: 'score', min: 1, max: 5 },
  polarity: 'positive',
  global,
})

describe('global evaluators', () => {
  it('only an instance administrator saves one; a project editor saves it for the project', async () => {
    const admin = await t.session('root', { isAdmin: true })
    const editor = await t.session('editor')
    const created = await t.request(admin, 'POST', '/api/v1/projects', { name: 'shared' })
    const projectId = ((await created.json()) as { id: string }).id
    const shared = await t.request(admin, 'PUT', `/api/v1/projects/${projectId}/members`, {
      email: editor.user.email,
      role: 'editor',
    })
    expect(shared.status, await shared.text()).toBeLessThan(300)

    const refused = await t.request(
      editor,
      'POST',
      `/api/v1/projects/${projectId}/evaluators`,
      evaluator(true),
    )
    expect(refused.status).toBe(403)
    const body = (await refused.json()) as {
      error: { code: string; position?: { field?: string } }
    }
    expect(body.error.code).toBe('forbidden')
    expect(body.error.position?.field).toBe('global')

    const own = await t.request(
      editor,
      'POST',
      `/api/v1/projects/${projectId}/evaluators`,
      evaluator(false),
    )
    expect(own.status).toBe(201)
    expect(await own.json()).toMatchObject({ scope: 'custom', projectId })

    const global = await t.request(
      admin,
      'POST',
      `/api/v1/projects/${projectId}/evaluators`,
      evaluator(true),
    )
    expect(global.status).toBe(201)
    expect(await global.json()).toMatchObject({ scope: 'global', projectId: null })
    // Nothing half-way: the refused one was not stored.
    const list = await t.request(editor, 'GET', `/api/v1/projects/${projectId}/evaluators`)
    const names = ((await list.json()) as { evaluators: { name: string }[] }).evaluators.map(
      (e) => e.name,
    )
    expect(names.sort()).toEqual(['House style', 'House style (global)'])
  })
})
