import { AssayError, CellValueSchema } from '@assay/core'
import { z } from '@hono/zod-openapi'
import { principalOf } from '../auth/access.js'
import type { App, RouteDeps } from '../context.js'
import { defineRoute, json, jsonBody } from '../route.js'
import { EvaluationParam } from './evaluations.js'

/** Thumbs are stored as `up` / `down`; `null` clears a cell. */
/** Thumbs are stored as '1' (up) and '0' (down), the form the results query reads. */
const THUMBS: Record<string, string> = { up: '1', down: '0', '1': '1', '0': '0' }
const MAX_CELL_CHARS = 100_000

export function registerCellRoutes(app: App, deps: RouteDeps): void {
  const { repos, clock } = deps.services

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'row' },
      {
        method: 'put',
        path: '/api/v1/rows/{rowId}/cells/{columnId}',
        tags: ['cells'],
        summary: 'Edit a manual or human-feedback cell; records who and when',
        request: {
          params: z.object({
            rowId: z.string().min(1).max(64),
            columnId: z.string().min(1).max(64),
          }),
          ...jsonBody(z.object({ value: z.string().max(MAX_CELL_CHARS).nullable() })),
        },
        responses: json(CellValueSchema, 'stored'),
      },
    ),
    async (c) => {
      const { rowId, columnId } = c.req.valid('param')
      const { value } = c.req.valid('json')
      const row = await repos.rows.get(rowId)
      const column = await repos.columns.get(columnId)
      if (!row || !column || column.evaluationId !== row.evaluationId) {
        throw new AssayError('not_found', `column ${columnId} is not in the row's evaluation`)
      }
      const config = column.config
      if (config.kind !== 'manual' && config.kind !== 'human') {
        throw new AssayError(
          'invalid_input',
          `"${column.name}" is a ${config.kind} column; only manual and human cells are edited`,
        )
      }
      if (value !== null) {
        if (
          config.kind === 'human' &&
          config.feedback === 'thumbs' &&
          !Object.hasOwn(THUMBS, value)
        ) {
          throw new AssayError('invalid_input', 'a thumbs cell holds "up", "down" or null', {
            position: { field: 'value' },
          })
        }
        if (
          config.kind === 'manual' &&
          config.valueType === 'number' &&
          !Number.isFinite(Number(value))
        ) {
          throw new AssayError('invalid_input', `"${column.name}" holds numbers`, {
            position: { field: 'value' },
          })
        }
      }
      const isThumbs = config.kind === 'human' && config.feedback === 'thumbs'
      const stored = await repos.cellValues.set({
        rowId,
        columnId,
        value: isThumbs && value !== null ? (THUMBS[value] as string) : value,
        editedBy: principalOf(c).user.id,
        editedAt: clock.isoNow(),
      })
      return c.json(stored, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'get',
        path: '/api/v1/evaluations/{evaluationId}/table-options',
        tags: ['table options'],
        summary:
          'Your table options for this evaluation (filters, sort, hidden columns, row height)',
        request: { params: EvaluationParam },
        responses: json(z.object({ options: z.record(z.string(), z.unknown()) }), 'your options'),
      },
    ),
    async (c) => {
      const stored = await repos.tableOptions.get(
        principalOf(c).user.id,
        c.req.valid('param').evaluationId,
      )
      return c.json({ options: (stored as Record<string, unknown> | undefined) ?? {} }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'put',
        path: '/api/v1/evaluations/{evaluationId}/table-options',
        tags: ['table options'],
        summary: 'Save your table options; every role may, they are yours alone',
        request: {
          params: EvaluationParam,
          ...jsonBody(
            z.object({
              options: z
                .object({
                  filters: z.array(z.record(z.string(), z.unknown())).max(50).optional(),
                  sort: z.record(z.string(), z.unknown()).nullable().optional(),
                  hidden: z.array(z.string().max(64)).max(500).optional(),
                  rowHeight: z.enum(['compact', 'normal', 'tall']).optional(),
                  widths: z.record(z.string(), z.number().int().min(20).max(2000)).optional(),
                })
                .strict(),
            }),
          ),
        },
        responses: json(z.object({ options: z.record(z.string(), z.unknown()) }), 'saved'),
      },
    ),
    async (c) => {
      const { options } = c.req.valid('json')
      await repos.tableOptions.set(
        principalOf(c).user.id,
        c.req.valid('param').evaluationId,
        options,
      )
      return c.json({ options }, 200)
    },
  )
}
