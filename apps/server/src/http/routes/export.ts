import { z } from '@hono/zod-openapi'
import { stream } from 'hono/streaming'
import { DATASET_FORMATS } from '../../dataset/dataset-format.js'
import { exportResults } from '../../dataset/export-results.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute } from '../route.js'
import { EvaluationParam } from './evaluations.js'

export function registerExportRoutes(app: App, deps: RouteDeps): void {
  const { repos } = deps.services

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'get',
        path: '/api/v1/evaluations/{evaluationId}/export',
        tags: ['export'],
        summary:
          'Download the table: CSV (every column, scores, pass/fail, explanations, then footer rows) or JSONL; streamed; CSV is spreadsheet-safe unless raw=1',
        request: {
          params: EvaluationParam,
          query: z.object({
            format: z.enum(DATASET_FORMATS).default('csv'),
            raw: z.enum(['0', '1']).default('0'),
            runId: z.string().min(1).max(64).optional(),
          }),
        },
        responses: {
          200: {
            description: 'the file',
            content: {
              'text/csv': { schema: z.string() },
              'application/x-ndjson': { schema: z.string() },
            },
          },
        },
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const { format, raw, runId } = c.req.valid('query')
      const evaluation = await repos.evaluations.get(evaluationId)
      const chunks = exportResults(repos, evaluationId, { format, raw: raw === '1', runId })
      // The first chunk is read before answering, so a refusal is a proper JSON error.
      const first = await chunks.next()
      const base =
        (evaluation?.name ?? 'evaluation').replace(/[^\w.-]+/g, '_').slice(0, 80) || 'evaluation'
      c.header(
        'content-type',
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      )
      c.header('content-disposition', `attachment; filename="${base}.${format}"`)
      c.header('x-content-type-options', 'nosniff')
      return stream(c, async (s) => {
        if (!first.done) await s.write(first.value)
        for await (const chunk of chunks) {
          if (s.aborted) break
          await s.write(chunk)
        }
      })
    },
  )
}
