import { AssayError, EmailSchema, UserSchema } from '@assay/core'
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { principalOf } from '../auth/access.js'
import { CSRF_COOKIE, SESSION_COOKIE } from '../auth/authenticate.js'
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, verifyPassword } from '../auth/password.js'
import { newSecret, sha256Hex } from '../auth/secrets.js'
import { addressKey, clientAddress } from '../auth/throttle.js'
import type { App, AppEnv, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody, NoContent } from '../route.js'

const MeSchema = z.object({
  user: UserSchema,
  /** Echo it in the X-CSRF-Token header on writes made with the session cookie. */
  csrfToken: z.string().nullable(),
  via: z.enum(['session', 'token']),
})

const LoginSchema = z.object({
  email: EmailSchema,
  password: z.string().min(1).max(PASSWORD_MAX),
})

const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN, `a password has at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX)

/** A hash to compare against when the email is unknown, so timing does not reveal accounts. */
let decoyHash: Promise<string> | undefined

export function registerAuthRoutes(app: App, deps: RouteDeps): void {
  const { repos, clock } = deps.services

  async function startSession(c: Context<AppEnv>, userId: string) {
    const { secret, hash } = newSecret('')
    const csrf = newSecret('').secret
    const now = clock.now()
    const session = {
      idHash: hash,
      userId,
      csrfToken: csrf,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + deps.options.sessionTtlMs).toISOString(),
    }
    await repos.sessions.create(session)
    const common = {
      path: '/',
      sameSite: 'Lax' as const,
      secure: deps.options.secureCookies,
      maxAge: Math.floor(deps.options.sessionTtlMs / 1000),
    }
    setCookie(c, SESSION_COOKIE, secret, { ...common, httpOnly: true })
    // Readable by the page's script, which sends it back as X-CSRF-Token.
    setCookie(c, CSRF_COOKIE, csrf, common)
    return session
  }

  app.openapi(
    defineRoute(deps, 'public', {
      method: 'post',
      path: '/api/v1/auth/login',
      tags: ['auth'],
      summary: 'Sign in with email and password; sets the session cookie',
      request: jsonBody(LoginSchema),
      responses: {
        ...json(MeSchema, 'signed in'),
        429: { description: 'too many failed attempts' },
      },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json')
      // The socket's peer, or X-Forwarded-For only behind a proxy the operator says to trust.
      const address = clientAddress(c, deps.throttle.trustedProxies)
      const account = [`email:${email.toLowerCase()}`]
      const from = [`ip:${addressKey(address)}`]
      // Counted now, before the password is checked: a parallel burst cannot all get through.
      const wait = deps.throttle.attempt([...account, ...from], clock.now())
      if (wait > 0) {
        c.header('Retry-After', String(Math.ceil(wait / 1000)))
        return c.json(
          {
            error: {
              code: 'limit_exceeded',
              message: 'too many failed sign-in attempts; try again later',
            },
          },
          429,
        )
      }
      const user = await repos.users.getByEmail(email)
      const stored = user ? await repos.users.getPasswordHash(user.id) : null
      decoyHash ??= hashPassword('decoy password')
      const ok = await verifyPassword(password, stored ?? (await decoyHash))
      if (!user || !stored || !ok || user.disabled) {
        throw new AssayError('unauthorized', 'wrong email or password')
      }
      deps.throttle.succeed(account, from)
      const session = await startSession(c, user.id)
      return c.json({ user, csrfToken: session.csrfToken, via: 'session' as const }, 200)
    },
  )

  app.openapi(
    defineRoute(deps, 'public', {
      method: 'post',
      path: '/api/v1/auth/link',
      tags: ['auth'],
      summary: 'Sign in with a one-time link (printed on first start); sets the session cookie',
      request: jsonBody(z.object({ token: z.string().min(1).max(200) })),
      responses: json(MeSchema, 'signed in'),
    }),
    async (c) => {
      const { token } = c.req.valid('json')
      const userId = await repos.signInLinks.consume(sha256Hex(token), clock.isoNow())
      const user = userId ? await repos.users.get(userId) : undefined
      if (!user || user.disabled) {
        throw new AssayError('unauthorized', 'this sign-in link is unknown, used or expired')
      }
      const session = await startSession(c, user.id)
      return c.json({ user, csrfToken: session.csrfToken, via: 'session' as const }, 200)
    },
  )

  app.openapi(
    defineRoute(deps, 'public', {
      method: 'post',
      path: '/api/v1/auth/logout',
      tags: ['auth'],
      summary: 'Sign out: ends the session and clears the cookies',
      responses: NoContent,
    }),
    async (c) => {
      const cookie = getCookie(c, SESSION_COOKIE)
      if (cookie) await repos.sessions.delete(sha256Hex(cookie))
      deleteCookie(c, SESSION_COOKIE, { path: '/' })
      deleteCookie(c, CSRF_COOKIE, { path: '/' })
      return c.body(null, 204)
    },
  )

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'get',
      path: '/api/v1/auth/me',
      tags: ['auth'],
      summary: 'Who is signed in',
      responses: json(MeSchema, 'the caller'),
    }),
    async (c) => {
      const p = principalOf(c)
      return c.json(
        { user: p.user, csrfToken: p.via === 'session' ? p.session.csrfToken : null, via: p.via },
        200,
      )
    },
  )

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'post',
      path: '/api/v1/auth/password',
      tags: ['auth'],
      summary: 'Change your password; signs out every other session',
      request: jsonBody(
        z.object({ currentPassword: z.string().max(PASSWORD_MAX), newPassword: PasswordSchema }),
      ),
      responses: NoContent,
    }),
    async (c) => {
      const p = principalOf(c)
      const { currentPassword, newPassword } = c.req.valid('json')
      const stored = await repos.users.getPasswordHash(p.user.id)
      if (stored && !(await verifyPassword(currentPassword, stored))) {
        throw new AssayError('forbidden', 'the current password is wrong')
      }
      await repos.users.setPasswordHash(p.user.id, await hashPassword(newPassword))
      await repos.sessions.deleteForUser(p.user.id)
      if (p.via === 'session') await startSession(c, p.user.id)
      return c.body(null, 204)
    },
  )
}

export { PasswordSchema }
