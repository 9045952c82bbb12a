import { AssayError, type Repositories } from '@assay/core'

let gate: Promise<unknown> = Promise.resolve()

/**
 * Runs `work` alone among the writes that start runs or change what a run reads (a run's start
 * or resume; a column's or custom evaluator's edit or deletion), so that a check that no run is
 * active and the write it allows are one step in this process: a run cannot start between an
 * edit's check and its write and then judge with a column that changes under it. Each of those
 * takes milliseconds; other requests are not held. Another process (the CLI) is not covered.
 */
export function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const result = gate.then(work)
  gate = result.catch(() => undefined)
  return result
}

/** The statuses of a run that is not over: an evaluation has at most one such run. */
export const ACTIVE_RUN_STATUSES = ['queued', 'running', 'stopping'] as const

/**
 * One run at a time per evaluation: two runs writing the same cells would race, and stop, resume
 * and the progress ring all speak of "the" run. Refuses when another run is queued, running or
 * stopping. This check names the run in the way; the guarantee itself is the storage's (a
 * second active run fails to be created or resumed with the same `invalid_state`), since a check
 * before the write cannot stop two requests passing it at once.
 */
export async function assertNoActiveRun(
  repos: Repositories,
  evaluationId: string,
  exceptRunId?: string,
): Promise<void> {
  for (const run of await repos.runs.listByStatus(ACTIVE_RUN_STATUSES)) {
    if (run.evaluationId === evaluationId && run.id !== exceptRunId) {
      throw new AssayError(
        'invalid_state',
        `run ${run.id} of this evaluation is still ${run.status}; stop it or wait for it`,
      )
    }
  }
}

/**
 * A custom evaluator read by a column of an evaluation with an active run must not change under
 * it: the run's cells would be judged by two different prompts. Refuses like assertNoActiveRun.
 */
export async function assertEvaluatorNotInActiveRun(
  repos: Repositories,
  evaluatorId: string,
): Promise<void> {
  const seen = new Set<string>()
  for (const run of await repos.runs.listByStatus(ACTIVE_RUN_STATUSES)) {
    if (seen.has(run.evaluationId)) continue
    seen.add(run.evaluationId)
    const columns = await repos.columns.list(run.evaluationId)
    const user = columns.find(
      (column) =>
        column.config.kind === 'evaluator' && column.config.evaluator.evaluatorId === evaluatorId,
    )
    if (user) {
      throw new AssayError(
        'invalid_state',
        `column "${user.name}" uses this evaluator and run ${run.id} of its evaluation is still ${run.status}; stop it or wait for it`,
      )
    }
  }
}
