import {
  AssayError,
  ColumnSchema,
  EvaluationNameSchema,
  EvaluationSchema,
  ProjectRoleSchema,
} from '@assay/core'
import { z } from '@hono/zod-openapi'
import { principalOf } from '../auth/access.js'
import type { App, RouteDeps } from '../context.js'
import { maskColumn } from '../header-secrets.js'
import { defineRoute, json, jsonBody, NoContent } from '../route.js'
import { ProjectParam } from './projects.js'

export const EvaluationParam = z.object({ evaluationId: z.string().min(1).max(64) })
const EvaluationDetail = EvaluationSchema.extend({
  columns: z.array(ColumnSchema),
  role: ProjectRoleSchema,
})

export function registerEvaluationRoutes(app: App, deps: RouteDeps): void {
  const { repos } = deps.services

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'project' },
      {
        method: 'get',
        path: '/api/v1/projects/{projectId}/evaluations',
        tags: ['evaluations'],
        summary: 'The evaluations of a project',
        request: { params: ProjectParam },
        responses: json(z.object({ evaluations: z.array(EvaluationSchema) }), 'evaluations'),
      },
    ),
    async (c) =>
      c.json({ evaluations: await repos.evaluations.list(c.req.valid('param').projectId) }, 200),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'project' },
      {
        method: 'post',
        path: '/api/v1/projects/{projectId}/evaluations',
        tags: ['evaluations'],
        summary: 'Create an empty evaluation (import a dataset into it next)',
        request: { params: ProjectParam, ...jsonBody(z.object({ name: EvaluationNameSchema })) },
        responses: json(EvaluationSchema, 'created', 201),
      },
    ),
    async (c) => {
      const evaluation = await repos.evaluations.create({
        projectId: c.req.valid('param').projectId,
        name: c.req.valid('json').name,
        createdBy: principalOf(c).user.id,
      })
      return c.json(evaluation, 201)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'get',
        path: '/api/v1/evaluations/{evaluationId}',
        tags: ['evaluations'],
        summary: 'One evaluation with its columns and your role',
        request: { params: EvaluationParam },
        responses: json(EvaluationDetail, 'the evaluation'),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const evaluation = await repos.evaluations.get(evaluationId)
      if (!evaluation)
        throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
      const columns = await repos.columns.list(evaluationId)
      // Header values of API columns may be secrets: never sent back, to any role.
      return c.json(
        { ...evaluation, columns: columns.map(maskColumn), role: c.get('role') ?? 'viewer' },
        200,
      )
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'patch',
        path: '/api/v1/evaluations/{evaluationId}',
        tags: ['evaluations'],
        summary: 'Rename an evaluation, or turn its model-answer cache on or off',
        request: {
          params: EvaluationParam,
          ...jsonBody(
            z.object({
              name: EvaluationNameSchema.optional(),
              cacheEnabled: z.boolean().optional(),
            }),
          ),
        },
        responses: json(EvaluationSchema, 'updated'),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const body = c.req.valid('json')
      let evaluation = await repos.evaluations.get(evaluationId)
      if (body.name !== undefined)
        evaluation = await repos.evaluations.rename(evaluationId, body.name)
      if (body.cacheEnabled !== undefined) {
        evaluation = await repos.evaluations.setCacheEnabled(evaluationId, body.cacheEnabled)
      }
      if (!evaluation)
        throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
      return c.json(evaluation, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'admin', resource: 'evaluation' },
      {
        method: 'delete',
        path: '/api/v1/evaluations/{evaluationId}',
        tags: ['evaluations'],
        summary: 'Delete an evaluation with its rows, columns, runs and results',
        request: { params: EvaluationParam },
        responses: NoContent,
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      for (const run of await repos.runs.list(evaluationId)) {
        if (deps.services.engine.isActive(run.id))
          await deps.services.engine.stop(run.id, 'evaluation deleted')
      }
      await repos.evaluations.delete(evaluationId)
      return c.body(null, 204)
    },
  )
}
