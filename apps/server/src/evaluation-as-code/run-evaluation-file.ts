import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { type AgreementPair, AssayError, agreement, type Run } from '@assay/core'
import type { RunEventListener, RunProgress, TestCellOutcome } from '@assay/engine'
import { formatFromFileName } from '../dataset/dataset-format.js'
import { importDataset } from '../dataset/import-dataset.js'
import { ACTIVE_RUN_STATUSES } from '../http/run-guards.js'
import type { Services } from '../services.js'
import { type AppliedEvaluation, applyEvaluationFile } from './apply-evaluation-file.js'
import type { EvaluationFile } from './config-schema.js'
import { parseEvaluationFile } from './load-evaluation-file.js'

export type EvaluatorSummary = {
  pass: number
  fail: number
  error: number
  /** pass ÷ (pass + fail); null when no cell passed or failed. */
  passRate: number | null
  agreement?: { n: number; accuracy: number | null; kappa: number | null; spearman: number | null }
}

export type RunSummary = {
  runId: string
  status: 'completed' | 'stopped' | 'failed'
  rows: { total: number; processed: number }
  cells: {
    total: number
    done: number
    error: number
    stopped: number
    pending: number
    cached: number
  }
  generations: number
  tokens: { input: number; output: number }
  cost: number | null
  elapsedMs: number
  evaluators: Record<string, EvaluatorSummary>
  /** Evaluators whose pass rate is under the file's gate. */
  gatesMissed: { evaluator: string; passRate: number | null; minimum: number }[]
  stopReason: string | null
}

export type RunFileOptions = {
  resumeRunId?: string
  env: Record<string, string | undefined>
  /** Called once the run exists, e.g. to wire Ctrl+C to `engine.stop(runId)`. */
  onRun?: (run: Run) => void
  onEvent?: RunEventListener
}

/**
 * Reads and applies an evaluation file: the project, the evaluation (its dataset imported when it
 * has no rows), the connections and the columns. Nothing runs.
 */
export async function prepareEvaluationFile(
  services: Services,
  path: string,
  env: Record<string, string | undefined>,
  /** Checked once the evaluation exists and before the file changes its columns. */
  beforeApply?: (evaluationId: string) => Promise<void>,
): Promise<{ file: EvaluationFile; applied: AppliedEvaluation }> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new AssayError('invalid_input', `cannot read ${path}`)
  })
  const file = parseEvaluationFile(text, env, path)
  const target = await ensureEvaluation(services, file, dirname(resolve(path)))
  await beforeApply?.(target.evaluationId)
  return { file, applied: await applyEvaluationFile(services.repos, file, target) }
}

/**
 * Refuses to touch an evaluation another run is using (one run per evaluation, and a file must
 * not change the columns under a run), naming that run and what to do. A run left running by a
 * process that died is taken over first (it becomes queued), so the message can offer to
 * resume it.
 */
async function assertEvaluationFree(
  services: Services,
  path: string,
  evaluationId: string,
  exceptRunId: string | undefined,
): Promise<void> {
  const { repos, engine } = services
  const others = async () =>
    (await repos.runs.listByStatus(ACTIVE_RUN_STATUSES)).filter(
      (run) => run.evaluationId === evaluationId && run.id !== exceptRunId,
    )
  const found = await others()
  if (found.length === 0) return
  await engine.recover({ runIds: found.map((run) => run.id) })
  const [other] = await others()
  if (!other) return
  throw new AssayError(
    'invalid_state',
    other.status === 'queued'
      ? `run ${other.id} of this evaluation is queued and not finished; continue it with: npx assay run ${path} --resume ${other.id}`
      : `run ${other.id} of this evaluation is still ${other.status} in another process (a server or another assay run); stop it or wait for it`,
  )
}

/** `assay run`: applies an evaluation file, imports its dataset on the first run, runs, summarises. */
export async function runEvaluationFile(
  services: Services,
  path: string,
  options: RunFileOptions,
): Promise<RunSummary> {
  const { file, applied } = await prepareEvaluationFile(services, path, options.env, (id) =>
    assertEvaluationFree(services, path, id, options.resumeRunId),
  )
  const { repos, engine } = services
  const target = applied

  let run: Run
  if (options.resumeRunId) {
    let existing = await repos.runs.get(options.resumeRunId)
    if (!existing || existing.evaluationId !== target.evaluationId) {
      throw new AssayError(
        'not_found',
        `run ${options.resumeRunId} is not a run of ${file.project} / ${file.evaluation}`,
      )
    }
    if (existing.status === 'running' || existing.status === 'stopping') {
      // Left behind by a process that died (kill -9, power cut): taken over once its heartbeat
      // is stale; a run whose heartbeat is fresh belongs to a live process.
      await engine.recover({ runIds: [existing.id] })
      existing = (await repos.runs.get(existing.id)) as Run
      if (existing.status === 'running' || existing.status === 'stopping') {
        throw new AssayError(
          'invalid_state',
          `run ${existing.id} is still being executed by another process`,
        )
      }
    }
    if (existing.status === 'completed') {
      throw new AssayError('invalid_state', `run ${existing.id} has already completed`)
    }
    run = existing.status === 'queued' ? existing : await engine.resume(existing.id)
  } else {
    run = await engine.createRun({
      evaluationId: target.evaluationId,
      scope: { mode: file.run.mode, columnIds: null, rowIds: null },
      startedBy: null,
      budget: file.budget
        ? { maxTokens: file.budget.tokens ?? null, maxCost: file.budget.cost ?? null }
        : null,
    })
  }
  options.onRun?.(run)
  let last: RunProgress | undefined
  const unsubscribe = engine.subscribe((event) => {
    if (event.type === 'progress' && event.progress.runId === run.id) last = event.progress
    if (
      'runId' in event ? event.runId === run.id : event.type === 'status' && event.run.id === run.id
    )
      options.onEvent?.(event)
    else if (event.type === 'progress' && event.progress.runId === run.id) options.onEvent?.(event)
  })
  let final: Run
  try {
    final = await engine.execute(run.id)
  } finally {
    unsubscribe()
  }
  const evaluators = await summariseEvaluators(services, applied)
  const gatesMissed = Object.entries(file.gate)
    .map(([name, minimum]) => ({
      evaluator: name,
      passRate: evaluators[name]?.passRate ?? null,
      minimum,
    }))
    .filter((gate) => gate.passRate === null || gate.passRate < gate.minimum)
  const cells = last?.cells ?? { total: 0, done: 0, error: 0, stopped: 0, pending: 0, cached: 0 }
  return {
    runId: final.id,
    status:
      final.status === 'completed'
        ? 'completed'
        : final.status === 'stopped'
          ? 'stopped'
          : 'failed',
    rows: last?.rows ?? { total: 0, processed: 0 },
    cells: {
      total: cells.total,
      done: cells.done,
      error: cells.error,
      stopped: cells.stopped,
      pending: cells.pending,
      cached: cells.cached,
    },
    generations: last?.generations ?? 0,
    tokens: { input: final.tokensIn, output: final.tokensOut },
    cost: final.cost,
    elapsedMs: final.elapsedMs,
    evaluators,
    gatesMissed,
    stopReason: final.stopReason,
  }
}

async function ensureEvaluation(services: Services, file: EvaluationFile, baseDir: string) {
  const { repos } = services
  const project =
    (await repos.projects.getByName(file.project)) ??
    (await repos.projects.create({ name: file.project, createdBy: null }))
  const evaluation =
    (await repos.evaluations.getByName(project.id, file.evaluation)) ??
    (await repos.evaluations.create({
      projectId: project.id,
      name: file.evaluation,
      createdBy: null,
    }))
  if (evaluation.rowCount === 0) {
    if (!file.dataset)
      throw new AssayError(
        'invalid_input',
        `evaluation "${file.evaluation}" has no rows and the file names no dataset`,
      )
    const datasetPath = resolve(baseDir, file.dataset)
    const info = await stat(datasetPath).catch(() => undefined)
    if (!info?.isFile())
      throw new AssayError('invalid_input', `dataset: no such file: ${datasetPath}`)
    await importDataset(
      repos,
      { projectName: file.project, evaluationName: file.evaluation, userId: null },
      {
        bytes: createReadStream(datasetPath, { highWaterMark: 256 * 1024 }),
        format: file.format ?? formatFromFileName(datasetPath),
      },
      services.config.importLimits,
    )
  }
  return { projectId: project.id, evaluationId: evaluation.id }
}

/** Pass/fail/error per evaluator over the latest result of every row, and agreement with its label. */
export async function summariseEvaluators(
  services: Services,
  applied: AppliedEvaluation,
): Promise<Record<string, EvaluatorSummary>> {
  const { repos } = services
  const columns = await repos.columns.list(applied.evaluationId)
  const dataColumns = columns
    .filter((c) => c.config.kind === 'data')
    .sort((a, b) => a.position - b.position)
  const out: Record<string, EvaluatorSummary> = {}
  // Accuracy and kappa compare the pass/fail verdict with the label; Spearman the raw score.
  const verdicts = new Map<string, AgreementPair[]>()
  const scores = new Map<string, AgreementPair[]>()
  for (const e of applied.evaluators) {
    out[e.name] = { pass: 0, fail: 0, error: 0, passRate: null }
    verdicts.set(e.name, [])
    scores.set(e.name, [])
  }
  let after = -1
  for (;;) {
    const rows = await repos.rows.list(applied.evaluationId, { afterIndex: after, limit: 1000 })
    if (rows.length === 0) break
    after = rows[rows.length - 1]?.index ?? after
    const rowIds = rows.map((r) => r.id)
    const latest = await repos.cellResults.latestForRows(
      applied.evaluators.map((e) => e.columnId),
      rowIds,
    )
    const byKey = new Map(latest.map((r) => [`${r.columnId}\u0000${r.rowId}`, r]))
    for (const e of applied.evaluators) {
      const summary = out[e.name] as EvaluatorSummary
      const labels = new Map<string, string>()
      if (e.compareWithColumnId) {
        const index = dataColumns.findIndex((c) => c.id === e.compareWithColumnId)
        if (index >= 0) for (const row of rows) labels.set(row.id, row.values[index] ?? '')
        else
          for (const v of await repos.cellValues.listForRows(e.compareWithColumnId, rowIds))
            labels.set(v.rowId, v.value ?? '')
      }
      for (const row of rows) {
        const result = byKey.get(`${e.columnId}\u0000${row.id}`)
        if (!result) continue
        if (result.status === 'error') summary.error++
        else if (result.pass === true) summary.pass++
        else if (result.pass === false) summary.fail++
        if (e.compareWithColumnId && result.status === 'done' && typeof result.value === 'number') {
          const parsed = Number.parseFloat(labels.get(row.id) ?? '')
          const label = Number.isFinite(parsed) ? parsed : null
          const verdict = result.pass === null ? result.value : result.pass ? 1 : 0
          verdicts.get(e.name)?.push([verdict, label])
          scores.get(e.name)?.push([result.value, label])
        }
      }
    }
  }
  for (const e of applied.evaluators) {
    const summary = out[e.name] as EvaluatorSummary
    const judged = summary.pass + summary.fail
    summary.passRate = judged === 0 ? null : summary.pass / judged
    if (e.compareWithColumnId) {
      const a = agreement(verdicts.get(e.name) ?? [])
      const s = agreement(scores.get(e.name) ?? [])
      summary.agreement = { n: a.n, accuracy: a.accuracy, kappa: a.kappa, spearman: s.spearman }
    }
  }
  return out
}

/**
 * `assay test`: applies the file, then runs one column on chosen rows (1-based, in import order)
 * without storing anything: the rendered call is real, the answer and its cost are shown.
 */
export async function testEvaluationFileColumn(
  services: Services,
  path: string,
  options: { env: Record<string, string | undefined>; column: string; rows: readonly number[] },
): Promise<(TestCellOutcome & { row: number })[]> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new AssayError('invalid_input', `cannot read ${path}`)
  })
  const file = parseEvaluationFile(text, options.env, path)
  const target = await ensureEvaluation(services, file, dirname(resolve(path)))
  await assertEvaluationFree(services, path, target.evaluationId, undefined)
  await applyEvaluationFile(services.repos, file, target)
  const column = (await services.repos.columns.list(target.evaluationId)).find(
    (c) => c.name === options.column,
  )
  if (!column)
    throw new AssayError(
      'invalid_input',
      `no column named "${options.column}" in ${file.evaluation}`,
    )
  const rowIds: string[] = []
  for (const number of options.rows) {
    const [row] = await services.repos.rows.list(target.evaluationId, {
      afterIndex: number - 2,
      limit: 1,
    })
    if (!row || row.index !== number - 1)
      throw new AssayError('invalid_input', `row ${number} does not exist`)
    rowIds.push(row.id)
  }
  const outcomes = await services.engine.testColumn({
    evaluationId: target.evaluationId,
    columnId: column.id,
    rowIds,
  })
  return outcomes.map((outcome, i) => ({ ...outcome, row: options.rows[i] as number }))
}
