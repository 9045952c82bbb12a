import { AssayError } from '@assay/core'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import type { AppEnv, Principal, RouteDeps } from '../context.js'
import { safeEqual, sha256Hex } from './secrets.js'

export const SESSION_COOKIE = 'assay_session'
export const CSRF_COOKIE = 'assay_csrf'
export const CSRF_HEADER = 'x-csrf-token'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** Token use is recorded at most once a minute, so reads do not turn into writes. */
const TOUCH_EVERY_MS = 60_000

/**
 * Finds who is calling, from `Authorization: Bearer <token>` or the session cookie, and puts it
 * in the context (null when anonymous). A bad or revoked token is a 401 at once rather than a
 * silent fall back to anonymous (public routes still answer). Cookie-authenticated writes must echo the session's CSRF token.
 */
export function authenticate(deps: RouteDeps): MiddlewareHandler<AppEnv> {
  const { repos, clock } = deps.services
  return async (c, next) => {
    try {
      c.set('principal', await principalOf(c))
      c.set('authProblem', null)
    } catch (error) {
      // Public routes (health, login) still answer; every other route reports the problem.
      if (!(error instanceof AssayError)) throw error
      c.set('principal', null)
      c.set('authProblem', error)
    }
    c.set('projectId', null)
    c.set('role', null)
    await next()
  }

  async function principalOf(c: Context<AppEnv>): Promise<Principal | null> {
    const header = c.req.header('authorization')
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      if (!match?.[1])
        throw new AssayError('unauthorized', 'the Authorization header must be "Bearer <token>"')
      const token = await repos.apiTokens.getByHash(sha256Hex(match[1]))
      const now = clock.isoNow()
      if (
        !token ||
        token.revokedAt !== null ||
        (token.expiresAt !== null && token.expiresAt <= now)
      ) {
        throw new AssayError('unauthorized', 'the API token is unknown, revoked or expired')
      }
      const user = await repos.users.get(token.userId)
      if (!user || user.disabled) throw new AssayError('unauthorized', 'the account is disabled')
      if (!token.lastUsedAt || Date.parse(now) - Date.parse(token.lastUsedAt) > TOUCH_EVERY_MS) {
        await repos.apiTokens.touch(token.id, now)
      }
      return { via: 'token', user, token }
    }
    const cookie = getCookie(c, SESSION_COOKIE)
    if (!cookie) return null
    const session = await repos.sessions.get(sha256Hex(cookie), clock.isoNow())
    if (!session) return null
    const user = await repos.users.get(session.userId)
    if (!user || user.disabled) return null
    if (!SAFE_METHODS.has(c.req.method)) {
      const sent = c.req.header(CSRF_HEADER) ?? ''
      if (!safeEqual(sent, session.csrfToken)) {
        throw new AssayError(
          'forbidden',
          `a write with a session cookie needs the ${CSRF_HEADER} header`,
        )
      }
    }
    return { via: 'session', user, session }
  }
}
