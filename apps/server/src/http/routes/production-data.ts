import { AssayError } from '@assay/core'
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import {
  encodeExportResponse,
  otlpEncodingOf,
  readLimitedBody,
  receiveTraces,
} from '../../otlp/receive-traces.js'
import {
  DATE_RANGE_PRESETS,
  DateRangePresetSchema,
  DEFAULT_DATE_RANGE_PRESET,
  resolveDateRange,
} from '../../production-data/date-range.js'
import {
  importProductionData,
  OPTIONAL_PRODUCTION_COLUMNS,
  ProductionColumnSchema,
  previewProductionData,
} from '../../production-data/import-production-data.js'
import { principalOf } from '../auth/access.js'
import { atLeast, effectiveRole } from '../auth/roles.js'
import type { App, AppEnv, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'
import { EvaluationParam } from './evaluations.js'
import { ProjectParam } from './projects.js'

const Filters = z.object({
  model: z.string().max(500).optional(),
  source: z.string().max(500).optional(),
  preset: DateRangePresetSchema.default(DEFAULT_DATE_RANGE_PRESET),
  /** With preset `custom`; ISO instants, `to` exclusive. */
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  columns: z.array(ProductionColumnSchema).max(OPTIONAL_PRODUCTION_COLUMNS.length).default([]),
})

const OtlpBody = {
  body: {
    required: true,
    description: 'An OTLP ExportTraceServiceRequest, protobuf or JSON, optionally gzip-encoded',
    content: {
      'application/x-protobuf': { schema: z.string() },
      // A plain schema object, not zod: the raw body goes to the OTLP decoder untouched.
      'application/json': {
        schema: { type: 'object' as const, description: 'OTLP/JSON encoding' },
      },
    },
  },
} as const

export function registerProductionDataRoutes(app: App, deps: RouteDeps): void {
  const { repos, clock } = deps.services

  async function receive(c: Context<AppEnv>, projectId: string) {
    const contentType = c.req.header('content-type')
    const encoding = otlpEncodingOf(contentType)
    const body = await readLimitedBody(
      (c.req.raw.body ?? (async function* () {})()) as AsyncIterable<Uint8Array>,
      deps.options.maxTraceBytes,
    )
    const result = await receiveTraces({
      body,
      contentType,
      contentEncoding: c.req.header('content-encoding'),
      projectId,
      repos,
      clock,
      limits: {
        maxBodyBytes: deps.options.maxTraceBytes,
        maxDecodedBytes: deps.options.maxTraceBytes * 4,
      },
    })
    const reply = encodeExportResponse(result, encoding)
    c.header('content-type', reply.contentType)
    return c.body(reply.body as unknown as ArrayBuffer, 200)
  }

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'project' },
      {
        method: 'post',
        path: '/api/v1/projects/{projectId}/otlp/v1/traces',
        tags: ['production data'],
        summary:
          'OTLP/HTTP trace receiver for one project (exporter endpoint: …/api/v1/projects/{projectId}/otlp); spans with gen_ai.* attributes are kept',
        request: { params: ProjectParam, ...OtlpBody },
        responses: {
          200: {
            description:
              'an OTLP ExportTraceServiceResponse (partial success when some spans were refused)',
          },
        },
      },
    ),
    async (c) => receive(c, c.req.valid('param').projectId),
  )

  // The standard OTLP path: the API token's single project receives the spans (or the project
  // named by the X-Assay-Project header when the token covers several). Not in the OpenAPI
  // document's matrix: its project comes from the token, not the path; tested on its own.
  app.post('/v1/traces', async (c) => {
    const problem = c.get('authProblem')
    if (problem) throw problem
    const principal = c.get('principal')
    if (!principal || principal.via !== 'token') {
      throw new AssayError('unauthorized', 'send an API token as "Authorization: Bearer <token>"')
    }
    const named = c.req.header('x-assay-project')
    const scoped = principal.token.projectIds
    const projectId = named ?? (scoped.length === 1 ? scoped[0] : undefined)
    if (!projectId) {
      throw new AssayError(
        'invalid_input',
        'the token is not limited to one project: name the project in the X-Assay-Project header',
      )
    }
    const member = await repos.projects.getMember(projectId, principal.user.id)
    const role = (await repos.projects.get(projectId))
      ? effectiveRole(principal, projectId, member?.role)
      : null
    if (role === null) throw new AssayError('not_found', `project ${projectId} does not exist`)
    if (!atLeast(role, 'editor'))
      throw new AssayError('forbidden', 'sending traces needs the editor role')
    return receive(c, projectId)
  })

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'project' },
      {
        method: 'get',
        path: '/api/v1/projects/{projectId}/production-data/options',
        tags: ['production data'],
        summary:
          'What the Import production data dialog offers: models and sources seen, presets, columns',
        request: { params: ProjectParam },
        responses: json(
          z.object({
            models: z.array(z.string()),
            sources: z.array(z.string()),
            presets: z.array(z.string()),
            defaultPreset: z.string(),
            optionalColumns: z.array(z.string()),
          }),
          'options',
        ),
      },
    ),
    async (c) => {
      const facets = await repos.spans.facets(c.req.valid('param').projectId)
      return c.json(
        {
          ...facets,
          presets: [...DATE_RANGE_PRESETS],
          defaultPreset: DEFAULT_DATE_RANGE_PRESET,
          optionalColumns: [...OPTIONAL_PRODUCTION_COLUMNS],
        },
        200,
      )
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'project' },
      {
        method: 'post',
        path: '/api/v1/projects/{projectId}/production-data/preview',
        tags: ['production data'],
        summary:
          'The first 10 rows and the count the filters select; send the returned from/to to Proceed',
        request: { params: ProjectParam, ...jsonBody(Filters) },
        responses: json(
          z.object({
            from: z.string(),
            to: z.string(),
            columns: z.array(z.string()),
            rows: z.array(z.array(z.string())),
            total: z.number(),
          }),
          'preview',
        ),
      },
    ),
    async (c) => {
      const { projectId } = c.req.valid('param')
      const f = c.req.valid('json')
      const range = resolveDateRange({ preset: f.preset, from: f.from, to: f.to }, clock.now())
      const preview = await previewProductionData(repos, {
        projectId,
        model: f.model,
        source: f.source,
        from: range.from,
        to: range.to,
        columns: f.columns,
      })
      return c.json({ from: range.from, to: range.to, ...preview }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/production-data',
        tags: ['production data'],
        summary:
          'Import the selected spans as rows (input, output and the chosen columns), all or nothing',
        request: { params: EvaluationParam, ...jsonBody(Filters) },
        responses: json(
          z.object({ rows: z.number(), columns: z.array(z.string()) }),
          'imported',
          201,
        ),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const f = c.req.valid('json')
      const range = resolveDateRange({ preset: f.preset, from: f.from, to: f.to }, clock.now())
      principalOf(c)
      const outcome = await importProductionData(repos, {
        evaluationId,
        projectId: c.get('projectId') as string,
        model: f.model,
        source: f.source,
        from: range.from,
        to: range.to,
        columns: f.columns,
        signal: c.req.raw.signal,
      })
      return c.json({ rows: outcome.rows, columns: outcome.columns }, 201)
    },
  )
}
