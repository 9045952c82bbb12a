import { ApiTokenSchema, AssayError, ProjectRoleSchema } from '@assay/core'
import { z } from '@hono/zod-openapi'
import { principalOf } from '../auth/access.js'
import { isInstanceAdmin } from '../auth/roles.js'
import { newSecret } from '../auth/secrets.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'

const TOKEN_PREFIX = 'assay_'

export function registerTokenRoutes(app: App, deps: RouteDeps): void {
  const { repos, clock } = deps.services

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'get',
      path: '/api/v1/tokens',
      tags: ['tokens'],
      summary: 'Your API tokens (never their secrets)',
      responses: json(z.object({ tokens: z.array(ApiTokenSchema) }), 'tokens'),
    }),
    async (c) => c.json({ tokens: await repos.apiTokens.listForUser(principalOf(c).user.id) }, 200),
  )

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'post',
      path: '/api/v1/tokens',
      tags: ['tokens'],
      summary: 'Create an API token; its secret is in this answer and nowhere else, ever',
      request: jsonBody(
        z.object({
          name: z.string().trim().min(1).max(100),
          projectIds: z.array(z.string().min(1).max(64)).max(100).default([]),
          role: ProjectRoleSchema.default('viewer'),
          expiresInDays: z.number().int().positive().max(3650).nullable().default(null),
        }),
      ),
      responses: json(ApiTokenSchema.extend({ secret: z.string() }), 'created', 201),
    }),
    async (c) => {
      const p = principalOf(c)
      if (p.via === 'token') throw new AssayError('forbidden', 'an API token cannot create tokens')
      const body = c.req.valid('json')
      for (const projectId of body.projectIds) {
        const member = await repos.projects.getMember(projectId, p.user.id)
        if (!member && !p.user.isAdmin) {
          throw new AssayError('not_found', `project ${projectId} does not exist`)
        }
      }
      const { secret, hash } = newSecret(TOKEN_PREFIX)
      const token = await repos.apiTokens.create({
        userId: p.user.id,
        name: body.name,
        prefix: secret.slice(0, TOKEN_PREFIX.length + 4),
        projectIds: body.projectIds,
        role: body.role,
        expiresAt:
          body.expiresInDays === null
            ? null
            : new Date(clock.now() + body.expiresInDays * 86_400_000).toISOString(),
        tokenHash: hash,
      })
      return c.json({ ...token, secret }, 201)
    },
  )

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'delete',
      path: '/api/v1/tokens/{tokenId}',
      tags: ['tokens'],
      summary: 'Revoke one of your API tokens (an instance administrator may revoke anyone’s)',
      request: { params: z.object({ tokenId: z.string().min(1).max(64) }) },
      responses: json(ApiTokenSchema, 'revoked'),
    }),
    async (c) => {
      const { tokenId } = c.req.valid('param')
      const p = principalOf(c)
      const token = await repos.apiTokens.get(tokenId)
      // Someone else's token: only for instance administration, not for an admin's limited token.
      if (!token || (token.userId !== p.user.id && !isInstanceAdmin(p))) {
        throw new AssayError('not_found', `API token ${tokenId} does not exist`)
      }
      return c.json(await repos.apiTokens.revoke(tokenId, clock.isoNow()), 200)
    },
  )
}
