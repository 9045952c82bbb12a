import { AssayError, type Repositories } from '@assay/core'

/**
 * One run at a time per evaluation: two runs writing the same cells would race, and stop, resume
 * and the progress ring all speak of "the" run. Refuses when another run is queued, running or
 * stopping.
 */
export async function assertNoActiveRun(
  repos: Repositories,
  evaluationId: string,
  exceptRunId?: string,
): Promise<void> {
  for (const run of await repos.runs.listByStatus(['queued', 'running', 'stopping'])) {
    if (run.evaluationId === evaluationId && run.id !== exceptRunId) {
      throw new AssayError(
        'invalid_state',
        `run ${run.id} of this evaluation is still ${run.status}; stop it or wait for it`,
      )
    }
  }
}
