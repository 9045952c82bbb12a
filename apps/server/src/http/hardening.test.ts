import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp, MAX_JSON_DEPTH } from './app.js'
import { hashPassword } from './auth/password.js'
import { createThrottle } from './auth/throttle.js'
import { SHARE_LOOKUP_FREE } from './routes/projects.js'
import { serveWebApp } from './static-files.js'
import { anonymous, makeTestServer, type TestServer } from './test-server.js'

type ErrorJson = { error: { code: string; message: string } }

describe('security review hardening', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await makeTestServer()
  })
  afterAll(async () => {
    await t.close()
  })

  describe('malformed requests are 400, not 500', () => {
    it('refuses a path whose %-escapes do not decode, with the web app mounted too', async () => {
      const app = createApp(t.deps, { after: (a) => a.use('*', serveWebApp(undefined)) })
      for (const path of ['/%', '/api/v1/%', '/projects/%E0%A4%A', '/api/v1/projects/%zz']) {
        const res = await app.request(path)
        expect(res.status, path).toBe(400)
        const body = (await res.json()) as ErrorJson
        expect(body.error.code).toBe('invalid_input')
        expect(body.error.message).toMatch(/URL is malformed/)
      }
      // Well-formed escapes still work.
      expect((await app.request('/projects/%41bc')).status).toBe(200)
    })

    it('refuses a JSON body nested too deep, and accepts ordinary nesting', async () => {
      const admin = await t.session('Deep', { isAdmin: true })
      const project = (await (
        await t.request(admin, 'POST', '/api/v1/projects', { name: 'Deep JSON' })
      ).json()) as { id: string }
      const evaluation = (await (
        await t.request(admin, 'POST', `/api/v1/projects/${project.id}/evaluations`, {
          name: 'e',
        })
      ).json()) as { id: string }
      const put = (sort: string) =>
        t.request(
          admin,
          'PUT',
          `/api/v1/evaluations/${evaluation.id}/table-options`,
          `{"options":{"sort":${sort}}}`,
          { 'content-type': 'application/json' },
        )
      const nest = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
      for (const depth of [5_000, 100_000]) {
        const res = await put(nest(depth))
        expect(res.status, String(depth)).toBe(400)
        expect(await res.json()).toEqual({
          error: {
            code: 'invalid_input',
            message: `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`,
          },
        })
      }
      const arrays = await t.request(admin, 'POST', '/api/v1/projects', {
        name: JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`),
      })
      expect(arrays.status).toBe(400)
      // Brackets inside strings are text; nesting within the limit is fine.
      expect((await put(nest(MAX_JSON_DEPTH - 3))).status).toBe(200)
      expect((await put(`{"label":"${'[{'.repeat(1_000)}\\"]"}`)).status).toBe(200)
      expect((await t.request(admin, 'GET', '/api/v1/projects')).status).toBe(200)
    })
  })

  describe('sign-in throttle', () => {
    const password = 'correct horse battery'
    let email: string
    beforeAll(async () => {
      email = 'throttled@example.com'
      await t.services.repos.users.create({
        email,
        name: 'Throttled',
        isAdmin: false,
        passwordHash: await hashPassword(password, { N: 1024, r: 8, p: 1 }),
      })
    })

    const login = (
      body: { email: string; password: string },
      from?: { socket?: string; forwardedFor?: string },
    ) =>
      t.app.request(
        '/api/v1/auth/login',
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(from?.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {}),
          },
          body: JSON.stringify(body),
        },
        from?.socket ? { incoming: { socket: { remoteAddress: from.socket } } } : undefined,
      )

    it('counts each attempt before the password check: a parallel burst gets 429s', async () => {
      t.deps.throttle = createThrottle()
      const statuses = await Promise.all(
        Array.from({ length: 20 }, () => login({ email, password: 'wrong guess' })),
      )
      expect(statuses.filter((r) => r.status === 401)).toHaveLength(5)
      expect(statuses.filter((r) => r.status === 429)).toHaveLength(15)
      // Even the right password waits now.
      expect((await login({ email, password })).status).toBe(429)
    })

    it('throttles one account tried from many addresses', async () => {
      t.deps.throttle = createThrottle()
      const statuses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          login({ email, password: 'wrong guess' }, { socket: `198.51.100.${i + 1}` }),
        ),
      )
      expect(statuses.filter((r) => r.status === 401)).toHaveLength(5)
      expect(statuses.filter((r) => r.status === 429)).toHaveLength(15)
    })

    it('keys the address on the socket, not on an X-Forwarded-For a client can forge', async () => {
      t.deps.throttle = createThrottle({ trustedProxies: 0 })
      const statuses: number[] = []
      for (let i = 0; i < 25; i++) {
        const res = await login(
          { email: `nobody-${i}@example.com`, password: 'guess' },
          { socket: '203.0.113.7', forwardedFor: `192.0.2.${i}` },
        )
        statuses.push(res.status)
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
      expect(statuses.slice(20).every((s) => s === 429)).toBe(true)
      // Another socket is another client.
      expect(
        (
          await login(
            { email: 'nobody-x@example.com', password: 'guess' },
            { socket: '203.0.113.8' },
          )
        ).status,
      ).toBe(401)
    })

    it('counts IPv6 clients per /64: a new address in the same prefix is the same client', async () => {
      t.deps.throttle = createThrottle({ trustedProxies: 0 })
      const statuses: number[] = []
      for (let i = 0; i < 21; i++) {
        const res = await login(
          { email: `v6-${i}@example.com`, password: 'guess' },
          { socket: `2001:db8:7:7::${(i + 1).toString(16)}` },
        )
        statuses.push(res.status)
      }
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true)
      expect(statuses[20]).toBe(429)
      const other = { email: 'v6-other@example.com', password: 'guess' }
      expect((await login(other, { socket: '2001:db8:7:8::1' })).status).toBe(401)
    })

    it('believes the proxy-appended X-Forwarded-For entry when a proxy is trusted', async () => {
      t.deps.throttle = createThrottle({ trustedProxies: 1 })
      // The proxy at 10.0.0.1 appends the real client; the forged left part changes each time.
      const via = (client: string, i: number) => ({
        socket: '10.0.0.1',
        forwardedFor: `192.0.2.${i}, ${client}`,
      })
      for (let i = 0; i < 20; i++) {
        const res = await login(
          { email: `someone-${i}@example.com`, password: 'guess' },
          via('198.51.100.9', i),
        )
        expect(res.status, String(i)).toBe(401)
      }
      const again = { email: 'someone-else@example.com', password: 'guess' }
      expect((await login(again, via('198.51.100.9', 99))).status).toBe(429)
      expect((await login(again, via('198.51.100.10', 99))).status).toBe(401)
    })

    it('does not let successful sign-ins from one address add up, nor wipe its failures', async () => {
      t.deps.throttle = createThrottle()
      const office = { socket: '192.0.2.50' }
      for (let i = 0; i < 30; i++)
        expect((await login({ email, password }, office)).status).toBe(200)
      for (let i = 0; i < 19; i++)
        await login({ email: `x${i}@example.com`, password: 'guess' }, office)
      expect((await login({ email, password }, office)).status).toBe(200)
      await login({ email: 'y@example.com', password: 'guess' }, office)
      expect((await login({ email: 'z@example.com', password: 'guess' }, office)).status).toBe(429)
    })
  })

  it('lets an instance admin revoke anyone’s token, but not through a limited token', async () => {
    const admin = await t.session('Root', { isAdmin: true })
    const alice = await t.session('Alice')
    const bob = await t.session('Bob')
    const project = (await (
      await t.request(admin, 'POST', '/api/v1/projects', { name: 'Tokens' })
    ).json()) as { id: string }
    const mint = async () =>
      (await (
        await t.request(alice, 'POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' })
      ).json()) as { id: string }

    const limited = await t.token(admin.user, { role: 'admin', projectIds: [project.id] })
    const viewerToken = await t.token(admin.user, { role: 'viewer' })
    const first = await mint()
    expect((await t.request(limited, 'DELETE', `/api/v1/tokens/${first.id}`)).status).toBe(404)
    expect((await t.request(viewerToken, 'DELETE', `/api/v1/tokens/${first.id}`)).status).toBe(404)
    expect((await t.request(bob, 'DELETE', `/api/v1/tokens/${first.id}`)).status).toBe(404)
    const tokens = (await (await t.request(alice, 'GET', '/api/v1/tokens')).json()) as {
      tokens: { id: string; revokedAt: string | null }[]
    }
    expect(tokens.tokens.find((x) => x.id === first.id)?.revokedAt).toBeNull()

    expect((await t.request(admin, 'DELETE', `/api/v1/tokens/${first.id}`)).status).toBe(200)
    const full = await t.token(admin.user, { role: 'admin' })
    expect((await t.request(full, 'DELETE', `/api/v1/tokens/${(await mint()).id}`)).status).toBe(
      200,
    )
    expect((await t.request(alice, 'DELETE', `/api/v1/tokens/${(await mint()).id}`)).status).toBe(
      200,
    )
  })

  describe('sharing a project by email', () => {
    it('tells a project admin no user has the email, and limits such lookups', async () => {
      const owner = await t.session('Sharer')
      const colleague = await t.session('Colleague')
      const project = (await (
        await t.request(owner, 'POST', '/api/v1/projects', { name: 'Probe' })
      ).json()) as { id: string }
      const share = (email: string) =>
        t.request(owner, 'PUT', `/api/v1/projects/${project.id}/members`, { email, role: 'viewer' })

      const typo = await share('colleage@example.com')
      expect(typo.status).toBe(404)
      expect(((await typo.json()) as ErrorJson).error.message).toMatch(
        /^no user has the email colleage@example.com/,
      )
      // Found emails do not use up the allowance.
      for (let i = 0; i < 3 * SHARE_LOOKUP_FREE; i++)
        expect((await share(colleague.user.email)).status).toBe(200)
      const burst = await Promise.all(
        Array.from({ length: SHARE_LOOKUP_FREE + 5 }, (_, i) => share(`probe-${i}@example.com`)),
      )
      expect(burst.filter((r) => r.status === 404)).toHaveLength(SHARE_LOOKUP_FREE - 1)
      expect(burst.filter((r) => r.status === 429)).toHaveLength(6)
      const limited = burst.find((r) => r.status === 429)
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0)
      // Once limited, a known email is refused the same way: no answer tells them apart.
      expect((await share(colleague.user.email)).status).toBe(429)
    })

    it('answers anyone who may not share the same, whether the email exists or not', async () => {
      const owner = await t.session('Owner2')
      const viewer = await t.session('Viewer2')
      const stranger = await t.session('Stranger2')
      const project = (await (
        await t.request(owner, 'POST', '/api/v1/projects', { name: 'Closed' })
      ).json()) as { id: string }
      await t.request(owner, 'PUT', `/api/v1/projects/${project.id}/members`, {
        email: viewer.user.email,
        role: 'viewer',
      })
      for (const caller of [viewer, stranger, anonymous]) {
        const answers = []
        for (const email of [owner.user.email, 'nobody-at-all@example.com']) {
          const res = await t.request(caller, 'PUT', `/api/v1/projects/${project.id}/members`, {
            email,
            role: 'admin',
          })
          answers.push({ status: res.status, body: await res.text() })
        }
        expect(answers[0]).toEqual(answers[1])
        expect(answers[0]?.status).not.toBe(200)
      }
    })
  })
})
