import {
  type Column,
  type ColumnOf,
  type ErrorInfo,
  type Evaluation,
  type Evaluator,
  err,
  isMetricId,
  METRICS,
  type MetricId,
  type ModelAnswer,
  type ModelFailure,
  type ModelParams,
  ok,
  parseTemplate,
  passes,
  type Result,
  type RunScope,
  renderTemplate,
  type Scale,
  type Threshold,
  validateMapping,
} from '@assay/core'
import type { CellAccumulator } from './cell-accumulator.js'
import { type CellOutcome, errorOutcome } from './cell-outcome.js'
import { DEFAULT_ENGINE_OPTIONS, type EngineDeps, type ResolvedConnection } from './engine-deps.js'
import { readJsonPath } from './json-path.js'
import {
  createRagMetric,
  getSystemEvaluator,
  isRagEvaluatorId,
  type JudgeRequest,
  judgeWithReask,
  prepareJudgePrompt,
  resolveParameters,
} from './judges/index.js'
import { type AnswerCache, type CallContext, callModel } from './model-caller.js'
import { columnInputs, isRunnableColumn } from './plan.js'
import { DEFAULT_RETRY_POLICY } from './scheduler/backoff.js'
import type { ConnectionLimiter } from './scheduler/connection-limiter.js'
import { withRetries } from './scheduler/with-retries.js'

/** A row as a cell sees it: values by column id. */
export type CellInput = { row: { id: string }; value: (columnId: string) => string | undefined }

export type CellEnv = {
  /** Aborted at a stop: nothing new may start. */
  signal: AbortSignal
  /** Aborted just after a stop: requests still waiting for their answer. */
  requestSignal: AbortSignal
  inflight: Map<string, Promise<Result<ModelAnswer, ModelFailure>>>
  acc: CellAccumulator
  cacheEnabled: boolean
  /** Where answers are looked up and kept when the cache is on (the engine's writer). */
  cache: AnswerCache
  limiter: ConnectionLimiter | null
  mayStart: (estimatedTokens: number) => string | null
  onBackoff: (info: { attempt: number; delayMs: number; failure: ModelFailure }) => void
  onGeneration: (usage: { inputTokens: number; outputTokens: number }) => void
}

export type CompiledColumn = {
  column: Column
  /** Column ids this column reads. */
  inputs: string[]
  connection: ResolvedConnection | null
  run(input: CellInput, env: CellEnv): Promise<CellOutcome>
}

/**
 * Checks every column a run will fill and prepares how each cell of it runs. Every problem is
 * reported before anything starts: a missing connection, an unknown evaluator, a bad mapping, a
 * broken template or a metric's invalid options.
 */
export async function compileColumns(
  evaluation: Evaluation,
  columns: readonly Column[],
  scope: RunScope,
  deps: EngineDeps,
): Promise<Result<CompiledColumn[]>> {
  let targets = columns.filter(isRunnableColumn)
  if (scope.mode === 'column') {
    const wanted = new Set(scope.columnIds ?? [])
    const unknown = [...wanted].filter((id) => !columns.some((c) => c.id === id))
    if (unknown.length > 0)
      return err({
        code: 'not_found',
        message: `no such column in this evaluation: ${unknown.join(', ')}`,
      })
    targets = targets.filter((c) => wanted.has(c.id))
    const notRunnable = columns.filter((c) => wanted.has(c.id) && !isRunnableColumn(c))
    if (notRunnable.length > 0) {
      return err({
        code: 'invalid_input',
        message: `these columns are not filled by a run: ${notRunnable.map((c) => `"${c.name}"`).join(', ')}`,
      })
    }
  }
  if (targets.length === 0) {
    return err({
      code: 'invalid_input',
      message: `evaluation "${evaluation.name}" has no generator or evaluator columns to run`,
    })
  }
  // Another project's connection or custom evaluator is as good as missing, whatever the column
  // says: the API checks this when a column is saved, the engine does not trust that alone.
  const own = (projectId: string | null) => projectId === null || projectId === evaluation.projectId
  const scoped: EngineDeps = {
    ...deps,
    connections: async (id) => {
      const found = await deps.connections(id)
      return found && own(found.connection.projectId) ? found : undefined
    },
    customEvaluator: async (id) => {
      const found = await deps.customEvaluator(id)
      return found && own(found.projectId) ? found : undefined
    },
  }
  const out: CompiledColumn[] = []
  const problems: string[] = []
  for (const column of targets) {
    const compiled = await compileColumn(column, columns, scoped)
    if (compiled.ok) out.push(compiled.value)
    else problems.push(compiled.error.message)
  }
  if (problems.length > 0) return err({ code: 'invalid_input', message: problems.join('; ') })
  return ok(out)
}

async function compileColumn(
  column: Column,
  all: readonly Column[],
  deps: EngineDeps,
): Promise<Result<CompiledColumn>> {
  const inputs = columnInputs(column, all)
  if (!inputs.ok) return inputs
  const config = column.config
  if (config.kind === 'generated') {
    const generator = config.generator
    if (generator.type === 'prompt')
      return compilePromptGenerator(
        column as ColumnOf<'generated'>,
        generator,
        inputs.value,
        all,
        deps,
      )
    if (generator.type === 'api')
      return compileApiGenerator(column, generator, inputs.value, all, deps)
    return fail(column, 'the contexts column is filled by its RAG endpoint')
  }
  if (config.kind !== 'evaluator') return fail(column, 'only generator and evaluator columns run')
  const settings = config.evaluator
  const id = settings.evaluatorId
  if (id.startsWith('metric:')) {
    const metricId = id.slice('metric:'.length)
    if (!isMetricId(metricId)) return fail(column, `unknown metric "${metricId}"`)
    const definition = METRICS[metricId as MetricId]
    const created = definition.create(settings.options)
    if (!created.ok) return fail(column, created.error.message)
    const mapping = validateMapping(definition.variables, settings.mapping, all, column.id)
    if (!mapping.ok) return fail(column, mapping.error.message)
    const scale: Scale =
      definition.scale === 'boolean' ? { kind: 'boolean' } : { kind: 'score', min: 0, max: 1 }
    const score = created.value
    return ok({
      column,
      inputs: inputs.value,
      connection: null,
      async run(input) {
        const vars = readVars(mapping.value, input)
        if (!vars.ok) return errorOutcome('missing_input', vars.error.message)
        const result = score(vars.value)
        return {
          status: 'done',
          value: result.score,
          pass: verdict(scale, result.score, settings.threshold),
          explanation: result.explanation,
          raw: null,
        }
      },
    })
  }

  const evaluator: (Evaluator & { parameters?: unknown }) | undefined =
    getSystemEvaluator(id) ?? (await deps.customEvaluator(id))
  if (!evaluator) return fail(column, `unknown evaluator "${id}"`)
  if (evaluator.kind !== 'llm')
    return fail(column, `evaluator "${evaluator.name}" is not run by a model`)
  if (!settings.connectionId)
    return fail(column, `${evaluator.name} needs a model connection; pick one for this column`)
  const connection = await deps.connections(settings.connectionId)
  if (!connection)
    return fail(column, `its model connection ${settings.connectionId} does not exist`)
  const parameterNames = new Set(
    ((evaluator as { parameters?: { name: string; inPrompt: boolean }[] }).parameters ?? [])
      .filter((p) => p.inPrompt)
      .map((p) => p.name),
  )
  const variables = evaluator.variables.filter((v) => !parameterNames.has(v))
  const mapping = validateMapping(variables, settings.mapping, all, column.id)
  if (!mapping.ok) return fail(column, mapping.error.message)
  const scale = evaluator.scale

  if (isRagEvaluatorId(evaluator.id)) {
    const parameters = getSystemEvaluator(evaluator.id)?.parameters ?? []
    const resolved = resolveParameters(parameters, settings.options)
    if (!resolved.ok) return fail(column, resolved.error.message)
    const mode = resolved.value.mode
    const metric = createRagMetric(
      evaluator.id,
      typeof mode === 'string' ? { mode: mode as 'relevant' | 'irrelevant' } : {},
    )
    const ragCalls = callSettings(connection, settings.params, deps)
    return ok({
      column,
      inputs: inputs.value,
      connection,
      async run(input, env) {
        const vars = readVars(mapping.value, input)
        if (!vars.ok) return errorOutcome('missing_input', vars.error.message)
        const ctx = callContext(ragCalls, env)
        const ask = (request: JudgeRequest) => callModel(request, ctx, env.acc)
        const result = await metric.run(ask, vars.value)
        const raw = result.transcript.map((t) => `[${t.label}]\n${t.raw}`).join('\n\n') || null
        const outcome = result.outcome
        if (outcome.kind === 'scored') {
          return {
            status: 'done',
            value: outcome.score,
            pass: verdict(scale, outcome.score, settings.threshold),
            explanation: outcome.explanation,
            raw,
          }
        }
        if (outcome.kind === 'unparseable')
          return errorOutcome('judge_unparseable', outcome.error.message, outcome.error.raw)
        if (outcome.kind === 'failure') return failureOutcome(outcome.failure, raw)
        return errorOutcome('invalid_input', outcome.message, raw)
      },
    })
  }

  // The same for every row: parameters, parsed template, answer format (a problem there is
  // reported on each cell, as when it was found row by row).
  const judgePrompt = prepareJudgePrompt(
    evaluator as Parameters<typeof prepareJudgePrompt>[0],
    settings.options,
  )
  const calls = callSettings(connection, settings.params, deps)
  return ok({
    column,
    inputs: inputs.value,
    connection,
    async run(input, env) {
      const vars = readVars(mapping.value, input)
      if (!vars.ok) return errorOutcome('missing_input', vars.error.message)
      const prompt = judgePrompt.ok ? judgePrompt.value(vars.value) : judgePrompt
      if (!prompt.ok) return errorOutcome('invalid_input', prompt.error.message)
      const ctx = callContext(calls, env)
      const ask = (request: JudgeRequest) => callModel(request, ctx, env.acc)
      const result = await judgeWithReask(ask, prompt.value, scale)
      const outcome = result.outcome
      if (outcome.kind === 'parsed') {
        const score = outcome.value.score
        return {
          status: 'done',
          value: score,
          pass: scale.kind === 'boolean' ? score === 1 : verdict(scale, score, settings.threshold),
          explanation: outcome.value.explanation,
          raw: outcome.raw,
        }
      }
      if (outcome.kind === 'unparseable')
        return errorOutcome('judge_unparseable', outcome.error.message, outcome.error.raw)
      return failureOutcome(outcome.failure, null)
    },
  })
}

function compilePromptGenerator(
  column: ColumnOf<'generated'>,
  generator: Extract<ColumnOf<'generated'>['config']['generator'], { type: 'prompt' }>,
  inputs: string[],
  all: readonly Column[],
  deps: EngineDeps,
): Promise<Result<CompiledColumn>> {
  return (async () => {
    if (!generator.connectionId)
      return fail(column, 'Run a prompt needs a model connection; pick one for this column')
    const connection = await deps.connections(generator.connectionId)
    if (!connection)
      return fail(column, `its model connection ${generator.connectionId} does not exist`)
    const names = new Map(all.map((c) => [c.id, c.name]))
    const calls = callSettings(connection, generator.params, deps)
    const template = parseTemplate(generator.prompt)
    return ok({
      column,
      inputs,
      connection,
      async run(input, env) {
        const values: Record<string, string> = {}
        for (const id of inputs) {
          const value = input.value(id)
          if (value === undefined)
            return errorOutcome(
              'missing_input',
              `column "${names.get(id)}" has no value in this row`,
            )
          values[names.get(id) as string] = value
        }
        const prompt = template.ok ? renderTemplate(template.value, values) : template
        if (!prompt.ok) return errorOutcome('invalid_input', prompt.error.message)
        const answer = await callModel({ prompt: prompt.value }, callContext(calls, env), env.acc)
        if (!answer.ok) return failureOutcome(answer.error, null)
        return {
          status: 'done',
          value: answer.value.text,
          pass: null,
          explanation: null,
          raw: null,
        }
      },
    })
  })()
}

async function compileApiGenerator(
  column: Column,
  generator: Extract<ColumnOf<'generated'>['config']['generator'], { type: 'api' }>,
  inputs: string[],
  all: readonly Column[],
  deps: EngineDeps,
): Promise<Result<CompiledColumn>> {
  const names = new Map(all.map((c) => [c.id, c.name]))
  return ok({
    column,
    inputs,
    connection: null,
    async run(input, env) {
      const values: Record<string, string> = {}
      for (const id of inputs) {
        const value = input.value(id)
        if (value === undefined)
          return errorOutcome('missing_input', `column "${names.get(id)}" has no value in this row`)
        values[names.get(id) as string] = value
      }
      const request = renderApiRequest(generator, values)
      if (!request.ok) return errorOutcome('invalid_input', request.error.message)
      if (env.signal.aborted)
        return { status: 'stopped', reason: 'stopped before the request started' }
      const { result, attempts } = await withRetries(
        async (_attempt, signal) => {
          if (signal.aborted) return { ok: false, error: cancelled() }
          return deps.http.call(request.value, { signal: env.requestSignal })
        },
        {
          policy: DEFAULT_RETRY_POLICY,
          clock: deps.clock,
          random: deps.random,
          signal: env.signal,

          onBackoff: env.onBackoff,
        },
      )
      env.acc.attempts += attempts
      if (!result.ok) return failureOutcome(result.error, null)
      env.acc.latencyMs += result.value.latencyMs
      const extracted = extractApiValues(generator, result.value.body)
      if (!extracted.ok)
        return errorOutcome(
          'invalid_response',
          extracted.error.message,
          result.value.body.slice(0, 20_000),
        )
      return {
        status: 'done',
        value: extracted.value.answer,
        pass: null,
        explanation: null,
        raw: null,
        extra:
          extracted.value.contexts !== undefined && generator.contextsColumnId
            ? [{ columnId: generator.contextsColumnId, value: extracted.value.contexts }]
            : [],
      }
    },
  })
}

/** Renders an API generator's URL, headers and body for one row. */
export function renderApiRequest(
  generator: Extract<ColumnOf<'generated'>['config']['generator'], { type: 'api' }>,
  values: Record<string, string>,
): Result<{
  method: typeof generator.method
  url: string
  headers: Record<string, string>
  body: string | null
  timeoutMs: number
}> {
  // Values go into the URL percent-encoded: a question with `?`, `&`, `#` or spaces stays one
  // query value, and no row value can change the host (`@evil.test`, `/..`).
  const url = renderTemplate(
    generator.url,
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeURIComponent(v)])),
  )
  if (!url.ok) return url
  // Values go into a JSON body as JSON string contents, so quotes and newlines stay valid JSON.
  const looksJson = generator.body.trim().startsWith('{') || generator.body.trim().startsWith('[')
  const bodyValues = looksJson
    ? Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, JSON.stringify(v).slice(1, -1)]),
      )
    : values
  const body = renderTemplate(generator.body, bodyValues)
  if (!body.ok) return body
  const headers: Record<string, string> = {}
  for (const header of generator.headers) {
    const value = renderTemplate(header.value, values)
    if (!value.ok) return value
    headers[header.name] = value.value
  }
  return ok({
    method: generator.method,
    url: url.value,
    headers,
    body: body.value === '' ? null : body.value,
    timeoutMs: generator.timeoutMs,
  })
}

export function extractApiValues(
  generator: { outputPath: string; contextsPath?: string | undefined },
  body: string,
): Result<{ answer: string; contexts?: string }> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return err({ code: 'invalid_input', message: 'the API did not answer with JSON' })
  }
  const answer = readJsonPath(parsed, generator.outputPath)
  if (!answer.ok) return answer
  if (!generator.contextsPath) return ok({ answer: answer.value })
  const contexts = readJsonPath(parsed, generator.contextsPath)
  if (!contexts.ok) return contexts
  return ok({ answer: answer.value, contexts: contexts.value })
}

/** What every model call of a column shares, worked out once when the column is compiled. */
type CallSettings = Pick<
  CallContext,
  'target' | 'params' | 'timeoutMs' | 'policy' | 'clock' | 'random' | 'hash'
>

function callSettings(
  connection: ResolvedConnection,
  params: ModelParams,
  deps: EngineDeps,
): CallSettings {
  const options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options }
  return {
    target: connection,
    params,
    timeoutMs: options.requestTimeoutMs,
    policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: options.maxAttempts },
    clock: deps.clock,
    random: deps.random,
    hash: deps.hash,
  }
}

/** One cell's call context: the column's settings with the cell's signals and accounting. */
function callContext(settings: CallSettings, env: CellEnv): CallContext {
  return {
    target: settings.target,
    params: settings.params,
    timeoutMs: settings.timeoutMs,
    policy: settings.policy,
    clock: settings.clock,
    random: settings.random,
    hash: settings.hash,
    limiter: env.limiter as ConnectionLimiter,
    cache: env.cacheEnabled ? env.cache : null,
    inflight: env.inflight,
    signal: env.signal,
    requestSignal: env.requestSignal,
    mayStart: env.mayStart,
    onBackoff: env.onBackoff,
    onGeneration: env.onGeneration,
  }
}

function readVars(
  mapping: Record<string, Column>,
  input: CellInput,
): Result<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [variable, column] of Object.entries(mapping)) {
    const value = input.value(column.id)
    if (value === undefined) {
      return err({
        code: 'invalid_input',
        message: `{{${variable}}}: column "${column.name}" has no value in this row`,
      })
    }
    out[variable] = value
  }
  return ok(out)
}

function verdict(scale: Scale, score: number, threshold: Threshold | null): boolean | null {
  if (scale.kind === 'boolean') return passes(score, null)
  return threshold ? passes(score, threshold) : null
}

function failureOutcome(failure: ModelFailure, raw: string | null): CellOutcome {
  if (failure.kind === 'cancelled') return { status: 'stopped', reason: failure.message }
  return errorOutcome(failure.kind, failure.message, raw, failure.retryable)
}

function cancelled(): ModelFailure {
  return {
    kind: 'cancelled',
    retryable: false,
    retryAfterMs: null,
    status: null,
    message: 'stopped before the request started',
    latencyMs: 0,
  }
}

function fail(column: Column, message: string): Result<never> {
  const error: ErrorInfo = { code: 'invalid_input', message: `column "${column.name}": ${message}` }
  return err(error)
}
