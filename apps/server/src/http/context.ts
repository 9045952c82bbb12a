import type { ApiToken, AssayError, ProjectRole, Session, User } from '@assay/core'
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { RunWorker } from '../run-worker.js'
import type { Services } from '../services.js'
import type { Throttle } from './auth/throttle.js'
import type { RunEventHub } from './run-event-hub.js'

/** Who is calling: a browser session or an API token, always with its (enabled) user. */
export type Principal =
  | { via: 'session'; user: User; session: Session }
  | { via: 'token'; user: User; token: ApiToken }

export type AppEnv = {
  Variables: {
    principal: Principal | null
    /** Why a presented credential was refused (bad token, missing CSRF header), if it was. */
    authProblem: AssayError | null
    /** Set by the access check on project-scoped routes. */
    projectId: string | null
    role: ProjectRole | null
  }
}

export type App = OpenAPIHono<AppEnv>

export type HttpOptions = {
  /** Mark cookies Secure (serve behind HTTPS). */
  secureCookies: boolean
  sessionTtlMs: number
  /** Largest JSON body accepted by ordinary routes. */
  maxJsonBytes: number
  /** Largest OTLP body before decoding. */
  maxTraceBytes: number
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = {
  secureCookies: false,
  sessionTtlMs: 14 * 24 * 3_600_000,
  maxJsonBytes: 1024 * 1024,
  maxTraceBytes: 4 * 1024 * 1024,
}

/** What every route module is built from. */
export type RouteDeps = {
  services: Services
  throttle: Throttle
  hub: RunEventHub
  /** Executes runs started through the API. */
  worker: RunWorker
  options: HttpOptions
}
