import {
  AssayError,
  type Column,
  ColumnConfigSchema,
  ColumnNameSchema,
  ColumnSchema,
  GeneratorConfigSchema,
  renderTemplate,
} from '@assay/core'
import {
  buildJudgePrompt,
  compileColumns,
  extractApiValues,
  getSystemEvaluator,
  renderApiRequest,
  type TestCellOutcome,
} from '@assay/engine'
import { z } from '@hono/zod-openapi'
import type { App, RouteDeps } from '../context.js'
import { maskColumn, unmaskConfig, unmaskHeaders } from '../header-secrets.js'
import { defineRoute, json, jsonBody, NoContent } from '../route.js'
import { rowValuesById, valuesByName } from '../row-values.js'
import { assertNoActiveRun, exclusive } from '../run-guards.js'
import { EvaluationParam } from './evaluations.js'

const ColumnParam = z.object({ columnId: z.string().min(1).max(64) })
const RowIds = z.array(z.string().min(1).max(64)).max(20)

const AddColumnBody = z.object({
  name: ColumnNameSchema,
  config: ColumnConfigSchema,
  /** RAG endpoint: the name of the second column, filled with the contexts the API returns. */
  contextsColumnName: ColumnNameSchema.optional(),
})

const TestOutcome = z.object({
  rowId: z.string(),
  status: z.string(),
  value: z.union([z.number(), z.string()]).nullable(),
  pass: z.boolean().nullable(),
  explanation: z.string().nullable(),
  raw: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  tokens: z.object({ input: z.number(), output: z.number() }),
  cost: z.number().nullable(),
  attempts: z.number(),
  latencyMs: z.number(),
})

function toTestOutcome(o: TestCellOutcome): z.infer<typeof TestOutcome> {
  const x = o.outcome as Record<string, unknown>
  const error = x.status === 'error' ? (x.error as { code: string; message: string }) : null
  return {
    rowId: o.rowId,
    status: String(x.status),
    value: (x.value as number | string | null | undefined) ?? null,
    pass: (x.pass as boolean | null | undefined) ?? null,
    explanation:
      (x.explanation as string | null | undefined) ??
      (x.status === 'stopped' ? String(x.reason ?? '') : null),
    raw: (x.raw as string | null | undefined) ?? null,
    error: error ? { code: error.code, message: error.message } : null,
    tokens: o.tokens,
    cost: o.cost,
    attempts: o.attempts,
    latencyMs: o.latencyMs,
  }
}

/** The given rows, or the evaluation's first row; each must belong to the evaluation. */
async function testRows(
  repos: RouteDeps['services']['repos'],
  evaluationId: string,
  rowIds: string[],
) {
  if (rowIds.length === 0) {
    const first = await repos.rows.list(evaluationId, { limit: 1 })
    if (!first[0]) throw new AssayError('invalid_state', 'the evaluation has no rows yet')
    return [first[0].id]
  }
  for (const rowId of rowIds) {
    const row = await repos.rows.get(rowId)
    if (!row || row.evaluationId !== evaluationId) {
      throw new AssayError('not_found', `row ${rowId} is not in this evaluation`)
    }
  }
  return rowIds
}

/** Every column id a configuration names, with the field that names it. */
function columnReferences(config: Column['config']): { field: string; columnId: string }[] {
  const refs: { field: string; columnId: string }[] = []
  if (config.kind === 'evaluator') {
    for (const [variable, columnId] of Object.entries(config.evaluator.mapping)) {
      refs.push({ field: `config.evaluator.mapping.${variable}`, columnId })
    }
    if (config.evaluator.compareWithColumnId) {
      refs.push({
        field: 'config.evaluator.compareWithColumnId',
        columnId: config.evaluator.compareWithColumnId,
      })
    }
  } else if (config.kind === 'generated') {
    const generator = config.generator
    if (generator.type === 'api' && generator.contextsColumnId) {
      refs.push({
        field: 'config.generator.contextsColumnId',
        columnId: generator.contextsColumnId,
      })
    }
    if (generator.type === 'rag-contexts') {
      refs.push({ field: 'config.generator.sourceColumnId', columnId: generator.sourceColumnId })
    }
  }
  return refs
}

/** The input of engine.testColumn with the request's signal: a test stops when its caller goes. */
function testInput(
  signal: AbortSignal,
  input: Parameters<RouteDeps['services']['engine']['testColumn']>[0],
): Parameters<RouteDeps['services']['engine']['testColumn']>[0] {
  return { ...input, signal }
}

/** How long the API test waits for an answer at most, whatever the generator's timeout. */
export const API_TEST_TIMEOUT_MS = 30_000
/** The largest API answer the API test shows. */
export const API_TEST_MAX_BYTES = 1_048_576

export function registerColumnRoutes(app: App, deps: RouteDeps): void {
  const { repos, engineDeps, engine } = deps.services

  /**
   * Connections and custom evaluators named in a configuration must be the evaluation's
   * project's own or global: an id from another project would spend its key or leak its prompt.
   * Columns it names (mapping, compareWithColumnId, contextsColumnId, sourceColumnId) must be
   * the evaluation's own (`columnIds`): another evaluation's column would read its values.
   */
  async function checkReferences(
    evaluationId: string,
    config: Column['config'],
    columnIds: ReadonlySet<string>,
  ) {
    const evaluation = await repos.evaluations.get(evaluationId)
    if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
    for (const { field, columnId } of columnReferences(config)) {
      if (!columnIds.has(columnId)) {
        throw new AssayError(
          'invalid_input',
          `${field}: column ${columnId} is not a column of this evaluation`,
          { position: { field } },
        )
      }
    }
    const visible = (projectId: string | null | undefined) =>
      projectId === null || projectId === evaluation.projectId
    const connectionId =
      config.kind === 'evaluator'
        ? config.evaluator.connectionId
        : config.kind === 'generated' && config.generator.type === 'prompt'
          ? config.generator.connectionId
          : null
    if (connectionId) {
      const connection = await repos.connections.get(connectionId)
      if (!connection || !visible(connection.projectId)) {
        throw new AssayError('not_found', `connection ${connectionId} does not exist`)
      }
    }
    if (config.kind === 'evaluator') {
      const id = config.evaluator.evaluatorId
      if (!id.startsWith('metric:') && !getSystemEvaluator(id)) {
        const evaluator = await repos.evaluators.get(id)
        if (!evaluator || !visible(evaluator.projectId)) {
          throw new AssayError('not_found', `evaluator ${id} does not exist`)
        }
      }
    }
  }

  /** Refuses a column the engine could not run, with the engine's own message. */
  async function check(evaluationId: string, candidate: Column, others: readonly Column[]) {
    // The other columns only: a column never reads itself, and a new column's placeholder id
    // must not pass as a reference that would dangle once it is stored.
    const columnIds = new Set(others.map((x) => x.id).filter((id) => id !== candidate.id))
    await checkReferences(evaluationId, candidate.config, columnIds)
    const kind = candidate.config.kind
    if (kind !== 'evaluator' && kind !== 'generated') return
    if (kind === 'generated' && candidate.config.generator.type === 'rag-contexts') return
    const evaluation = await repos.evaluations.get(evaluationId)
    if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
    const compiled = await compileColumns(
      evaluation,
      [...others, candidate],
      { mode: 'column', columnIds: [candidate.id], rowIds: null },
      engineDeps,
    )
    if (!compiled.ok) throw new AssayError('invalid_input', compiled.error.message)
  }

  async function mustColumn(columnId: string): Promise<Column> {
    const column = await repos.columns.get(columnId)
    if (!column) throw new AssayError('not_found', `column ${columnId} does not exist`)
    return column
  }

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/columns',
        tags: ['columns'],
        summary:
          'Add a column: manual, human feedback, generator (prompt, API, RAG endpoint) or evaluator',
        request: { params: EvaluationParam, ...jsonBody(AddColumnBody) },
        responses: json(z.object({ columns: z.array(ColumnSchema) }), 'the columns added', 201),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const body = c.req.valid('json')
      const { name, contextsColumnName } = body
      const config = unmaskConfig(body.config, undefined)
      if (config.kind === 'data') {
        throw new AssayError(
          'invalid_input',
          'data columns come from an import, not from this route',
        )
      }
      const existing = await repos.columns.list(evaluationId)
      if (existing.some((col) => col.name === name)) {
        throw new AssayError('conflict', `a column named "${name}" exists`, {
          position: { field: 'name' },
        })
      }
      const candidate: Column = {
        id: 'col_candidate',
        evaluationId,
        name,
        position: existing.length,
        config,
        createdAt: new Date(0).toISOString(),
      }
      await check(evaluationId, candidate, existing)
      const isRag =
        config.kind === 'generated' &&
        config.generator.type === 'api' &&
        config.generator.contextsPath
      if (isRag && !contextsColumnName) {
        throw new AssayError(
          'invalid_input',
          'a RAG endpoint needs contextsColumnName for its contexts column',
        )
      }
      const added = await repos.columns.add({ evaluationId, name, config })
      if (!isRag || config.kind !== 'generated' || config.generator.type !== 'api') {
        return c.json({ columns: [maskColumn(added)] }, 201)
      }
      try {
        const contexts = await repos.columns.add({
          evaluationId,
          name: contextsColumnName as string,
          config: {
            kind: 'generated',
            generator: { type: 'rag-contexts', sourceColumnId: added.id },
          },
        })
        const linked = await repos.columns.updateConfig(added.id, {
          kind: 'generated',
          generator: { ...config.generator, contextsColumnId: contexts.id },
        })
        return c.json({ columns: [maskColumn(linked), maskColumn(contexts)] }, 201)
      } catch (error) {
        await repos.columns.delete(added.id)
        throw error
      }
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'column' },
      {
        method: 'patch',
        path: '/api/v1/columns/{columnId}',
        tags: ['columns'],
        summary: 'Rename a column or change its configuration (mapping, threshold, prompt, …)',
        request: {
          params: ColumnParam,
          ...jsonBody(
            z.object({ name: ColumnNameSchema.optional(), config: ColumnConfigSchema.optional() }),
          ),
        },
        responses: json(ColumnSchema, 'updated'),
      },
    ),
    async (c) =>
      exclusive(async () => {
        const column = await mustColumn(c.req.valid('param').columnId)
        // A run of the evaluation compiled this column as it is now: it may not change under it.
        await assertNoActiveRun(repos, column.evaluationId)
        const body = c.req.valid('json')
        const { name } = body
        const config = body.config ? unmaskConfig(body.config, column) : undefined
        if (config) {
          if (config.kind !== column.config.kind) {
            throw new AssayError(
              'invalid_input',
              `a ${column.config.kind} column stays a ${column.config.kind} column`,
            )
          }
          const others = (await repos.columns.list(column.evaluationId)).filter(
            (x) => x.id !== column.id,
          )
          await check(column.evaluationId, { ...column, config }, others)
        }
        let updated = column
        if (name !== undefined && name !== column.name)
          updated = await repos.columns.rename(column.id, name)
        if (config) updated = await repos.columns.updateConfig(column.id, config)
        return c.json(maskColumn(updated), 200)
      }),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'column' },
      {
        method: 'delete',
        path: '/api/v1/columns/{columnId}',
        tags: ['columns'],
        summary: 'Delete a column with its values and results (data columns stay)',
        request: { params: ColumnParam },
        responses: NoContent,
      },
    ),
    async (c) => {
      const column = await mustColumn(c.req.valid('param').columnId)
      if (column.config.kind === 'data') {
        throw new AssayError(
          'invalid_input',
          'data columns belong to the dataset and cannot be deleted',
        )
      }
      await exclusive(async () => {
        await assertNoActiveRun(repos, column.evaluationId)
        await repos.columns.delete(column.id)
      })
      return c.body(null, 204)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'column' },
      {
        method: 'post',
        path: '/api/v1/columns/{columnId}/test',
        tags: ['columns'],
        summary:
          'Run a generator or evaluator column on chosen rows (default: the first); nothing is stored',
        request: { params: ColumnParam, ...jsonBody(z.object({ rowIds: RowIds.optional() })) },
        responses: json(z.object({ outcomes: z.array(TestOutcome) }), 'one outcome per row'),
      },
    ),
    async (c) => {
      const column = await mustColumn(c.req.valid('param').columnId)
      const rowIds = await testRows(repos, column.evaluationId, c.req.valid('json').rowIds ?? [])
      const outcomes = await engine.testColumn(
        testInput(c.req.raw.signal, {
          evaluationId: column.evaluationId,
          columnId: column.id,
          rowIds,
        }),
      )
      return c.json({ outcomes: outcomes.map(toTestOutcome) }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/columns/test',
        tags: ['columns'],
        summary:
          'Test a column configuration before saving it (e.g. a custom evaluator on chosen rows); nothing is stored',
        request: {
          params: EvaluationParam,
          ...jsonBody(
            z.object({
              name: ColumnNameSchema.default('draft'),
              config: ColumnConfigSchema,
              /** When editing a saved column: its id, so the draft replaces it. */
              columnId: z.string().min(1).max(64).optional(),
              rowIds: RowIds.optional(),
            }),
          ),
        },
        responses: json(z.object({ outcomes: z.array(TestOutcome) }), 'one outcome per row'),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const body = c.req.valid('json')
      const rowIds = await testRows(repos, evaluationId, body.rowIds ?? [])
      const stored = await repos.columns.list(evaluationId)
      if (body.columnId && !stored.some((col) => col.id === body.columnId)) {
        throw new AssayError('not_found', `column ${body.columnId} is not in this evaluation`)
      }
      const id = body.columnId ?? 'col_draft'
      const config = unmaskConfig(
        body.config,
        stored.find((col) => col.id === body.columnId),
      )
      await checkReferences(
        evaluationId,
        config,
        new Set(stored.map((col) => col.id).filter((other) => other !== id)),
      )
      const draft: Column = {
        id,
        evaluationId,
        name: body.name,
        position: stored.length,
        config,
        createdAt: new Date(0).toISOString(),
      }
      const outcomes = await engine.testColumn(
        testInput(c.req.raw.signal, { evaluationId, columnId: draft.id, rowIds, draft }),
      )
      return c.json({ outcomes: outcomes.map(toTestOutcome) }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/api-test',
        tags: ['columns'],
        summary:
          'Run an API: send the request for one row (default: the first) and show the response',
        request: {
          params: EvaluationParam,
          ...jsonBody(
            z.object({
              generator: GeneratorConfigSchema,
              rowId: z.string().max(64).optional(),
              /** When testing a saved column: its id, so masked header values are its own. */
              columnId: z.string().min(1).max(64).optional(),
            }),
          ),
        },
        responses: json(
          z.object({
            request: z.object({ method: z.string(), url: z.string(), body: z.string().nullable() }),
            status: z.number().nullable(),
            body: z.string(),
            latencyMs: z.number().nullable(),
            output: z.string().nullable(),
            contexts: z.string().nullable(),
            problem: z.string().nullable(),
          }),
          'what the API answered',
        ),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const { generator: sent, rowId, columnId } = c.req.valid('json')
      if (sent.type !== 'api') throw new AssayError('invalid_input', 'generator.type must be "api"')
      const columns = await repos.columns.list(evaluationId)
      const saved = columns.find((col) => col.id === columnId)
      if (columnId && !saved) {
        throw new AssayError('not_found', `column ${columnId} is not in this evaluation`)
      }
      const generator = unmaskHeaders(sent, saved, 'generator')
      const row = rowId
        ? await repos.rows.get(rowId)
        : (await repos.rows.list(evaluationId, { limit: 1 }))[0]
      if (!row || row.evaluationId !== evaluationId)
        throw new AssayError('not_found', 'no such row in this evaluation')
      const byId = await rowValuesById(repos, row, columns)
      const values = valuesByName(columns, byId)
      const request = renderApiRequest(generator, values)
      if (!request.ok) throw new AssayError('invalid_input', request.error.message)
      const shown = {
        method: request.value.method,
        url: request.value.url,
        body: request.value.body,
      }
      // A test waits less than a run may, and stops when the caller goes away.
      const answer = await engineDeps.http.call(
        { ...request.value, timeoutMs: Math.min(request.value.timeoutMs, API_TEST_TIMEOUT_MS) },
        { signal: c.req.raw.signal },
      )
      if (!answer.ok) {
        return c.json(
          {
            request: shown,
            status: answer.error.status ?? null,
            body: '',
            latencyMs: null,
            output: null,
            contexts: null,
            problem: answer.error.message,
          },
          200,
        )
      }
      if (Buffer.byteLength(answer.value.body, 'utf8') > API_TEST_MAX_BYTES) {
        return c.json(
          {
            request: shown,
            status: answer.value.status,
            body: '',
            latencyMs: answer.value.latencyMs,
            output: null,
            contexts: null,
            problem: `response larger than ${API_TEST_MAX_BYTES} bytes`,
          },
          200,
        )
      }
      const extracted = extractApiValues(generator, answer.value.body)
      return c.json(
        {
          request: shown,
          status: answer.value.status,
          body: answer.value.body.slice(0, 65_536),
          latencyMs: answer.value.latencyMs,
          output: extracted.ok ? extracted.value.answer : null,
          contexts: extracted.ok ? (extracted.value.contexts ?? null) : null,
          problem: extracted.ok ? null : extracted.error.message,
        },
        200,
      )
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'viewer', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/prompt-preview',
        tags: ['columns'],
        summary:
          'The prompt an evaluator or prompt generator sends for one row (Map variables preview, cell detail)',
        request: {
          params: EvaluationParam,
          ...jsonBody(
            z.object({
              rowId: z.string().max(64).optional(),
              /** A system or custom evaluator id, with the column's mapping and options. */
              evaluatorId: z.string().max(100).optional(),
              /** Or a prompt template whose {{variables}} are column names (Run a prompt). */
              template: z.string().max(50_000).optional(),
              mapping: z.record(z.string(), z.string()).default({}),
              options: z.record(z.string(), z.unknown()).default({}),
            }),
          ),
        },
        responses: json(
          z.object({
            system: z.string().nullable(),
            prompt: z.string().nullable(),
            problem: z.string().nullable(),
          }),
          'the rendered prompt, or what is missing',
        ),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const body = c.req.valid('json')
      const columns = await repos.columns.list(evaluationId)
      const row = body.rowId
        ? await repos.rows.get(body.rowId)
        : (await repos.rows.list(evaluationId, { limit: 1 }))[0]
      if (!row || row.evaluationId !== evaluationId)
        throw new AssayError('not_found', 'no such row in this evaluation')
      const byId = await rowValuesById(repos, row, columns)
      if (body.template !== undefined) {
        const values = valuesByName(columns, byId)
        const rendered = renderTemplate(body.template, values)
        return c.json(
          rendered.ok
            ? { system: null, prompt: rendered.value, problem: null }
            : { system: null, prompt: null, problem: rendered.error.message },
          200,
        )
      }
      if (!body.evaluatorId) throw new AssayError('invalid_input', 'give evaluatorId or template')
      const evaluator =
        getSystemEvaluator(body.evaluatorId) ?? (await repos.evaluators.get(body.evaluatorId))
      if (
        !evaluator ||
        (evaluator.projectId !== null && evaluator.projectId !== c.get('projectId'))
      ) {
        throw new AssayError('not_found', `evaluator ${body.evaluatorId} does not exist`)
      }
      const variables: Record<string, string> = {}
      for (const [variable, columnId] of Object.entries(body.mapping)) {
        const value = byId.get(columnId)
        if (value !== undefined) variables[variable] = value
      }
      const built = buildJudgePrompt(evaluator, variables, body.options)
      return c.json(
        built.ok
          ? { system: built.value.system, prompt: built.value.prompt, problem: null }
          : { system: null, prompt: null, problem: built.error.message },
        200,
      )
    },
  )
}
