import {
  AssayError,
  EmailSchema,
  ProjectNameSchema,
  ProjectRoleSchema,
  ProjectSchema,
} from '@assay/core'
import { z } from '@hono/zod-openapi'
import { principalOf } from '../auth/access.js'
import { effectiveRole } from '../auth/roles.js'
import { createThrottle } from '../auth/throttle.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody, NoContent } from '../route.js'

export const ProjectParam = z.object({ projectId: z.string().min(1).max(64) })
const ProjectWithRole = ProjectSchema.extend({ role: ProjectRoleSchema })
const MemberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: ProjectRoleSchema,
  addedAt: z.string(),
})

/** Unknown emails one account may try when sharing, per window, before it has to wait. */
export const SHARE_LOOKUP_FREE = 10

export function registerProjectRoutes(app: App, deps: RouteDeps): void {
  const { repos, clock } = deps.services
  /*
   * Sharing by email tells the project admin when no user has that email: they need it to catch a
   * typo, and the member list would show who was found anyway. Only a project admin can ask, but
   * any account can create a project and so be one: lookups of unknown emails are limited per
   * account, so the list of accounts cannot be probed in bulk.
   */
  const lookups = createThrottle({
    freeAttempts: SHARE_LOOKUP_FREE,
    freeAttemptsByPrefix: {},
    baseDelayMs: 60_000,
    maxDelayMs: 60 * 60_000,
    windowMs: 60 * 60_000,
  })

  async function lastAdminGuard(projectId: string, userId: string) {
    const members = await repos.projects.listMembers(projectId)
    const admins = members.filter((m) => m.role === 'admin')
    if (admins.length === 1 && admins[0]?.userId === userId) {
      throw new AssayError(
        'conflict',
        'a project keeps at least one admin; make someone else admin first',
      )
    }
  }

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'get',
      path: '/api/v1/projects',
      tags: ['projects'],
      summary: 'The projects you can see, with your role in each',
      responses: json(z.object({ projects: z.array(ProjectWithRole) }), 'projects'),
    }),
    async (c) => {
      const p = principalOf(c)
      const projects = p.user.isAdmin
        ? await repos.projects.list()
        : await repos.projects.listForUser(p.user.id)
      const out = []
      for (const project of projects) {
        const member = await repos.projects.getMember(project.id, p.user.id)
        const role = effectiveRole(p, project.id, member?.role)
        if (role) out.push({ ...project, role })
      }
      return c.json({ projects: out }, 200)
    },
  )

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'post',
      path: '/api/v1/projects',
      tags: ['projects'],
      summary: 'Create a project; you become its admin',
      request: jsonBody(z.object({ name: ProjectNameSchema })),
      responses: json(ProjectWithRole, 'created', 201),
    }),
    async (c) => {
      const p = principalOf(c)
      if (p.via === 'token' && !(p.token.role === 'admin' && p.token.projectIds.length === 0)) {
        throw new AssayError('forbidden', 'this API token cannot create projects')
      }
      const project = await repos.projects.create({
        name: c.req.valid('json').name,
        createdBy: p.user.id,
      })
      await repos.projects.setMember(project.id, p.user.id, 'admin')
      return c.json({ ...project, role: 'admin' as const }, 201)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'project' },
      {
        method: 'get',
        path: '/api/v1/projects/{projectId}',
        tags: ['projects'],
        summary: 'One project, with your role',
        request: { params: ProjectParam },
        responses: json(ProjectWithRole, 'the project'),
      },
    ),
    async (c) => {
      const project = await repos.projects.get(c.req.valid('param').projectId)
      if (!project) throw new AssayError('not_found', 'project does not exist')
      return c.json({ ...project, role: c.get('role') ?? 'viewer' }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'admin', resource: 'project' },
      {
        method: 'patch',
        path: '/api/v1/projects/{projectId}',
        tags: ['projects'],
        summary: 'Rename a project',
        request: { params: ProjectParam, ...jsonBody(z.object({ name: ProjectNameSchema })) },
        responses: json(ProjectSchema, 'renamed'),
      },
    ),
    async (c) =>
      c.json(
        await repos.projects.rename(c.req.valid('param').projectId, c.req.valid('json').name),
        200,
      ),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'admin', resource: 'project' },
      {
        method: 'delete',
        path: '/api/v1/projects/{projectId}',
        tags: ['projects'],
        summary: 'Delete a project and everything in it',
        request: { params: ProjectParam },
        responses: NoContent,
      },
    ),
    async (c) => {
      const { projectId } = c.req.valid('param')
      for (const evaluation of await repos.evaluations.list(projectId)) {
        for (const run of await repos.runs.list(evaluation.id)) {
          if (deps.services.engine.isActive(run.id))
            await deps.services.engine.stop(run.id, 'project deleted')
        }
      }
      await repos.projects.delete(projectId)
      return c.body(null, 204)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'project' },
      {
        method: 'get',
        path: '/api/v1/projects/{projectId}/members',
        tags: ['projects'],
        summary: 'Members and their roles',
        request: { params: ProjectParam },
        responses: json(z.object({ members: z.array(MemberSchema) }), 'members'),
      },
    ),
    async (c) => {
      const members = await repos.projects.listMembers(c.req.valid('param').projectId)
      const out = []
      for (const m of members) {
        const user = await repos.users.get(m.userId)
        if (user)
          out.push({
            userId: m.userId,
            email: user.email,
            name: user.name,
            role: m.role,
            addedAt: m.addedAt,
          })
      }
      return c.json({ members: out }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'admin', resource: 'project' },
      {
        method: 'put',
        path: '/api/v1/projects/{projectId}/members',
        tags: ['projects'],
        summary: 'Add a member by email, or change a member’s role',
        request: {
          params: ProjectParam,
          ...jsonBody(z.object({ email: EmailSchema, role: ProjectRoleSchema })),
        },
        responses: {
          ...json(MemberSchema, 'the member'),
          429: { description: 'too many emails without a user: try again later' },
        },
      },
    ),
    async (c) => {
      const { projectId } = c.req.valid('param')
      const { email, role } = c.req.valid('json')
      const key = [`share:${principalOf(c).user.id}`]
      // Counted before the lookup (parallel requests see each other), given back when found.
      const wait = lookups.attempt(key, clock.now())
      if (wait > 0) {
        c.header('Retry-After', String(Math.ceil(wait / 1000)))
        return c.json(
          {
            error: {
              code: 'limit_exceeded',
              message: 'too many emails without a user; try again later',
            },
          },
          429,
        )
      }
      const user = await repos.users.getByEmail(email)
      if (!user) {
        throw new AssayError(
          'not_found',
          `no user has the email ${email}; an instance administrator creates accounts`,
          { position: { field: 'email' } },
        )
      }
      lookups.succeed([], key)
      if (role !== 'admin') await lastAdminGuard(projectId, user.id)
      const member = await repos.projects.setMember(projectId, user.id, role)
      return c.json(
        {
          userId: user.id,
          email: user.email,
          name: user.name,
          role: member.role,
          addedAt: member.addedAt,
        },
        200,
      )
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'admin', resource: 'project' },
      {
        method: 'delete',
        path: '/api/v1/projects/{projectId}/members/{userId}',
        tags: ['projects'],
        summary: 'Remove a member',
        request: { params: ProjectParam.extend({ userId: z.string().min(1).max(64) }) },
        responses: NoContent,
      },
    ),
    async (c) => {
      const { projectId, userId } = c.req.valid('param')
      await lastAdminGuard(projectId, userId)
      await repos.projects.removeMember(projectId, userId)
      return c.body(null, 204)
    },
  )
}
