import type { Run, RunStatus } from '../domain/run.js'
import { err, ok, type Result } from '../result.js'

/**
 * Run lifecycle: queued → running → (stopping →) stopped | completed | failed, and
 * stopped → queued on resume. Elapsed time is the sum of the running segments, so a resumed
 * run keeps adding to the time it already had.
 */
export type RunEvent =
  | { type: 'start'; at: number; atIso: string }
  | { type: 'request_stop'; reason: string }
  | { type: 'stopped'; at: number; atIso: string }
  | { type: 'complete'; at: number; atIso: string }
  | { type: 'fail'; at: number; atIso: string; reason: string }
  | { type: 'resume' }
  /** A process died with the run running: close the segment at the last sign of life, requeue. */
  | { type: 'recover'; lastAliveAt: number }

const FINAL: readonly RunStatus[] = ['stopped', 'completed', 'failed']

export function isFinalRunStatus(status: RunStatus): boolean {
  return FINAL.includes(status)
}

export function transitionRun(run: Run, event: RunEvent): Result<Run> {
  const refuse = () =>
    err({
      code: 'invalid_state' as const,
      message: `a ${run.status} run cannot ${event.type.replace('_', ' ')}`,
    })
  switch (event.type) {
    case 'start':
      if (run.status !== 'queued') return refuse()
      return ok({
        ...run,
        status: 'running',
        segmentStartedAt: event.atIso,
        segments: run.segments + 1,
      })
    case 'request_stop':
      if (run.status !== 'running' && run.status !== 'queued') return refuse()
      return ok({ ...run, status: 'stopping', stopReason: event.reason })
    case 'stopped':
      if (run.status !== 'stopping') return refuse()
      return ok({ ...closeSegment(run, event.at), status: 'stopped', finishedAt: event.atIso })
    case 'complete':
      if (run.status !== 'running') return refuse()
      return ok({
        ...closeSegment(run, event.at),
        status: 'completed',
        finishedAt: event.atIso,
        stopReason: null,
      })
    case 'fail':
      if (isFinalRunStatus(run.status)) return refuse()
      return ok({
        ...closeSegment(run, event.at),
        status: 'failed',
        finishedAt: event.atIso,
        stopReason: event.reason,
      })
    case 'resume':
      if (run.status !== 'stopped' && run.status !== 'failed') return refuse()
      return ok({ ...run, status: 'queued', finishedAt: null, stopReason: null })
    case 'recover':
      if (run.status !== 'running' && run.status !== 'stopping') return refuse()
      return ok({ ...closeSegment(run, event.lastAliveAt), status: 'queued' })
  }
}

/** Elapsed time including the segment now running, for live progress. */
export function liveElapsedMs(run: Run, now: number): number {
  if (run.segmentStartedAt === null) return run.elapsedMs
  return run.elapsedMs + Math.max(0, now - Date.parse(run.segmentStartedAt))
}

function closeSegment(run: Run, at: number): Run {
  if (run.segmentStartedAt === null) return run
  const segment = Math.max(0, at - Date.parse(run.segmentStartedAt))
  return { ...run, elapsedMs: run.elapsedMs + segment, segmentStartedAt: null }
}
