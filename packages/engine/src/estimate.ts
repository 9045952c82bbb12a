import {
  AssayError,
  type CachedAnswer,
  type CellResult,
  type Column,
  type Connection,
  type ModelAnswer,
  type ModelFailure,
  type ModelProvider,
  type Repositories,
  type Result,
  type Row,
  type Run,
  type RunScope,
} from '@assay/core'
import { CellAccumulator } from './cell-accumulator.js'
import { type CellEnv, type CompiledColumn, compileColumns } from './compile-column.js'
import { DEFAULT_ENGINE_OPTIONS, type EngineDeps } from './engine-deps.js'
import { isRagEvaluatorId } from './judges/index.js'
import type { AnswerCache } from './model-caller.js'
import { isRunnableColumn, orderColumns } from './plan.js'
import type { ConnectionLimiter } from './scheduler/connection-limiter.js'

/*
 * Planning a run without running it (SPEC §4 "Estimate and budget"): which cells a run with a
 * given scope would execute, how many model calls they make, and how many tokens and how much
 * money that is expected to cost. The cells are chosen exactly as the run engine chooses them
 * (same row pages, same rules per mode), and each cell's prompt is rendered by the engine's own
 * compiled column with the real row values, stopped at the point where the request would be sent.
 *
 * Also here: the final counts of a run that no longer executes in this process, from storage.
 */

/**
 * Output tokens assumed for a call whose parameters set no `maxOutputTokens`: the figure the
 * engine's budget check reserves for such a call (model-caller.ts `send`).
 */
export const DEFAULT_OUTPUT_TOKENS = 256

export type EstimatedColumnKind = 'prompt' | 'api' | 'judge' | 'rag' | 'metric'

export type ColumnEstimate = {
  columnId: string
  columnName: string
  kind: EstimatedColumnKind
  connectionId: string | null
  connectionName: string | null
  model: string | null
  /** Cells of this column the run would execute. */
  cells: number
  /**
   * Model calls expected: one per cell whose prompt renders (a cell missing an input fails
   * without a call), minus those the model cache already answers. For `rag` columns this is a
   * lower bound: only the first step of each cell is counted (see `lowerBound`).
   */
  modelCalls: number
  /** Calls answered from the model cache (stored answers to the identical request): no tokens. */
  cachedCalls: number
  /** API requests (API generators): they cost no model tokens. */
  apiCalls: number
  /** Σ ceil(prompt characters / 4) over the expected model calls (the engine's approximation). */
  inputTokens: number
  /** Σ the call's `maxOutputTokens` (connection default, column override) or 256. */
  outputTokens: number
  /** From the connection's prices; null when a price is unknown and calls are expected. */
  cost: number | null
  /** True when the real number of calls can be higher (RAG metrics chain several steps). */
  lowerBound: boolean
}

export type RunEstimate = {
  evaluationId: string
  scope: RunScope
  /** Rows in the run's scope. */
  rows: number
  /** Rows with at least one cell to run. */
  rowsWithCells: number
  cells: number
  modelCalls: number
  cachedCalls: number
  apiCalls: number
  inputTokens: number
  outputTokens: number
  /** Null when some column expects calls at an unknown price. */
  cost: number | null
  lowerBound: boolean
  /** Whether the evaluation's cache is on (answers cached during the run are not foreseen). */
  cacheEnabled: boolean
  /**
   * Rows whose requests were looked up in the model cache; on the other rows the hit rate found
   * there is assumed. 0 when the cache is off.
   */
  cacheCheckedRows: number
  columns: ColumnEstimate[]
  /** How the figures were obtained, for the dialog's small print. */
  assumptions: string[]
  /** Wall time of the estimate itself. */
  tookMs: number
}

export const ESTIMATE_ASSUMPTIONS: readonly string[] = Object.freeze([
  'Input tokens are the rendered prompt (system message included) divided by 4, rounded up per call: the approximation the engine uses for budgets and rate limits.',
  `Output tokens are each call's maximum output tokens (column setting, else the connection's default), or ${DEFAULT_OUTPUT_TOKENS} when neither sets one: an upper bound for most answers.`,
  'Answers already in the model cache are counted as cached calls with no tokens. On a large evaluation the cache is looked up for a sample of the rows (the first page, then pages spread evenly; see cacheCheckedRows) and the hit rate found there is applied to the rest. Identical requests made during the run itself, and judge re-asks after an unreadable answer, cannot be foreseen.',
  'RAG metrics chain several model calls per cell whose number depends on the answers; only the first call of each cell is counted, so those columns are a lower bound.',
  'A generated column that the run fills before an evaluator reads it is assumed to be as long as its stored value, or as its maximum output tokens when it has none.',
  'Cost uses each connection’s prices per million input and output tokens; it is null when a price is unknown.',
])

/** How long the estimate may keep the event loop before letting requests in. */
const YIELD_EVERY_MS = 10

const NOT_SENT: ModelFailure = {
  kind: 'cancelled',
  retryable: false,
  retryAfterMs: null,
  status: null,
  message: 'estimate: not sent',
  latencyMs: 0,
}

/** The engine's row pages for a scope: the given rows in the given order, else import order. */
export async function* scopeRowPages(
  repos: Repositories,
  evaluationId: string,
  scope: RunScope,
  pageSize: number,
): AsyncGenerator<Row[]> {
  if (scope.rowIds) {
    for (let i = 0; i < scope.rowIds.length; i += pageSize) {
      const rows: Row[] = []
      for (const id of scope.rowIds.slice(i, i + pageSize)) {
        const row = await repos.rows.get(id)
        if (row && row.evaluationId === evaluationId) rows.push(row)
      }
      yield rows
    }
    return
  }
  let after = -1
  for (;;) {
    const rows = await repos.rows.list(evaluationId, { afterIndex: after, limit: pageSize })
    if (rows.length === 0) return
    yield rows
    after = (rows[rows.length - 1] as Row).index
  }
}

/**
 * The cells of a page a run still has to execute, by row: the engine's `planPage`. `runId` is
 * the run's own id (its stored cells are done), or null for a run not created yet.
 */
export async function planPageCells(
  repos: Repositories,
  runId: string | null,
  mode: RunScope['mode'],
  rows: readonly Row[],
  targetIds: readonly string[],
): Promise<{ todo: Map<string, string[]>; own: CellResult[] }> {
  const rowIds = rows.map((r) => r.id)
  const own = runId ? await repos.cellResults.listForRunRows(runId, rowIds) : []
  const doneHere = new Set(own.map((r) => `${r.rowId}\u0000${r.columnId}`))
  let latest = new Map<string, CellResult>()
  if (mode === 'unfinished' || mode === 'failed') {
    const found = await repos.cellResults.latestForRows(targetIds, rowIds)
    latest = new Map(
      found.filter((r) => r.runId !== runId).map((r) => [`${r.rowId}\u0000${r.columnId}`, r]),
    )
  }
  const todo = new Map<string, string[]>()
  for (const row of rows) {
    const cells: string[] = []
    for (const columnId of targetIds) {
      const key = `${row.id}\u0000${columnId}`
      if (doneHere.has(key)) continue
      const previous = latest.get(key)
      if (mode === 'unfinished' && previous) continue
      if (mode === 'failed' && previous?.status !== 'error') continue
      cells.push(columnId)
    }
    todo.set(row.id, cells)
  }
  return { todo, own }
}

/** The columns a scope fills, without checking they can run (the engine's `compileColumns` filter). */
export function scopeTargets(columns: readonly Column[], scope: RunScope): Column[] {
  const runnable = columns.filter(isRunnableColumn)
  if (scope.mode !== 'column') return runnable
  const wanted = new Set(scope.columnIds ?? [])
  return runnable.filter((c) => wanted.has(c.id))
}

/** Values every target column may read for the page's rows: the engine's `loadInputs`. */
async function loadInputs(
  repos: Repositories,
  rows: readonly Row[],
  columns: readonly Column[],
  needed: ReadonlySet<string>,
): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>()
  const data = columns
    .filter((c) => c.config.kind === 'data')
    .sort((a, b) => a.position - b.position)
  for (const row of rows) {
    const values = new Map<string, string>()
    for (const [i, column] of data.entries()) values.set(column.id, row.values[i] ?? '')
    out.set(row.id, values)
  }
  const rowIds = rows.map((r) => r.id)
  for (const column of columns) {
    if (!needed.has(column.id)) continue
    if (column.config.kind === 'manual' || column.config.kind === 'human') {
      for (const value of await repos.cellValues.listForRows(column.id, rowIds)) {
        if (value.value !== null) out.get(value.rowId)?.set(column.id, value.value)
      }
    }
  }
  const generated = columns
    .filter((c) => needed.has(c.id) && c.config.kind === 'generated')
    .map((c) => c.id)
  if (generated.length > 0) {
    for (const result of await repos.cellResults.latestForRows(generated, rowIds)) {
      if (result.status === 'done' && result.value !== null)
        out.get(result.rowId)?.set(result.columnId, String(result.value))
    }
  }
  return out
}

function kindOf(column: Column): EstimatedColumnKind {
  const config = column.config
  if (config.kind === 'generated') return config.generator.type === 'api' ? 'api' : 'prompt'
  if (config.kind !== 'evaluator') return 'metric'
  const id = config.evaluator.evaluatorId
  if (id.startsWith('metric:')) return 'metric'
  return isRagEvaluatorId(id) ? 'rag' : 'judge'
}

function priced(connection: Connection | null, input: number, output: number): number | null {
  if (input === 0 && output === 0) return 0
  const prices = connection?.prices
  if (!prices || prices.inputPerMillion === null || prices.outputPerMillion === null) return null
  return (input * prices.inputPerMillion + output * prices.outputPerMillion) / 1_000_000
}

/** One call a cell would make, as the engine would ask it. */
type PlannedCall = {
  /** The engine's own estimate of the request (what its budget check reserves). */
  estimate: number
  /** Characters of the request: system message and prompt. */
  chars: number
  outputTokens: number
  key: string | null
}

/** ceil(characters / 4): the engine's approximation of a request's input tokens. */
const tokensOfChars = (chars: number) => Math.ceil(chars / 4)

/**
 * How a column's prompt length depends on a row, measured by rendering its cell with probe
 * values: `base` characters with every input empty, plus `perChar[k]` characters per character
 * of input `k` (how often the template uses it). `required`: inputs whose absence fails the cell
 * before any call. A column whose length is not of that form (a RAG metric splitting its
 * contexts) has no formula and its cells are rendered one by one.
 */
type LengthFormula = {
  base: number
  perChar: Map<string, number>
  required: string[]
  outputTokens: number
}

/** Columns whose pages are checked against the model cache at most (the rest is extrapolated). */
const CACHE_SAMPLE_PAGES = 8

/**
 * Estimates a run of `scope` on an evaluation before it starts: the cells it would execute, the
 * model calls, tokens and cost, per column and in total. Rows are read a page at a time (the
 * engine's page size), so memory does not grow with the evaluation. Throws AssayError like
 * starting the run would: an unknown evaluation, columns that cannot run.
 *
 * Each column's cells are first rendered by the engine itself on probe rows, which gives the
 * prompt length as a function of the row's value lengths (templates are linear in them); the
 * rows are then counted with that formula, without building 100,000 prompts. When the cache is
 * on, some pages (the first, then evenly spread, {@link CACHE_SAMPLE_PAGES} at most) are
 * rendered in full and their request keys looked up in the model cache; the hit rate found
 * there is applied to the other pages.
 */
export async function estimateRun(
  deps: EngineDeps,
  input: { evaluationId: string; scope: RunScope },
  options: { now?: () => number; cacheSamplePages?: number } = {},
): Promise<RunEstimate> {
  const now = options.now ?? (() => performance.now())
  const started = now()
  const { repos } = deps
  const pageSize = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options }.pageSize
  const evaluation = await repos.evaluations.get(input.evaluationId)
  if (!evaluation) throw new AssayError('not_found', `evaluation ${input.evaluationId} not found`)
  const columns = await repos.columns.list(evaluation.id)

  // The engine's own compiled columns, with a provider that records each request instead of
  // sending it, and an HTTP caller that sends nothing.
  let calls: PlannedCall[] = []
  let pendingEstimate = 0
  let pendingKey: string | null = null
  const recorder: ModelProvider = {
    async generate(request) {
      calls.push({
        estimate: pendingEstimate,
        chars: (request.system?.length ?? 0) + request.prompt.length,
        outputTokens: request.params.maxOutputTokens ?? DEFAULT_OUTPUT_TOKENS,
        key: pendingKey,
      })
      pendingKey = null
      return { ok: false, error: NOT_SENT }
    },
  }
  const planning: EngineDeps = {
    ...deps,
    // Cache keys are only needed when the evaluation's cache is on.
    hash: evaluation.cacheEnabled ? deps.hash : () => '',
    connections: async (id) => {
      const connection = await repos.connections.get(id)
      return connection ? { connection, provider: recorder } : undefined
    },
    http: { call: async () => ({ ok: false, error: NOT_SENT }) },
  }
  const compiled = await compileColumns(evaluation, columns, input.scope, planning)
  if (!compiled.ok) throw new AssayError(compiled.error.code, compiled.error.message)
  const levels = orderColumns(
    compiled.value.map((c) => c.column),
    columns,
  )
  if (!levels.ok) throw new AssayError('invalid_input', levels.error.message)
  const byId = new Map(compiled.value.map((c) => [c.column.id, c]))
  const plan = levels.value.map((level) =>
    level.map((step) => byId.get(step.column.id) as CompiledColumn),
  )
  const targets = plan.flat()
  const targetIds = targets.map((c) => c.column.id)
  const needed = new Set(targets.flatMap((c) => c.inputs))

  /** Per column: what was counted exactly (sampled pages) and what the formula counted. */
  type Tally = {
    estimate: ColumnEstimate
    /** Calls on pages checked against the cache, cache hits among them, their non-hit tokens. */
    sampled: { calls: number; hits: number; input: number; output: number }
    /** Calls on the other pages and their tokens. */
    rest: { calls: number; input: number; output: number }
  }
  const tallies = new Map<string, Tally>()
  for (const c of targets) {
    const connection = c.connection?.connection ?? null
    tallies.set(c.column.id, {
      estimate: {
        columnId: c.column.id,
        columnName: c.column.name,
        kind: kindOf(c.column),
        connectionId: connection?.id ?? null,
        connectionName: connection?.name ?? null,
        model: connection?.model ?? null,
        cells: 0,
        modelCalls: 0,
        cachedCalls: 0,
        apiCalls: 0,
        inputTokens: 0,
        outputTokens: 0,
        cost: 0,
        lowerBound: false,
      },
      sampled: { calls: 0, hits: 0, input: 0, output: 0 },
      rest: { calls: 0, input: 0, output: 0 },
    })
  }

  /**
   * What a generated column is assumed to hold once the run has filled it, when nothing is
   * stored yet: text as long as its answer may be (4 characters a token).
   */
  const placeholders = new Map<string, string>()
  for (const c of targets) {
    const config = c.column.config
    if (config.kind !== 'generated') continue
    const params =
      config.generator.type === 'prompt'
        ? { ...c.connection?.connection.defaults, ...config.generator.params }
        : {}
    const text = 'x'.repeat(4 * (params.maxOutputTokens ?? DEFAULT_OUTPUT_TOKENS))
    placeholders.set(c.column.id, text)
    if (config.generator.type === 'api' && config.generator.contextsColumnId)
      placeholders.set(config.generator.contextsColumnId, text)
  }

  // Stand-ins for what a cell's call path touches: a limiter that never waits, a budget gate
  // that records the engine's own estimate of the request, a cache that records the key.
  const permit = { estimatedTokens: 0, release() {} }
  const limiter: ConnectionLimiter = {
    acquire: async () => permit,
    pause() {},
    state: () => ({
      inFlight: 0,
      queued: 0,
      pausedUntil: null,
      rpmAvailable: null,
      tpmAvailable: null,
    }),
  }
  const cache: AnswerCache = {
    async cached(key) {
      pendingKey = key
      return undefined
    },
    cacheAnswer() {},
  }
  const never = new AbortController().signal
  const env = (cacheEnabled: boolean): CellEnv => ({
    signal: never,
    requestSignal: never,
    inflight: new Map<string, Promise<Result<ModelAnswer, ModelFailure>>>(),
    acc: new CellAccumulator(),
    cacheEnabled,
    cache,
    limiter,
    mayStart: (estimate) => {
      pendingEstimate = estimate
      return null
    },
    onBackoff() {},
    onGeneration() {},
  })
  /** The calls one cell makes, rendered by the engine. */
  const render = async (
    c: CompiledColumn,
    row: Row,
    value: (id: string) => string | undefined,
    withKeys: boolean,
  ) => {
    calls = []
    await c.run({ row, value }, env(withKeys))
    return calls
  }

  // Each column's length formula, from probe rows; checked on a third probe and against the
  // engine's own estimate, else the column is rendered cell by cell.
  const formulas = new Map<string, LengthFormula>()
  const probeRow = { id: 'estimate-probe', evaluationId: evaluation.id, index: 0, values: [] }
  for (const c of targets) {
    if (!c.connection || kindOf(c.column) === 'rag') continue
    const probe = async (values: Record<string, string | undefined>) =>
      render(c, probeRow, (id) => (Object.hasOwn(values, id) ? values[id] : undefined), false)
    const empty = Object.fromEntries(c.inputs.map((id) => [id, '']))
    const [zero] = await probe(empty)
    if (!zero || calls.length !== 1) continue
    const formula: LengthFormula = {
      base: zero.chars,
      perChar: new Map(),
      required: [],
      outputTokens: zero.outputTokens,
    }
    let linear = tokensOfChars(zero.chars) + zero.outputTokens === zero.estimate
    let twice = zero.chars
    for (const id of c.inputs) {
      const [one] = await probe({ ...empty, [id]: 'xyz' })
      if (!one) {
        linear = false
        break
      }
      const per = (one.chars - zero.chars) / 3
      if (!Number.isInteger(per)) linear = false
      if (per !== 0) formula.perChar.set(id, per)
      twice += per * 5
      if ((await probe({ ...empty, [id]: undefined })).length === 0) formula.required.push(id)
    }
    const [all] = await probe(Object.fromEntries(c.inputs.map((id) => [id, 'abcde'])))
    if (linear && all?.chars === twice) formulas.set(c.column.id, formula)
  }

  // Pages checked against the model cache: the first, then evenly spread.
  let totalRows = input.scope.rowIds?.length ?? (await repos.rows.count(evaluation.id))
  const pages = Math.max(1, Math.ceil(totalRows / pageSize))
  const samplePages = options.cacheSamplePages ?? CACHE_SAMPLE_PAGES
  const sampleEvery = Math.max(1, Math.ceil(pages / Math.max(1, samplePages)))
  let cacheCheckedRows = 0

  let rows = 0
  let rowsWithCells = 0
  let pageIndex = 0
  let lastYield = now()
  for await (const page of scopeRowPages(repos, evaluation.id, input.scope, pageSize)) {
    const checkCache = evaluation.cacheEnabled && pageIndex % sampleEvery === 0
    pageIndex++
    rows += page.length
    if (checkCache) cacheCheckedRows += page.length
    const { todo } = await planPageCells(repos, null, input.scope.mode, page, targetIds)
    const inputs = await loadInputs(repos, page, columns, needed)
    const keyed: { tally: Tally; call: PlannedCall }[] = []
    for (const row of page) {
      const cells = todo.get(row.id)
      if (!cells || cells.length === 0) continue
      rowsWithCells++
      const values = inputs.get(row.id) ?? new Map<string, string>()
      for (const level of plan) {
        for (const c of level) {
          if (!cells.includes(c.column.id)) continue
          const tally = tallies.get(c.column.id) as Tally
          tally.estimate.cells++
          if (tally.estimate.kind === 'api') tally.estimate.apiCalls++
          const formula = formulas.get(c.column.id)
          if (c.connection && formula && !checkCache) {
            if (formula.required.every((id) => values.has(id))) {
              let chars = formula.base
              for (const [id, per] of formula.perChar) chars += per * (values.get(id)?.length ?? 0)
              tally.rest.calls++
              tally.rest.input += tokensOfChars(chars)
              tally.rest.output += formula.outputTokens
            }
          } else if (c.connection) {
            const made = await render(c, row, (id) => values.get(id), checkCache)
            if (tally.estimate.kind === 'rag') tally.estimate.lowerBound = true
            for (const call of made) {
              if (checkCache) keyed.push({ tally, call })
              else {
                tally.rest.calls++
                tally.rest.input += call.estimate - call.outputTokens
                tally.rest.output += call.outputTokens
              }
            }
          }
          // What the next level reads: the value this cell is about to produce.
          const config = c.column.config
          if (config.kind === 'generated') {
            const placeholder = placeholders.get(c.column.id) ?? ''
            if (!values.has(c.column.id)) values.set(c.column.id, placeholder)
            const contexts =
              config.generator.type === 'api' ? config.generator.contextsColumnId : undefined
            if (contexts && !values.has(contexts)) values.set(contexts, placeholder)
          }
        }
      }
      if (now() - lastYield > YIELD_EVERY_MS) {
        // SQLite answers synchronously: let HTTP requests and timers in.
        await new Promise<void>((resume) => setImmediate(resume))
        lastYield = now()
      }
    }
    if (keyed.length > 0) {
      const keys = [...new Set(keyed.flatMap(({ call }) => (call.key ? [call.key] : [])))]
      const hits: Map<string, CachedAnswer> =
        keys.length > 0 ? await repos.modelCache.getMany(keys) : new Map()
      for (const { tally, call } of keyed) {
        tally.sampled.calls++
        if (call.key && hits.has(call.key)) {
          tally.sampled.hits++
          continue
        }
        tally.sampled.input += call.estimate - call.outputTokens
        tally.sampled.output += call.outputTokens
      }
    }
  }
  totalRows = rows

  const out: ColumnEstimate[] = []
  for (const c of targets) {
    const { estimate, sampled, rest } = tallies.get(c.column.id) as Tally
    // The hit rate found on the checked pages, applied to the others.
    const missRate = sampled.calls > 0 ? 1 - sampled.hits / sampled.calls : 1
    const restCached = rest.calls - Math.round(rest.calls * missRate)
    estimate.cachedCalls = sampled.hits + restCached
    estimate.modelCalls = sampled.calls - sampled.hits + (rest.calls - restCached)
    estimate.inputTokens = sampled.input + Math.round(rest.input * missRate)
    estimate.outputTokens = sampled.output + Math.round(rest.output * missRate)
    estimate.cost = priced(
      c.connection?.connection ?? null,
      estimate.inputTokens,
      estimate.outputTokens,
    )
    out.push(estimate)
  }
  const sum = (pick: (c: ColumnEstimate) => number) => out.reduce((n, c) => n + pick(c), 0)
  const costs = out.map((c) => c.cost)
  return {
    evaluationId: evaluation.id,
    scope: input.scope,
    rows: totalRows,
    rowsWithCells,
    cells: sum((c) => c.cells),
    modelCalls: sum((c) => c.modelCalls),
    cachedCalls: sum((c) => c.cachedCalls),
    apiCalls: sum((c) => c.apiCalls),
    inputTokens: sum((c) => c.inputTokens),
    outputTokens: sum((c) => c.outputTokens),
    cost: costs.includes(null) ? null : costs.reduce<number>((n, c) => n + (c ?? 0), 0),
    lowerBound: out.some((c) => c.lowerBound),
    cacheEnabled: evaluation.cacheEnabled,
    cacheCheckedRows,
    columns: out,
    assumptions: [...ESTIMATE_ASSUMPTIONS],
    tookMs: Math.round(now() - started),
  }
}

/** Cell counts of a run in the shape of live progress (`CellCounts`). */
export type StoredRunCounts = {
  rows: { total: number; processed: number }
  cells: {
    total: number
    done: number
    error: number
    cached: number
    stopped: number
    pending: number
  }
  /** Stored cells that used tokens (a cell's re-asks and RAG steps count once). */
  generations: number
}

/**
 * The counts of a run from storage, for a run not executing in this process: its stored cells
 * (done, error, cached) plus the cells it would still run if resumed, planned as the engine
 * plans a resumed run. Those are `stopped` for a stopped run and `pending` otherwise, as in the
 * engine's last progress event. `rows.processed` counts rows with nothing left to run.
 *
 * A completed or failed run is counted over the columns that existed when it ended.
 *
 * The stored cells are counted by storage (`countsForRun`, one aggregate query). For the modes
 * that run every cell of their scope (all, column, rows) what is left follows from those counts;
 * for `unfinished` and `failed` it depends on other runs' results, so the rows are planned page
 * by page.
 */
export async function storedRunCounts(
  repos: Repositories,
  run: Run,
  options: { pageSize?: number } = {},
): Promise<StoredRunCounts> {
  const pageSize = options.pageSize ?? DEFAULT_ENGINE_OPTIONS.pageSize
  // A run that ended is counted over the columns it had: one added since is not its pending
  // work. A stopped run is counted over what a resume would run, today's columns.
  const endedAt =
    (run.status === 'completed' || run.status === 'failed') && run.finishedAt
      ? Date.parse(run.finishedAt)
      : null
  const columns = (await repos.columns.list(run.evaluationId)).filter(
    (column) => endedAt === null || Date.parse(column.createdAt) <= endedAt,
  )
  const targetIds = scopeTargets(columns, run.scope).map((c) => c.id)
  const out: StoredRunCounts = {
    rows: { total: 0, processed: 0 },
    cells: { total: 0, done: 0, error: 0, cached: 0, stopped: 0, pending: 0 },
    generations: 0,
  }
  // Only the run's own cells count (not the contexts a RAG endpoint stored beside its answer).
  // Counted by storage in one aggregate: no result is read.
  const stored = await repos.cellResults.countsForRun(run.id, { columnIds: targetIds })
  out.cells.done = stored.byStatus.done
  out.cells.error = stored.byStatus.error
  out.cells.cached = stored.cached
  out.generations = stored.generations
  let remaining = 0
  const mode = run.scope.mode
  if (mode === 'unfinished' || mode === 'failed') {
    let lastYield = performance.now()
    for await (const page of scopeRowPages(repos, run.evaluationId, run.scope, pageSize)) {
      out.rows.total += page.length
      const { todo } = await planPageCells(repos, run.id, mode, page, targetIds)
      for (const cells of todo.values()) {
        remaining += cells.length
        if (cells.length === 0) out.rows.processed++
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((resume) => setImmediate(resume))
        lastYield = performance.now()
      }
    }
  } else {
    out.rows.total = run.scope.rowIds
      ? new Set(run.scope.rowIds).size
      : await repos.rows.count(run.evaluationId)
    remaining = Math.max(0, out.rows.total * targetIds.length - (out.cells.done + out.cells.error))
    out.rows.processed = stored.finishedRows
  }
  out.cells.total = out.cells.done + out.cells.error + remaining
  if (run.status === 'stopped') out.cells.stopped = remaining
  else out.cells.pending = remaining
  return out
}
