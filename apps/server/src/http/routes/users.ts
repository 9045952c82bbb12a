import { AssayError, EmailSchema, UserSchema } from '@assay/core'
import { z } from '@hono/zod-openapi'
import { principalOf } from '../auth/access.js'
import { hashPassword } from '../auth/password.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'
import { PasswordSchema } from './auth.js'

const UserIdParam = z.object({ userId: z.string().min(1).max(64) })

export function registerUserRoutes(app: App, deps: RouteDeps): void {
  const { repos } = deps.services

  app.openapi(
    defineRoute(deps, 'instance-admin', {
      method: 'get',
      path: '/api/v1/users',
      tags: ['users'],
      summary: 'Every account',
      responses: json(z.object({ users: z.array(UserSchema) }), 'accounts'),
    }),
    async (c) => c.json({ users: await repos.users.list() }, 200),
  )

  app.openapi(
    defineRoute(deps, 'instance-admin', {
      method: 'post',
      path: '/api/v1/users',
      tags: ['users'],
      summary: 'Create an account',
      request: jsonBody(
        z.object({
          email: EmailSchema,
          name: z.string().trim().min(1).max(200),
          password: PasswordSchema,
          isAdmin: z.boolean().default(false),
        }),
      ),
      responses: json(UserSchema, 'created', 201),
    }),
    async (c) => {
      const body = c.req.valid('json')
      const user = await repos.users.create({
        email: body.email,
        name: body.name,
        isAdmin: body.isAdmin,
        passwordHash: await hashPassword(body.password),
      })
      return c.json(user, 201)
    },
  )

  app.openapi(
    defineRoute(deps, 'instance-admin', {
      method: 'patch',
      path: '/api/v1/users/{userId}',
      tags: ['users'],
      summary: 'Rename, promote, demote, disable or re-enable an account, or set its password',
      request: {
        params: UserIdParam,
        ...jsonBody(
          z.object({
            name: z.string().trim().min(1).max(200).optional(),
            isAdmin: z.boolean().optional(),
            disabled: z.boolean().optional(),
            password: PasswordSchema.optional(),
          }),
        ),
      },
      responses: json(UserSchema, 'updated'),
    }),
    async (c) => {
      const { userId } = c.req.valid('param')
      const { password, ...patch } = c.req.valid('json')
      const me = principalOf(c).user
      if (userId === me.id && (patch.disabled === true || patch.isAdmin === false)) {
        throw new AssayError('conflict', 'you cannot disable or demote yourself')
      }
      const user = await repos.users.update(userId, patch)
      if (password !== undefined)
        await repos.users.setPasswordHash(userId, await hashPassword(password))
      if (patch.disabled === true || password !== undefined)
        await repos.sessions.deleteForUser(userId)
      return c.json(user, 200)
    },
  )
}
