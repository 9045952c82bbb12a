import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword } from './auth/password.js'
import { anonymous, makeTestServer, type TestServer } from './test-server.js'

describe('HTTP app: auth, users, tokens, projects', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await makeTestServer()
  })
  afterAll(async () => {
    await t.close()
  })

  it('answers health without signing in, and refuses other routes with a coded 401', async () => {
    const health = await t.request(anonymous, 'GET', '/api/v1/health')
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok', version: expect.any(String) })
    const me = await t.request(anonymous, 'GET', '/api/v1/auth/me')
    expect(me.status).toBe(401)
    expect(health.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(health.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await me.json()).toEqual({ error: { code: 'unauthorized', message: 'sign in first' } })
  })

  it('signs in with a password, sets an HttpOnly SameSite cookie, and signs out', async () => {
    await t.services.repos.users.create({
      email: 'login@example.com',
      name: 'Login',
      isAdmin: false,
      passwordHash: await hashPassword('correct horse', { N: 1024, r: 8, p: 1 }),
    })
    const bad = await t.request(anonymous, 'POST', '/api/v1/auth/login', {
      email: 'login@example.com',
      password: 'wrong',
    })
    expect(bad.status).toBe(401)
    const ok = await t.request(anonymous, 'POST', '/api/v1/auth/login', {
      email: 'LOGIN@example.com',
      password: 'correct horse',
    })
    expect(ok.status).toBe(200)
    const cookies = ok.headers.getSetCookie()
    const session = cookies.find((c) => c.startsWith('assay_session='))
    expect(session).toMatch(/HttpOnly/)
    expect(session).toMatch(/SameSite=Lax/)
    const body = (await ok.json()) as { csrfToken: string; user: { email: string } }
    expect(body.user.email).toBe('login@example.com')
    const cookie = session?.split(';')[0] ?? ''
    const me = await t.app.request('/api/v1/auth/me', { headers: { cookie } })
    expect(me.status).toBe(200)

    // A cookie write without the CSRF header is refused; with it, it goes through.
    const noCsrf = await t.app.request('/api/v1/projects', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'csrf test' }),
    })
    expect(noCsrf.status).toBe(403)
    const withCsrf = await t.app.request('/api/v1/projects', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': body.csrfToken },
      body: JSON.stringify({ name: 'csrf test' }),
    })
    expect(withCsrf.status).toBe(201)

    const out = await t.app.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie } })
    expect(out.status).toBe(204)
    expect((await t.app.request('/api/v1/auth/me', { headers: { cookie } })).status).toBe(401)
  })

  it('throttles repeated failed sign-ins with 429 and Retry-After', async () => {
    const attempt = () =>
      t.request(anonymous, 'POST', '/api/v1/auth/login', {
        email: 'nobody@example.com',
        password: 'guess',
      })
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401)
    const limited = await attempt()
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('refuses malformed and oversized bodies with coded errors, and keeps serving', async () => {
    const admin = await t.session('Admin', { isAdmin: true })
    const malformed = await t.request(admin, 'POST', '/api/v1/projects', '{"name": ', {
      'content-type': 'application/json',
    })
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_input',
    )
    const wrong = await t.request(admin, 'POST', '/api/v1/projects', { name: 42 })
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toMatchObject({
      error: { code: 'invalid_input', position: { field: 'name' } },
    })
    const huge = await t.request(admin, 'POST', '/api/v1/projects', { name: 'x'.repeat(2_000_000) })
    expect(huge.status).toBe(413)
    expect((await t.request(admin, 'GET', '/api/v1/projects')).status).toBe(200)
  })

  it('creates a project, shares it by role, and guards the last admin', async () => {
    const owner = await t.session('Owner')
    const viewer = await t.session('Viewer')
    const stranger = await t.session('Stranger')
    const created = await t.request(owner, 'POST', '/api/v1/projects', { name: 'Shared' })
    expect(created.status).toBe(201)
    const project = (await created.json()) as { id: string; role: string }
    expect(project.role).toBe('admin')

    const add = await t.request(owner, 'PUT', `/api/v1/projects/${project.id}/members`, {
      email: viewer.user.email,
      role: 'viewer',
    })
    expect(add.status).toBe(200)
    expect((await t.request(viewer, 'GET', `/api/v1/projects/${project.id}`)).status).toBe(200)
    expect(
      (await t.request(viewer, 'PATCH', `/api/v1/projects/${project.id}`, { name: 'x' })).status,
    ).toBe(403)
    expect((await t.request(stranger, 'GET', `/api/v1/projects/${project.id}`)).status).toBe(404)
    const list = (await (await t.request(stranger, 'GET', '/api/v1/projects')).json()) as {
      projects: unknown[]
    }
    expect(list.projects).toEqual([])

    const demote = await t.request(owner, 'PUT', `/api/v1/projects/${project.id}/members`, {
      email: owner.user.email,
      role: 'editor',
    })
    expect(demote.status).toBe(409)
    expect(
      (await t.request(owner, 'DELETE', `/api/v1/projects/${project.id}/members/${owner.user.id}`))
        .status,
    ).toBe(409)
  })

  it('issues an API token once, caps its role, limits it to projects, and revokes it', async () => {
    const owner = await t.session('TokenOwner')
    const p1 = (await (
      await t.request(owner, 'POST', '/api/v1/projects', { name: 'Tok 1' })
    ).json()) as { id: string }
    const p2 = (await (
      await t.request(owner, 'POST', '/api/v1/projects', { name: 'Tok 2' })
    ).json()) as { id: string }
    const res = await t.request(owner, 'POST', '/api/v1/tokens', {
      name: 'ci',
      projectIds: [p1.id],
      role: 'viewer',
    })
    expect(res.status).toBe(201)
    const made = (await res.json()) as { id: string; secret: string }
    expect(made.secret).toMatch(/^assay_/)
    const listed = await (await t.request(owner, 'GET', '/api/v1/tokens')).text()
    expect(listed).not.toContain(made.secret)

    const bearer = { kind: 'token' as const, user: owner.user, token: made.secret }
    expect((await t.request(bearer, 'GET', `/api/v1/projects/${p1.id}`)).status).toBe(200)
    expect(
      (await t.request(bearer, 'PATCH', `/api/v1/projects/${p1.id}`, { name: 'n' })).status,
    ).toBe(403)
    expect((await t.request(bearer, 'GET', `/api/v1/projects/${p2.id}`)).status).toBe(404)

    expect((await t.request(owner, 'DELETE', `/api/v1/tokens/${made.id}`)).status).toBe(200)
    const revoked = await t.request(bearer, 'GET', `/api/v1/projects/${p1.id}`)
    expect(revoked.status).toBe(401)
    expect(
      (
        await t.request(
          { kind: 'token', user: owner.user, token: 'assay_nope' },
          'GET',
          '/api/v1/health',
        )
      ).status,
    ).toBe(200)
  })
})
