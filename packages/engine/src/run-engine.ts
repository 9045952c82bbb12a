import {
  AssayError,
  type CellResult,
  type Column,
  type Evaluation,
  liveElapsedMs,
  type ModelAnswer,
  type ModelFailure,
  type Result,
  type Row,
  type Run,
  type RunScope,
  type RunEvent as RunStateEvent,
  transitionRun,
} from '@assay/core'
import { addCost, CellAccumulator } from './cell-accumulator.js'
import type { CellOutcome } from './cell-outcome.js'
import { type CompiledColumn, compileColumns } from './compile-column.js'
import { DEFAULT_ENGINE_OPTIONS, type EngineDeps, type EngineOptions } from './engine-deps.js'
import type { BackoffState, CellCounts, RunEvent, RunEventListener, RunProgress } from './events.js'
import { orderColumns } from './plan.js'
import { ResultWriter } from './result-writer.js'
import { RunControl } from './run-registry.js'
import { type ConnectionLimiter, createConnectionLimiter } from './scheduler/connection-limiter.js'
import { runPool } from './scheduler/task-pool.js'

export type TestCellOutcome = {
  rowId: string
  outcome: CellOutcome
  tokens: { input: number; output: number }
  cost: number | null
  attempts: number
  latencyMs: number
}

export type StartRunInput = {
  evaluationId: string
  scope: RunScope
  startedBy: string | null
  budget?: Run['budget']
}

export type RunEngine = {
  /** Checks the evaluation's columns can run, then creates a queued run. */
  createRun(input: StartRunInput): Promise<Run>
  /** Executes a queued run until it completes, is stopped or fails; resolves with the final run. */
  execute(runId: string): Promise<Run>
  /** A confirmed stop: no request starts after this resolves; in-flight ones are aborted. */
  stop(runId: string, reason?: string): Promise<Run>
  stopColumn(runId: string, columnId: string): void
  stopCell(runId: string, rowId: string, columnId: string): void
  /** Requeues a stopped or failed run; `execute` then runs only its unfinished cells. */
  resume(runId: string): Promise<Run>
  /**
   * Requeues runs a dead process left running (and marks ones left stopping as stopped). A run
   * whose last heartbeat is newer than `staleAfterMs` belongs to a live process and is left alone.
   */
  recover(options?: { staleAfterMs?: number; runIds?: readonly string[] }): Promise<Run[]>
  /**
   * One column on chosen rows, nothing stored: what a *Test* button shows. With `draft`, that
   * configuration is tested instead of the stored column (`columnId` is the draft's id).
   */
  testColumn(input: {
    evaluationId: string
    columnId: string
    rowIds: readonly string[]
    draft?: Column
    /** Aborted when the caller goes away (the browser closed the dialog): calls stop. */
    signal?: AbortSignal
  }): Promise<TestCellOutcome[]>
  /** Live progress of a run executing in this process, or undefined. */
  progress(runId: string): RunProgress | undefined
  isActive(runId: string): boolean
  subscribe(listener: RunEventListener): () => void
}

type ActiveRun = {
  control: RunControl
  run: Run
  progress: RunProgress
  segmentStartedMs: number
  lastProgressAt: number
  connectionNames: Map<string, string>
  /**
   * Budget held by requests started and not answered yet (their estimates), so that a budget
   * holds with several requests in flight.
   */
  /** Settles once a stop requested for this run has been stored. */
  stopStored: Promise<void> | undefined
  reserved: { tokens: number; cost: number }
}

/** How long a run may keep the event loop before letting signals, timers and answers in. */
const YIELD_EVERY_MS = 10

/** The run engine: plans cells row by row, runs them under each connection's limits, stores each result once. */
export function createRunEngine(deps: EngineDeps): RunEngine {
  const options: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options }
  const { repos, clock } = deps
  const listeners = new Set<RunEventListener>()
  const active = new Map<string, ActiveRun>()
  const limiters = new Map<string, ConnectionLimiter>()
  const inflight = new Map<string, Promise<Result<ModelAnswer, ModelFailure>>>()
  // Results and cached answers of every run here, written in batches (group commit).
  const writer = new ResultWriter(repos, deps.writer)

  const emit = (event: RunEvent) => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // A presenter's bug must not stop a run.
      }
    }
  }

  function limiterFor(
    connectionId: string,
    limits: {
      concurrency: number
      requestsPerMinute: number | null
      tokensPerMinute: number | null
    },
  ): ConnectionLimiter {
    let limiter = limiters.get(connectionId)
    if (!limiter) {
      limiter = createConnectionLimiter(limits, { clock })
      limiters.set(connectionId, limiter)
    }
    return limiter
  }

  async function transition(run: Run, event: RunStateEvent): Promise<Run> {
    const next = transitionRun(run, event)
    if (!next.ok) throw new AssayError('invalid_state', next.error.message)
    const stored = await repos.runs.update(next.value, run.status)
    if (!stored) {
      const current = await repos.runs.get(run.id)
      throw new AssayError(
        'invalid_state',
        `run ${run.id} changed meanwhile (now ${current?.status ?? 'gone'})`,
      )
    }
    emit({ type: 'status', run: stored })
    return stored
  }

  async function prepare(evaluationId: string, scope: RunScope, draft?: Column) {
    const evaluation = await repos.evaluations.get(evaluationId)
    if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} not found`)
    const stored = await repos.columns.list(evaluationId)
    // A draft (a column being configured, not saved yet) replaces its stored version, if any.
    const columns = draft ? [...stored.filter((c) => c.id !== draft.id), draft] : stored
    const compiled = await compileColumns(evaluation, columns, scope, deps)
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
    return { evaluation, columns, plan, compiled: compiled.value }
  }

  async function createRun(input: StartRunInput): Promise<Run> {
    await prepare(input.evaluationId, input.scope)
    return repos.runs.create({
      evaluationId: input.evaluationId,
      status: 'queued',
      scope: input.scope,
      startedBy: input.startedBy,
      createdAt: clock.isoNow(),
      segmentStartedAt: null,
      elapsedMs: 0,
      segments: 0,
      finishedAt: null,
      tokensIn: 0,
      tokensOut: 0,
      cost: 0,
      budget: input.budget ?? null,
      stopReason: null,
    })
  }

  /** Which of a page's cells this run still has to execute, given what is stored already. */
  async function planPage(
    run: Run,
    rows: readonly Row[],
    plan: CompiledColumn[][],
    counts: CellCounts,
  ) {
    const rowIds = rows.map((r) => r.id)
    const targets = plan.flat()
    const mine = await repos.cellResults.listForRunRows(run.id, rowIds)
    const doneHere = new Set(mine.map((r) => `${r.rowId}\u0000${r.columnId}`))
    const targetIds = new Set(targets.map((c) => c.column.id))
    for (const result of mine) {
      // Only the run's own cells count (not the contexts a RAG endpoint stored beside its answer).
      if (!targetIds.has(result.columnId)) continue
      if (result.status === 'done') {
        counts.done++
        if (result.cached) counts.cached++
      } else if (result.status === 'error') counts.error++
    }
    const mode = run.scope.mode
    let latest = new Map<string, CellResult>()
    if (mode === 'unfinished' || mode === 'failed') {
      const found = await repos.cellResults.latestForRows(
        targets.map((c) => c.column.id),
        rowIds,
      )
      latest = new Map(
        found.filter((r) => r.runId !== run.id).map((r) => [`${r.rowId}\u0000${r.columnId}`, r]),
      )
    }
    const todo = new Map<string, Set<string>>()
    for (const row of rows) {
      const cells = new Set<string>()
      for (const compiled of targets) {
        const key = `${row.id}\u0000${compiled.column.id}`
        if (doneHere.has(key)) continue
        const previous = latest.get(key)
        if (mode === 'unfinished' && previous) continue
        if (mode === 'failed' && previous?.status !== 'error') continue
        cells.add(compiled.column.id)
      }
      todo.set(row.id, cells)
    }
    return { todo, results: mine }
  }

  async function* rowPages(run: Run, evaluation: Evaluation): AsyncGenerator<Row[]> {
    if (run.scope.rowIds) {
      for (let i = 0; i < run.scope.rowIds.length; i += options.pageSize) {
        const rows: Row[] = []
        for (const id of run.scope.rowIds.slice(i, i + options.pageSize)) {
          const row = await repos.rows.get(id)
          if (row && row.evaluationId === evaluation.id) rows.push(row)
        }
        yield rows
      }
      return
    }
    let after = -1
    for (;;) {
      const rows = await repos.rows.list(evaluation.id, {
        afterIndex: after,
        limit: options.pageSize,
      })
      if (rows.length === 0) return
      yield rows
      after = (rows[rows.length - 1] as Row).index
    }
  }

  async function execute(runId: string): Promise<Run> {
    let run = await repos.runs.get(runId)
    if (!run) throw new AssayError('not_found', `run ${runId} not found`)
    if (active.has(runId))
      throw new AssayError('invalid_state', `run ${runId} is already executing`)
    const prepared = await prepare(run.evaluationId, run.scope).catch(async (error: unknown) => {
      if (run?.status === 'queued') {
        run = await transition(run, { type: 'start', at: clock.now(), atIso: clock.isoNow() })
        await transition(run, {
          type: 'fail',
          at: clock.now(),
          atIso: clock.isoNow(),
          reason: String((error as Error).message),
        })
      }
      throw error
    })
    const { evaluation, plan, columns } = prepared
    run = await transition(run, { type: 'start', at: clock.now(), atIso: clock.isoNow() })
    const control = new RunControl()
    const counts: CellCounts = { total: 0, done: 0, error: 0, cached: 0, stopped: 0, pending: 0 }
    const state: ActiveRun = {
      control,
      run,
      progress: {
        runId,
        status: 'running',
        rows: { total: 0, processed: 0 },
        cells: counts,
        generations: 0,
        tokens: { input: run.tokensIn, output: run.tokensOut },
        cost: run.cost,
        elapsedMs: run.elapsedMs,
        cellsPerSecond: 0,
        backoff: [],
      },
      segmentStartedMs: clock.now(),
      lastProgressAt: 0,
      connectionNames: new Map(),
      reserved: { tokens: 0, cost: 0 },
      stopStored: undefined,
    }
    active.set(runId, state)
    for (const compiled of prepared.compiled) {
      if (compiled.connection)
        state.connectionNames.set(
          compiled.connection.connection.id,
          compiled.connection.connection.name,
        )
    }
    const heartbeat = (async () => {
      while (!control.signal.aborted && active.get(runId) === state) {
        await repos.runs.heartbeat(runId, clock.isoNow()).catch(() => {})
        await clock.sleep(options.heartbeatMs, control.signal).catch(() => {})
      }
    })()

    try {
      // Pass 1: count the cells to run, so progress has a true total from the start.
      let totalRows = 0
      for await (const rows of rowPages(run, evaluation)) {
        const probe: CellCounts = { total: 0, done: 0, error: 0, cached: 0, stopped: 0, pending: 0 }
        const { todo } = await planPage(run, rows, plan, probe)
        totalRows += rows.length
        for (const cells of todo.values()) counts.total += cells.size
        counts.total += probe.done + probe.error
        // SQLite answers synchronously: without this, counting a large run would hold the
        // event loop (HTTP requests, signals) until every page was read.
        await new Promise<void>((resume) => setImmediate(resume))
      }
      state.progress.rows.total = totalRows
      counts.pending = counts.total
      emitProgress(state, true)

      const connectionConcurrency = prepared.compiled.reduce(
        (sum, c) => sum + (c.connection?.connection.limits.concurrency ?? 0),
        0,
      )
      // Rows in flight: enough that every connection slot has a cell waiting for it while
      // other rows are being planned, written (group commit) or read from the cache.
      const concurrency = Math.min(1024, Math.max(8, connectionConcurrency * 4))

      // Pass 2: execute, row by row, at most `concurrency` rows in flight.
      const rowTasks = async function* () {
        for await (const rows of rowPages(run as Run, evaluation)) {
          if (control.signal.aborted) return
          const { todo, results } = await planPage(run as Run, rows, plan, counts)
          counts.pending = Math.max(0, counts.total - counts.done - counts.error - counts.stopped)
          const known = new Map<string, Map<string, string>>()
          for (const result of results) {
            if (result.status === 'done' && result.value !== null) {
              let values = known.get(result.rowId)
              if (!values) {
                values = new Map()
                known.set(result.rowId, values)
              }
              values.set(result.columnId, String(result.value))
            }
          }
          const inputs = await loadInputs(rows, columns, plan)
          for (const row of rows) {
            const values = inputs.get(row.id) ?? new Map<string, string>()
            for (const [columnId, value] of known.get(row.id) ?? []) values.set(columnId, value)
            yield { row, cells: todo.get(row.id) ?? new Set<string>(), values }
          }
        }
      }
      let lastYield = performance.now()
      await runPool(
        rowTasks(),
        async (task) => {
          await runRow(state, task.row, task.cells, task.values, plan, evaluation)
          state.progress.rows.processed++
          emitProgress(state, false)
          // Storage calls are synchronous behind promises (SQLite) and metrics need no I/O, so a
          // run could hold the event loop for seconds: signals (Ctrl+C), timers (heartbeat, the
          // stop's drain) and answers would wait. Give the loop a turn every few milliseconds.
          if (performance.now() - lastYield > YIELD_EVERY_MS) {
            await new Promise<void>((resume) => setImmediate(resume))
            lastYield = performance.now()
          }
        },
        { concurrency, signal: control.signal },
      )

      // Every cell awaited its batch already; this writes what is left (cached answers).
      await writer.flush()
      // A stop closes the gate before its state change is stored: wait for that write.
      await state.stopStored
      run = (await repos.runs.get(runId)) as Run
      if (run.status === 'stopping') {
        run = await transition(run, { type: 'stopped', at: clock.now(), atIso: clock.isoNow() })
      } else if (run.status === 'running') {
        run = await transition(run, { type: 'complete', at: clock.now(), atIso: clock.isoNow() })
      }
    } catch (error) {
      const current = (await repos.runs.get(runId)) as Run
      if (current.status === 'running' || current.status === 'stopping') {
        run = await transition(current, {
          type: 'fail',
          at: clock.now(),
          atIso: clock.isoNow(),
          reason: (error as Error).message,
        })
      }
      throw error
    } finally {
      active.delete(runId)
      control.stop('run ended')
      await heartbeat
      state.run = run
      state.progress.status = run.status
      state.progress.elapsedMs = run.elapsedMs
      counts.pending = Math.max(0, counts.total - counts.done - counts.error - counts.stopped)
      if (run.status === 'stopped') {
        counts.stopped += counts.pending
        counts.pending = 0
      }
      emitProgress(state, true)
    }
    return run
  }

  /** Values every target column may read for the page's rows: data, manual/human edits, latest generated values. */
  async function loadInputs(
    rows: readonly Row[],
    columns: readonly Column[],
    plan: CompiledColumn[][],
  ) {
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
    const needed = new Set(plan.flat().flatMap((c) => c.inputs))
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

  async function runRow(
    state: ActiveRun,
    row: Row,
    cells: Set<string>,
    values: Map<string, string>,
    plan: CompiledColumn[][],
    evaluation: Evaluation,
  ): Promise<void> {
    if (cells.size === 0) return
    for (const level of plan) {
      await Promise.all(
        level.map(async (compiled) => {
          const columnId = compiled.column.id
          if (!cells.has(columnId)) return
          if (state.control.isCellStopped(row.id, columnId)) {
            state.progress.cells.stopped++
            return
          }
          const signals = state.control.cellSignals(row.id, columnId)
          const acc = new CellAccumulator()
          // This cell's budget reservations, one per request started and not answered yet.
          const held: { tokens: number; cost: number }[] = []
          const releaseOne = () => {
            const one = held.shift()
            if (!one) return
            state.reserved.tokens -= one.tokens
            state.reserved.cost -= one.cost
          }
          let outcome: CellOutcome
          try {
            outcome = await compiled.run(
              { row, value: (id) => values.get(id) },
              {
                signal: signals.gate,
                requestSignal: signals.requests,
                inflight,
                acc,
                cacheEnabled: evaluation.cacheEnabled,
                cache: writer,
                limiter: compiled.connection
                  ? limiterFor(
                      compiled.connection.connection.id,
                      compiled.connection.connection.limits,
                    )
                  : null,
                mayStart: (estimate) => {
                  const refused = checkBudget(state, estimate, compiled)
                  if (refused === null) {
                    const one = { tokens: estimate, cost: estimateCost(estimate, compiled) }
                    held.push(one)
                    state.reserved.tokens += one.tokens
                    state.reserved.cost += one.cost
                  }
                  return refused
                },
                onBackoff: (info) => {
                  // The attempt failed without an answer: its reservation is free again.
                  releaseOne()
                  emit({
                    type: 'backoff',
                    runId: state.run.id,
                    connectionId: compiled.connection?.connection.id ?? '',
                    attempt: info.attempt,
                    delayMs: info.delayMs,
                    reason: info.failure.message,
                  })
                },
                onGeneration: (usage) => {
                  releaseOne()
                  state.progress.generations++
                  state.progress.tokens.input += usage.inputTokens
                  state.progress.tokens.output += usage.outputTokens
                  // Counted now, like the tokens, so the next request's budget check sees it.
                  if (compiled.connection)
                    state.progress.cost = addCost(
                      state.progress.cost,
                      usage,
                      compiled.connection.connection,
                    )
                },
              },
            )
          } catch (error) {
            // A bug in one cell is recorded on that cell; the run carries on.
            outcome = {
              status: 'error',
              code: 'internal',
              message: String((error as Error).message),
              retryable: false,
              raw: null,
            }
          } finally {
            while (held.length > 0) releaseOne()
            state.control.releaseCell(row.id, columnId)
          }
          if (outcome.status === 'stopped') {
            state.progress.cells.stopped++
            // What the call spent before the stop is still spent; it shows on the run's totals only
            // when stored, so a stopped cell that had usage is kept as an error with that usage.
            if (acc.inputTokens + acc.outputTokens === 0) return
            outcome = {
              status: 'error',
              code: 'stopped',
              message: outcome.reason,
              retryable: false,
              raw: null,
            }
            state.progress.cells.stopped--
          }
          const result: CellResult = {
            runId: state.run.id,
            rowId: row.id,
            columnId,
            status: outcome.status,
            value: outcome.status === 'done' ? outcome.value : null,
            pass: outcome.status === 'done' ? outcome.pass : null,
            explanation: outcome.status === 'done' ? outcome.explanation : null,
            raw: outcome.raw === null ? null : stripNul(outcome.raw),
            tokensIn: acc.inputTokens,
            tokensOut: acc.outputTokens,
            cost: acc.cost,
            latencyMs: Math.round(acc.latencyMs),
            attempts: acc.attempts,
            error:
              outcome.status === 'error'
                ? {
                    code: outcome.code,
                    message: stripNul(outcome.message),
                    retryable: outcome.retryable,
                  }
                : null,
            model: acc.model,
            promptHash: acc.promptHash,
            cached: acc.cached,
            finishedAt: clock.isoNow(),
          }
          if (typeof result.value === 'string') result.value = stripNul(result.value)
          if (result.explanation !== null) result.explanation = stripNul(result.explanation)
          // The contexts half of a RAG endpoint is stored too (in the same batch), with no usage
          // of its own, so the table shows it and later or resumed runs read it like any
          // generated value.
          const extras =
            outcome.status === 'done'
              ? (outcome.extra ?? []).map((extra) =>
                  writer.put({
                    ...result,
                    columnId: extra.columnId,
                    value: stripNul(extra.value),
                    pass: null,
                    explanation: null,
                    raw: null,
                    tokensIn: 0,
                    tokensOut: 0,
                    cost: 0,
                    latencyMs: 0,
                    attempts: 0,
                  }),
                )
              : []
          const stored = await writer.put(result)
          await Promise.all(extras)
          if (!stored) return
          if (outcome.status === 'done') {
            state.progress.cells.done++
            if (acc.cached) state.progress.cells.cached++
            values.set(columnId, String(outcome.value))
            for (const extra of outcome.extra ?? []) values.set(extra.columnId, extra.value)
          } else state.progress.cells.error++
          emit({ type: 'cell', runId: state.run.id, result, columnName: compiled.column.name })
        }),
      )
    }
  }

  function checkBudget(
    state: ActiveRun,
    estimate: number,
    compiled: CompiledColumn,
  ): string | null {
    const budget = state.run.budget
    if (!budget) return null
    const spent = state.progress.tokens.input + state.progress.tokens.output + state.reserved.tokens
    if (budget.maxTokens !== null && spent + estimate > budget.maxTokens) {
      const reason = `budget: the next request would pass the limit of ${budget.maxTokens} tokens`
      void stop(state.run.id, reason).catch(() => {})
      return reason
    }
    if (budget.maxCost !== null) {
      const next = estimateCost(estimate, compiled)
      if (
        state.progress.cost === null ||
        state.progress.cost + state.reserved.cost + next > budget.maxCost
      ) {
        const reason = `budget: the next request would pass the limit of ${budget.maxCost} in cost`
        void stop(state.run.id, reason).catch(() => {})
        return reason
      }
    }
    return null
  }

  function estimateCost(estimate: number, compiled: CompiledColumn): number {
    const prices = compiled.connection?.connection.prices
    return prices?.inputPerMillion != null ? (estimate * prices.inputPerMillion) / 1_000_000 : 0
  }

  function emitProgress(state: ActiveRun, force: boolean): void {
    const now = clock.now()
    if (!force && now - state.lastProgressAt < options.progressMs) return
    state.lastProgressAt = now
    const p = state.progress
    p.cells.pending = Math.max(0, p.cells.total - p.cells.done - p.cells.error - p.cells.stopped)
    p.elapsedMs = liveElapsedMs({ ...state.run, segmentStartedAt: state.run.segmentStartedAt }, now)
    const segmentSeconds = (now - state.segmentStartedMs) / 1000
    const finishedThisSegment = p.cells.done + p.cells.error
    p.cellsPerSecond = segmentSeconds > 0 ? finishedThisSegment / segmentSeconds : 0
    p.backoff = backoffStates(state)
    emit({
      type: 'progress',
      progress: { ...p, rows: { ...p.rows }, cells: { ...p.cells }, tokens: { ...p.tokens } },
    })
  }

  function backoffStates(state: ActiveRun): BackoffState[] {
    const out: BackoffState[] = []
    for (const [connectionId, connectionName] of state.connectionNames) {
      const limiter = limiters.get(connectionId)
      if (!limiter) continue
      const s = limiter.state()
      out.push({
        connectionId,
        connectionName,
        inFlight: s.inFlight,
        queued: s.queued,
        pausedUntil: s.pausedUntil,
      })
    }
    return out
  }

  async function stop(runId: string, reason = 'user'): Promise<Run> {
    const state = active.get(runId)
    // Executing here: refuse new requests this instant, before any await; the stored state
    // change follows (and is what other processes see).
    state?.control.stop(reason)
    const stored = storeStop(runId, reason, state)
    if (state)
      state.stopStored = stored.then(
        () => {},
        () => {},
      )
    return stored
  }

  async function storeStop(
    runId: string,
    reason: string,
    state: ActiveRun | undefined,
  ): Promise<Run> {
    const run = await repos.runs.get(runId)
    if (!run) throw new AssayError('not_found', `run ${runId} not found`)
    if (run.status === 'stopping' || run.status === 'stopped') return run
    if (run.status === 'queued') {
      const stopping = await transition(run, { type: 'request_stop', reason })
      return transition(stopping, { type: 'stopped', at: clock.now(), atIso: clock.isoNow() })
    }
    const stopping = await transition(run, { type: 'request_stop', reason })
    if (state) state.run = { ...state.run, status: 'stopping' }
    return stopping
  }

  function stopColumn(runId: string, columnId: string): void {
    const state = active.get(runId)
    if (!state) throw new AssayError('invalid_state', `run ${runId} is not executing here`)
    state.control.stopColumn(columnId)
  }

  function stopCell(runId: string, rowId: string, columnId: string): void {
    const state = active.get(runId)
    if (!state) throw new AssayError('invalid_state', `run ${runId} is not executing here`)
    state.control.stopCell(rowId, columnId)
  }

  async function resume(runId: string): Promise<Run> {
    const run = await repos.runs.get(runId)
    if (!run) throw new AssayError('not_found', `run ${runId} not found`)
    return transition(run, { type: 'resume' })
  }

  async function recover(
    recoverOptions: { staleAfterMs?: number; runIds?: readonly string[] } = {},
  ): Promise<Run[]> {
    const staleAfterMs = recoverOptions.staleAfterMs ?? options.heartbeatMs * 3
    const out: Run[] = []
    for (const run of await repos.runs.listByStatus(['running', 'stopping'])) {
      if (active.has(run.id)) continue
      if (recoverOptions.runIds && !recoverOptions.runIds.includes(run.id)) continue
      const heartbeatAt = await repos.runs.lastHeartbeat(run.id)
      const lastAliveAt = heartbeatAt
        ? Date.parse(heartbeatAt)
        : Date.parse(run.segmentStartedAt ?? run.createdAt)
      // A run that beat recently belongs to a live process (another worker, a server).
      if (clock.now() - lastAliveAt < staleAfterMs) continue
      if (run.status === 'stopping') {
        // It was being stopped: finish the stop instead of running on.
        out.push(
          await transition(run, {
            type: 'stopped',
            at: lastAliveAt,
            atIso: new Date(lastAliveAt).toISOString(),
          }),
        )
      } else out.push(await transition(run, { type: 'recover', lastAliveAt }))
    }
    return out
  }

  /**
   * Runs one column on chosen rows without storing anything (the dialogs' *Test*: a custom
   * evaluator on a few rows, an API generator on row 1). Model calls are real and cost tokens;
   * their usage is reported, and the cache is not used, so the answer shown is a fresh one.
   */
  async function testColumn(input: {
    evaluationId: string
    columnId: string
    rowIds: readonly string[]
    draft?: Column
    /** Aborted when the caller goes away (the browser closed the dialog): calls stop. */
    signal?: AbortSignal
  }): Promise<TestCellOutcome[]> {
    const scope = { mode: 'column' as const, columnIds: [input.columnId], rowIds: null }
    const { columns, plan } = await prepare(input.evaluationId, scope, input.draft)
    const compiled = plan.flat()[0] as CompiledColumn
    const rows: Row[] = []
    for (const id of input.rowIds) {
      const row = await repos.rows.get(id)
      if (!row || row.evaluationId !== input.evaluationId)
        throw new AssayError('not_found', `row ${id} is not in this evaluation`)
      rows.push(row)
    }
    const inputs = await loadInputs(rows, columns, plan)
    const out: TestCellOutcome[] = []
    const signal = input.signal ?? new AbortController().signal
    for (const row of rows) {
      if (signal.aborted) break
      const values = inputs.get(row.id) ?? new Map<string, string>()
      const acc = new CellAccumulator()
      const limits = compiled.connection?.connection.limits
      const outcome = await compiled.run(
        { row, value: (id) => values.get(id) },
        {
          signal,
          requestSignal: signal,
          inflight: new Map(),
          acc,
          cacheEnabled: false,
          cache: writer,
          limiter:
            compiled.connection && limits
              ? limiterFor(compiled.connection.connection.id, limits)
              : null,
          mayStart: () => null,
          onBackoff: () => {},
          onGeneration: () => {},
        },
      )
      out.push({
        rowId: row.id,
        outcome,
        tokens: { input: acc.inputTokens, output: acc.outputTokens },
        cost: acc.cost,
        attempts: acc.attempts,
        latencyMs: Math.round(acc.latencyMs),
      })
    }
    return out
  }

  return {
    testColumn,
    createRun,
    execute,
    stop,
    stopColumn,
    stopCell,
    resume,
    recover,
    progress: (runId) => active.get(runId)?.progress,
    isActive: (runId) => active.has(runId),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

function stripNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '') : text
}
