import {
  AssayError,
  type Column,
  type ColumnConfig,
  type Connection,
  type ConnectionInput,
  type Evaluator,
  type EvaluatorColumnConfig,
  isMetricId,
  METRICS,
  mappingByName,
  parseThreshold,
  type Repositories,
  type Scale,
  type Threshold,
  validateThreshold,
} from '@assay/core'
import { getSystemEvaluator } from '@assay/engine'
import type { EvaluationFile, YamlColumn, YamlEvaluator } from './config-schema.js'
import { parseCurl } from './parse-curl.js'

export type AppliedEvaluation = {
  projectId: string
  evaluationId: string
  /** Evaluator columns by their YAML name, with what the summary and gates need. */
  evaluators: { name: string; columnId: string; scale: Scale; compareWithColumnId: string | null }[]
}

/**
 * Makes the database match an evaluation file: the project, the evaluation, its connections
 * (matched by name, API keys sealed), its generator/manual/human columns and its evaluator
 * columns (matched by name; a changed configuration is updated in place). Every step is an
 * upsert by name, so applying the same file twice changes nothing, and after a refusal (which
 * names the part of the file at fault) applying the fixed file completes what was begun.
 */
export async function applyEvaluationFile(
  repos: Repositories,
  file: EvaluationFile,
  target: { projectId: string; evaluationId: string },
): Promise<AppliedEvaluation> {
  const { projectId, evaluationId } = target
  // Connections first: columns refer to them by id.
  const connectionIds = new Map<string, Connection>()
  for (const [name, settings] of Object.entries(file.connections)) {
    const input: ConnectionInput = {
      name,
      projectId,
      provider: settings.provider,
      baseUrl: settings.baseURL ?? null,
      model: settings.model,
      apiKey: settings.apiKey ?? null,
      defaults: {
        temperature: settings.temperature,
        maxOutputTokens: settings.maxOutputTokens,
        topP: settings.topP,
      },
      limits: {
        concurrency: settings.concurrency,
        requestsPerMinute: settings.requestsPerMinute ?? null,
        tokensPerMinute: settings.tokensPerMinute ?? null,
      },
      prices: {
        inputPerMillion: settings.prices?.input ?? null,
        outputPerMillion: settings.prices?.output ?? null,
      },
      structuredOutput:
        settings.structuredOutput ??
        (settings.provider === 'openai-compatible' ? 'json' : 'json-schema'),
    }
    const existing = await repos.connections.getByName(projectId, name)
    connectionIds.set(
      name,
      existing
        ? await repos.connections.update(existing.id, input)
        : await repos.connections.create(input),
    )
  }
  const connectionId = (name: string | undefined, where: string): string => {
    if (name === undefined) throw new AssayError('invalid_input', `${where}: needs a connection`)
    const connection = connectionIds.get(name)
    if (!connection) {
      const known = [...connectionIds.keys()].join(', ') || 'none defined'
      throw new AssayError(
        'invalid_input',
        `${where}: unknown connection "${name}" (connections: ${known})`,
      )
    }
    return connection.id
  }

  const upsert = async (name: string, config: ColumnConfig): Promise<Column> => {
    const columns = await repos.columns.list(evaluationId)
    const existing = columns.find((c) => c.name === name)
    if (!existing) return repos.columns.add({ evaluationId, name, config })
    if (existing.config.kind !== config.kind) {
      throw new AssayError(
        'conflict',
        `column "${name}" already exists as a ${existing.config.kind} column`,
      )
    }
    return JSON.stringify(existing.config) === JSON.stringify(config)
      ? existing
      : repos.columns.updateConfig(existing.id, config)
  }

  for (const column of file.columns)
    await upsert(column.name, await columnConfig(column, connectionId, repos, evaluationId))
  // A RAG endpoint's contexts column is created with (and filled by) its generator.
  for (const column of file.columns) {
    if (column.type !== 'api' || !column.contextsColumn) continue
    const source = (await repos.columns.list(evaluationId)).find(
      (c) => c.name === column.name,
    ) as Column
    const contexts = await upsert(column.contextsColumn, {
      kind: 'generated',
      generator: { type: 'rag-contexts', sourceColumnId: source.id },
    })
    if (source.config.kind === 'generated' && source.config.generator.type === 'api') {
      await repos.columns.updateConfig(source.id, {
        kind: 'generated',
        generator: { ...source.config.generator, contextsColumnId: contexts.id },
      })
    }
  }

  const evaluators: AppliedEvaluation['evaluators'] = []
  for (const spec of file.evaluators) {
    const where = `evaluator "${spec.name}"`
    const columns = await repos.columns.list(evaluationId)
    const definition = await resolveEvaluator(spec, repos, projectId, where)
    const mapping = mappingByName(spec.map, columns)
    if (!mapping.ok) throw new AssayError('invalid_input', `${where}: ${mapping.error.message}`)
    let compareWithColumnId: string | null = null
    if (spec.compareWith !== undefined) {
      const label = columns.find((c) => c.name === spec.compareWith)
      if (!label)
        throw new AssayError(
          'invalid_input',
          `${where}: compareWith names no column: "${spec.compareWith}"`,
        )
      compareWithColumnId = label.id
    }
    const threshold = thresholdFor(spec, definition, where)
    const needsConnection = definition.kind === 'llm'
    const config: EvaluatorColumnConfig = {
      evaluatorId: definition.id,
      connectionId: needsConnection ? connectionId(spec.connection, where) : null,
      params: {
        temperature: spec.temperature,
        maxOutputTokens: spec.maxOutputTokens,
        topP: spec.topP,
      },
      mapping: mapping.value,
      threshold,
      options: spec.options ?? {},
      compareWithColumnId,
    }
    const column = await upsert(spec.name, { kind: 'evaluator', evaluator: config })
    evaluators.push({
      name: spec.name,
      columnId: column.id,
      scale: definition.scale,
      compareWithColumnId,
    })
  }
  for (const gated of Object.keys(file.gate)) {
    if (!evaluators.some((e) => e.name === gated)) {
      throw new AssayError('invalid_input', `gate: "${gated}" is not an evaluator of this file`)
    }
  }
  await repos.evaluations.setCacheEnabled(evaluationId, file.cache)
  return { projectId, evaluationId, evaluators }
}

async function columnConfig(
  column: YamlColumn,
  connectionId: (name: string | undefined, where: string) => string,
  repos: Repositories,
  evaluationId: string,
): Promise<ColumnConfig> {
  const where = `column "${column.name}"`
  switch (column.type) {
    case 'prompt':
      return {
        kind: 'generated',
        generator: {
          type: 'prompt',
          connectionId: connectionId(column.connection, where),
          prompt: column.prompt,
          params: {
            temperature: column.temperature,
            maxOutputTokens: column.maxOutputTokens,
            topP: column.topP,
          },
        },
      }
    case 'api': {
      const fromCurl = column.curl ? parseCurl(column.curl) : undefined
      const headers =
        column.headers === undefined
          ? (fromCurl?.headers ?? [])
          : Array.isArray(column.headers)
            ? column.headers
            : Object.entries(column.headers).map(([name, value]) => ({ name, value }))
      const existing = (await repos.columns.list(evaluationId)).find((c) => c.name === column.name)
      const previousContexts =
        existing?.config.kind === 'generated' && existing.config.generator.type === 'api'
          ? existing.config.generator.contextsColumnId
          : undefined
      return {
        kind: 'generated',
        generator: {
          type: 'api',
          method: column.method ?? fromCurl?.method ?? 'POST',
          url: column.url ?? (fromCurl?.url as string),
          headers,
          body: column.body ?? fromCurl?.body ?? '',
          outputPath: column.outputPath,
          contextsPath: column.contextsPath,
          contextsColumnId: previousContexts,
          timeoutMs: column.timeoutMs ?? 60_000,
        },
      }
    }
    case 'manual':
      return { kind: 'manual', valueType: column.valueType ?? 'text' }
    case 'human':
      return { kind: 'human', feedback: column.feedback }
  }
}

async function resolveEvaluator(
  spec: YamlEvaluator,
  repos: Repositories,
  projectId: string,
  where: string,
): Promise<Evaluator> {
  if (spec.use === 'custom') {
    if (!spec.prompt)
      throw new AssayError('invalid_input', `${where}: a custom evaluator needs a prompt`)
    const output = spec.output ?? 'score'
    const scale: Scale =
      output === 'boolean'
        ? { kind: 'boolean' }
        : { kind: 'score', min: 1, max: spec.maxScore ?? 5 }
    const { extractVariables } = await import('@assay/core')
    const variables = extractVariables(spec.prompt)
    if (!variables.ok) throw new AssayError('invalid_input', `${where}: ${variables.error.message}`)
    const fields = {
      kind: 'llm' as const,
      category: spec.category ?? ('quality' as const),
      projectId,
      name: spec.name,
      description: spec.description ?? '',
      prompt: spec.prompt,
      variables: variables.value,
      scale,
      polarity: 'positive' as const,
    }
    const existing = (await repos.evaluators.list(projectId)).find(
      (e) => e.scope === 'custom' && e.projectId === projectId && e.name === spec.name,
    )
    return existing
      ? repos.evaluators.update(existing.id, fields)
      : repos.evaluators.create({ ...fields, scope: 'custom' })
  }
  const metricId = spec.use.startsWith('metric:') ? spec.use.slice(7) : spec.use
  const system =
    getSystemEvaluator(spec.use) ??
    (isMetricId(metricId) ? getSystemEvaluator(`metric:${metricId}`) : undefined)
  if (system) return system
  if (isMetricId(metricId)) {
    const metric = METRICS[metricId]
    return {
      id: `metric:${metricId}`,
      kind: 'metric',
      category: 'quality',
      scope: 'system',
      projectId: null,
      name: metric.name,
      description: metric.description,
      prompt: null,
      variables: [...metric.variables],
      scale: metric.scale === 'boolean' ? { kind: 'boolean' } : { kind: 'score', min: 0, max: 1 },
      polarity: 'positive',
      createdAt: null,
    }
  }
  throw new AssayError(
    'invalid_input',
    `${where}: unknown evaluator "${spec.use}" (a system evaluator id, a metric id, or custom)`,
  )
}

function thresholdFor(spec: YamlEvaluator, evaluator: Evaluator, where: string): Threshold | null {
  if (evaluator.scale.kind === 'boolean') {
    if (spec.threshold !== undefined)
      throw new AssayError(
        'invalid_input',
        `${where}: a boolean evaluator takes no threshold (1 passes, 0 fails)`,
      )
    return null
  }
  let threshold: Threshold | null = null
  if (spec.threshold === undefined) {
    const proposed = (evaluator as { defaultThreshold?: Threshold | null }).defaultThreshold
    const { min, max } = evaluator.scale
    threshold = proposed ?? {
      op: evaluator.polarity === 'negative' ? '<' : '>',
      value: (min + max) / 2,
    }
  } else if (typeof spec.threshold === 'number') {
    threshold = { op: evaluator.polarity === 'negative' ? '<' : '>', value: spec.threshold }
  } else {
    const parsed = parseThreshold(spec.threshold)
    if (!parsed.ok)
      throw new AssayError('invalid_input', `${where}: threshold: ${parsed.error.message}`)
    threshold = parsed.value
  }
  const valid = validateThreshold(threshold, evaluator.scale)
  if (!valid.ok)
    throw new AssayError('invalid_input', `${where}: threshold: ${valid.error.message}`)
  return valid.value
}
