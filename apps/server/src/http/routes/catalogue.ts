import {
  AssayError,
  ConnectionInputSchema,
  ConnectionSchema,
  EvaluatorSchema,
  extractVariables,
  METRICS,
  ScaleSchema,
  ThresholdSchema,
} from '@assay/core'
import { listSystemEvaluators } from '@assay/engine'
import { z } from '@hono/zod-openapi'
import { principalOf } from '../auth/access.js'
import { isInstanceAdmin } from '../auth/roles.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody, NoContent } from '../route.js'
import { assertEvaluatorNotInActiveRun, exclusive } from '../run-guards.js'
import { ProjectParam } from './projects.js'

const EvaluatorParam = z.object({ evaluatorId: z.string().min(1).max(100) })
const ConnectionParam = z.object({ connectionId: z.string().min(1).max(64) })

const CustomEvaluatorBody = z.object({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).default(''),
  category: z.enum(['quality', 'safety']).default('quality'),
  prompt: z.string().min(1).max(50_000),
  scale: ScaleSchema,
  polarity: z.enum(['positive', 'negative']).default('positive'),
  /** Save as global: usable in every project. */
  global: z.boolean().default(false),
})

const SystemEvaluatorSchema = EvaluatorSchema.extend({
  defaultThreshold: ThresholdSchema.nullable(),
  /** Extra settings (e.g. banned topics), filled in the evaluator dialog's options. */
  parameters: z.array(z.record(z.string(), z.unknown())),
})

const ConnectionBody = ConnectionInputSchema.omit({ projectId: true })

export function registerCatalogueRoutes(app: App, deps: RouteDeps): void {
  const { repos } = deps.services

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'get',
      path: '/api/v1/evaluators/system',
      tags: ['evaluators'],
      summary:
        'The built-in evaluators with their prompts (read-only), variables, scale and polarity',
      responses: json(
        z.object({ evaluators: z.array(SystemEvaluatorSchema) }),
        'system evaluators',
      ),
    }),
    (c) =>
      c.json(
        {
          evaluators: listSystemEvaluators().map((e) => ({
            ...EvaluatorSchema.parse(e),
            defaultThreshold: e.defaultThreshold ?? null,
            parameters: e.parameters.map(
              (p) => JSON.parse(JSON.stringify(p)) as Record<string, unknown>,
            ),
          })),
        },
        200,
      ),
  )

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'get',
      path: '/api/v1/metrics',
      tags: ['evaluators'],
      summary: 'The deterministic metrics usable as evaluator columns (`metric:<id>`)',
      responses: json(
        z.object({
          metrics: z.array(
            z.object({
              id: z.string(),
              name: z.string(),
              description: z.string(),
              variables: z.array(z.string()),
              scale: z.string(),
            }),
          ),
        }),
        'metrics',
      ),
    }),
    (c) =>
      c.json(
        {
          metrics: Object.values(METRICS).map((m) => ({
            id: `metric:${m.id}`,
            name: m.name,
            description: m.description,
            variables: [...m.variables],
            scale: m.scale,
          })),
        },
        200,
      ),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'project' },
      {
        method: 'get',
        path: '/api/v1/projects/{projectId}/evaluators',
        tags: ['evaluators'],
        summary: 'Custom evaluators of the project and the global ones',
        request: { params: ProjectParam },
        responses: json(
          z.object({ evaluators: z.array(EvaluatorSchema) }),
          'custom and global evaluators',
        ),
      },
    ),
    async (c) =>
      c.json({ evaluators: await repos.evaluators.list(c.req.valid('param').projectId) }, 200),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'project' },
      {
        method: 'post',
        path: '/api/v1/projects/{projectId}/evaluators',
        tags: ['evaluators'],
        summary:
          'Create a custom LLM evaluator (score 1..max or boolean); `global` (instance administrators) saves it for every project',
        request: { params: ProjectParam, ...jsonBody(CustomEvaluatorBody) },
        responses: json(EvaluatorSchema, 'created', 201),
      },
    ),
    async (c) => {
      const { projectId } = c.req.valid('param')
      const body = c.req.valid('json')
      // A global evaluator shows in every project's catalogue, so the editor of one project
      // does not put it there; changing or deleting one already needs an instance administrator.
      if (body.global && !isInstanceAdmin(principalOf(c)))
        throw new AssayError(
          'forbidden',
          'only an instance administrator saves a global evaluator; save it for this project',
          { position: { field: 'global' } },
        )

      const variables = extractVariables(body.prompt)
      if (!variables.ok)
        throw new AssayError('invalid_input', `prompt: ${variables.error.message}`, {
          position: { field: 'prompt' },
        })
      const evaluator = await repos.evaluators.create({
        kind: 'llm',
        category: body.category,
        scope: body.global ? 'global' : 'custom',
        projectId: body.global ? null : projectId,
        name: body.name,
        description: body.description,
        prompt: body.prompt,
        variables: variables.value,
        scale: body.scale,
        polarity: body.polarity,
      })
      return c.json(evaluator, 201)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluator' },
      {
        method: 'patch',
        path: '/api/v1/evaluators/{evaluatorId}',
        tags: ['evaluators'],
        summary: 'Change a custom evaluator (global ones: instance administrators)',
        request: {
          params: EvaluatorParam,
          ...jsonBody(CustomEvaluatorBody.omit({ global: true }).partial()),
        },
        responses: json(EvaluatorSchema, 'updated'),
      },
    ),
    async (c) => {
      const { evaluatorId } = c.req.valid('param')
      const body = c.req.valid('json')
      const patch: Record<string, unknown> = { ...body }
      if (body.prompt !== undefined) {
        const variables = extractVariables(body.prompt)
        if (!variables.ok)
          throw new AssayError('invalid_input', `prompt: ${variables.error.message}`)
        patch.variables = variables.value
      }
      const updated = await exclusive(async () => {
        await assertEvaluatorNotInActiveRun(repos, evaluatorId)
        return repos.evaluators.update(evaluatorId, patch)
      })
      return c.json(updated, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluator' },
      {
        method: 'delete',
        path: '/api/v1/evaluators/{evaluatorId}',
        tags: ['evaluators'],
        summary: 'Delete a custom evaluator (global ones: instance administrators)',
        request: { params: EvaluatorParam },
        responses: NoContent,
      },
    ),
    async (c) => {
      const { evaluatorId } = c.req.valid('param')
      await exclusive(async () => {
        await assertEvaluatorNotInActiveRun(repos, evaluatorId)
        await repos.evaluators.delete(evaluatorId)
      })
      return c.body(null, 204)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'project' },
      {
        method: 'get',
        path: '/api/v1/projects/{projectId}/connections',
        tags: ['connections'],
        summary:
          'Model connections usable in the project (its own and the global ones); keys are never returned',
        request: { params: ProjectParam },
        responses: json(z.object({ connections: z.array(ConnectionSchema) }), 'connections'),
      },
    ),
    async (c) => {
      const { projectId } = c.req.valid('param')
      const own = await repos.connections.list({ projectId })
      const global = await repos.connections.list({ projectId: null })
      return c.json({ connections: [...own, ...global] }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'project' },
      {
        method: 'post',
        path: '/api/v1/projects/{projectId}/connections',
        tags: ['connections'],
        summary:
          'Add a model connection to the project; the API key is sealed and never shown again',
        request: { params: ProjectParam, ...jsonBody(ConnectionBody) },
        responses: json(ConnectionSchema, 'created', 201),
      },
    ),
    async (c) => {
      const created = await repos.connections.create({
        ...c.req.valid('json'),
        projectId: c.req.valid('param').projectId,
      })
      return c.json(created, 201)
    },
  )

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'get',
      path: '/api/v1/connections',
      tags: ['connections'],
      summary: 'Global model connections (from the environment or added by an administrator)',
      responses: json(z.object({ connections: z.array(ConnectionSchema) }), 'global connections'),
    }),
    async (c) => c.json({ connections: await repos.connections.list({ projectId: null }) }, 200),
  )

  app.openapi(
    defineRoute(deps, 'instance-admin', {
      method: 'post',
      path: '/api/v1/connections',
      tags: ['connections'],
      summary: 'Add a global model connection',
      request: jsonBody(ConnectionBody),
      responses: json(ConnectionSchema, 'created', 201),
    }),
    async (c) =>
      c.json(await repos.connections.create({ ...c.req.valid('json'), projectId: null }), 201),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'connection' },
      {
        method: 'patch',
        path: '/api/v1/connections/{connectionId}',
        tags: ['connections'],
        summary:
          'Change a connection; `apiKey` omitted keeps the key, null removes it, a string replaces it',
        request: { params: ConnectionParam, ...jsonBody(ConnectionBody.partial()) },
        responses: json(ConnectionSchema, 'updated'),
      },
    ),
    async (c) => {
      const body = c.req.valid('json')
      // The validator already parsed the body; Hono hands back the same parse.
      const raw = (await c.req.json()) as Record<string, unknown>
      // zod defaults fill absent fields; only what the caller sent is changed.
      const patch = Object.fromEntries(Object.entries(body).filter(([k]) => Object.hasOwn(raw, k)))
      // The sealed key must not follow the connection to another server or provider: whoever
      // points it elsewhere gives the key again (or removes it).
      if (
        (Object.hasOwn(patch, 'baseUrl') || Object.hasOwn(patch, 'provider')) &&
        !Object.hasOwn(raw, 'apiKey')
      ) {
        const current = await repos.connections.get(c.req.valid('param').connectionId)
        const moved =
          (Object.hasOwn(patch, 'baseUrl') && patch.baseUrl !== current?.baseUrl) ||
          (Object.hasOwn(patch, 'provider') && patch.provider !== current?.provider)
        if (moved && current?.hasApiKey) {
          throw new AssayError(
            'invalid_input',
            'changing the base URL or provider needs the API key again (apiKey), or apiKey: null',
            { position: { field: 'apiKey' } },
          )
        }
      }
      return c.json(await repos.connections.update(c.req.valid('param').connectionId, patch), 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'connection' },
      {
        method: 'delete',
        path: '/api/v1/connections/{connectionId}',
        tags: ['connections'],
        summary: 'Delete a connection',
        request: { params: ConnectionParam },
        responses: NoContent,
      },
    ),
    async (c) => {
      await repos.connections.delete(c.req.valid('param').connectionId)
      return c.body(null, 204)
    },
  )
}
