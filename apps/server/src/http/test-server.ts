import { randomBytes } from 'node:crypto'
import type { ProjectRole, User } from '@assay/core'
import { loadConfig } from '../env.js'
import { createRunWorker } from '../run-worker.js'
import { createServices, type Services } from '../services.js'
import { createApp } from './app.js'
import { newSecret } from './auth/secrets.js'
import { createThrottle } from './auth/throttle.js'
import { type App, DEFAULT_HTTP_OPTIONS, type HttpOptions, type RouteDeps } from './context.js'
import { createRunEventHub } from './run-event-hub.js'

/** Who a test request is sent as: nobody, a browser session, or an API token. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'session'; user: User; cookie: string; csrf: string }
  | { kind: 'token'; user: User; token: string }

export type TestServer = {
  app: App
  services: Services
  deps: RouteDeps
  /** A new account with a session (made directly in storage: no password hashing). */
  session(
    name: string,
    options?: { isAdmin?: boolean },
  ): Promise<Extract<Caller, { kind: 'session' }>>
  /** Another session for an existing account. */
  sessionFor(user: User): Promise<Extract<Caller, { kind: 'session' }>>
  token(
    user: User,
    options?: { role?: ProjectRole; projectIds?: string[] },
  ): Promise<Extract<Caller, { kind: 'token' }>>
  request(
    caller: Caller,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>
  close(): Promise<void>
}

let counter = 0

/** The real app over real services on an in-memory SQLite database, called in process. */
export async function makeTestServer(
  options: { databaseUrl?: string; http?: Partial<HttpOptions>; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const services = await createServices(
    loadConfig({
      ASSAY_DATABASE_URL: options.databaseUrl ?? ':memory:',
      ASSAY_SECRET_KEY: randomBytes(32).toString('base64'),
      ...options.env,
    }),
  )
  const hub = createRunEventHub(services.engine, { batchMs: 20 })
  const deps: RouteDeps = {
    services,
    throttle: createThrottle(),
    hub,
    worker: createRunWorker(services.engine),
    options: { ...DEFAULT_HTTP_OPTIONS, ...options.http },
  }
  const app = createApp(deps)
  const worker = deps.worker
  const { repos, clock } = services

  const server: TestServer = {
    app,
    services,
    deps,
    async session(name, o = {}) {
      counter += 1
      const user = await repos.users.create({
        email: `${name.toLowerCase().replace(/\W+/g, '-')}-${counter}@example.com`,
        name,
        isAdmin: o.isAdmin ?? false,
        passwordHash: null,
      })
      return server.sessionFor(user)
    },
    async sessionFor(user) {
      const { secret, hash } = newSecret('')
      const csrf = newSecret('').secret
      await repos.sessions.create({
        idHash: hash,
        userId: user.id,
        csrfToken: csrf,
        createdAt: clock.isoNow(),
        expiresAt: new Date(clock.now() + 3_600_000).toISOString(),
      })
      return { kind: 'session', user, cookie: secret, csrf }
    },
    async token(user, o = {}) {
      const { secret, hash } = newSecret('assay_')
      await repos.apiTokens.create({
        userId: user.id,
        name: 'test',
        prefix: secret.slice(0, 10),
        projectIds: o.projectIds ?? [],
        role: o.role ?? 'admin',
        expiresAt: null,
        tokenHash: hash,
      })
      return { kind: 'token', user, token: secret }
    },
    async request(caller, method, path, body, headers = {}) {
      const h: Record<string, string> = { ...headers }
      if (caller.kind === 'session') {
        h.cookie = `assay_session=${caller.cookie}`
        if (method !== 'GET') h['x-csrf-token'] = caller.csrf
      }
      if (caller.kind === 'token') h.authorization = `Bearer ${caller.token}`
      let payload: RequestInit['body']
      if (body instanceof Uint8Array || typeof body === 'string')
        payload = body as RequestInit['body']
      else if (body !== undefined) {
        payload = JSON.stringify(body)
        h['content-type'] ??= 'application/json'
      }
      return app.request(path, { method, headers: h, body: payload })
    },
    async close() {
      await worker.idle()
      hub.close()
      await services.close()
    },
  }
  return server
}

export const anonymous: Caller = { kind: 'anonymous' }
