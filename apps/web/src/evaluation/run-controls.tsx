import { useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { api, call } from '../api/client'
import type { Run, RunProgress } from '../api/types'
import { count, duration, money, num, when } from '../format'
import { ACTIVE } from './use-run'

const STATUS_LABEL: Record<string, string> = {
  queued: 'queued',
  running: 'in progress',
  stopping: 'stopping',
  stopped: 'stopped',
  completed: 'completed',
  failed: 'failed',
}

export function statusLabel(status: string): string {
  return STATUS_LABEL[status] ?? status
}

function fractionOf(progress: RunProgress | null): number {
  if (!progress || progress.cells.total === 0) return 0
  const c = progress.cells
  return Math.min(1, (c.done + c.error + c.stopped) / c.total)
}

/** Elapsed time that keeps counting between events while the run is active. */
function useLiveElapsed(run: Run | null, progress: RunProgress | null): number {
  const base = progress?.elapsedMs ?? run?.liveElapsedMs ?? run?.elapsedMs ?? 0
  const active = run ? ACTIVE.has(run.status) : false
  const [now, setNow] = useState(() => Date.now())
  const since = useRef({ base, at: Date.now() })
  if (since.current.base !== base) since.current = { base, at: Date.now() }
  useEffect(() => {
    if (!active) return
    const timer = setInterval(() => setNow(Date.now()), 250)
    return () => clearInterval(timer)
  }, [active])
  return active && run?.status === 'running' ? base + Math.max(0, now - since.current.at) : base
}

/** The progress ring in the page header; a click opens the live panel. */
export function ProgressRing({ run, progress }: { run: Run | null; progress: RunProgress | null }) {
  const [open, setOpen] = useState(false)
  const ref = useRef<HTMLDivElement>(null)
  const elapsed = useLiveElapsed(run, progress)
  useEffect(() => {
    if (!open) return
    const onDown = (event: MouseEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false)
    }
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false)
    document.addEventListener('mousedown', onDown)
    document.addEventListener('keydown', onKey)
    return () => {
      document.removeEventListener('mousedown', onDown)
      document.removeEventListener('keydown', onKey)
    }
  }, [open])
  if (!run) return null
  const active = ACTIVE.has(run.status)
  const fraction = fractionOf(progress)
  const r = 14
  const circumference = 2 * Math.PI * r
  const p = progress
  return (
    <RingView
      run={run}
      progress={p}
      open={open}
      setOpen={setOpen}
      refEl={ref}
      elapsed={elapsed}
      fraction={fraction}
      active={active}
      circumference={circumference}
      r={r}
    />
  )
}

/**
 * Final counts of a run that is no longer live: GET /runs/{id} answers them from storage (the last
 * `progress` event may predate the final cells). Every column counts, generators included.
 */
export function useRunCounts(run: Run | null, enabled: boolean) {
  return useQuery({
    queryKey: ['run-counts', run?.id, run?.status, run?.finishedAt, run?.segments],
    enabled: enabled && run !== null,
    queryFn: async (): Promise<RunProgress | null> => {
      if (!run) return null
      const stored = await call(
        api.GET('/api/v1/runs/{runId}', { params: { path: { runId: run.id } } }),
      )
      return stored.progress
    },
  })
}

function RingView({
  run,
  progress,
  open,
  setOpen,
  refEl: ref,
  elapsed,
  fraction,
  active,
  circumference,
  r,
}: {
  run: Run
  progress: RunProgress | null
  open: boolean
  setOpen: (f: (o: boolean) => boolean) => void
  refEl: React.RefObject<HTMLDivElement | null>
  elapsed: number
  fraction: number
  active: boolean
  circumference: number
  r: number
}) {
  const counts = useRunCounts(run, !active).data
  const p = !active && counts ? counts : progress
  // A finished run's ring shows how far it got, also after a reload (no live progress then).
  const fill = active ? fraction : fractionOf(p)
  return (
    <div className="ring-wrap" ref={ref}>
      <button
        type="button"
        className={`ring status-${run.status}`}
        aria-label={`Run progress: ${statusLabel(run.status)}${p ? `, ${p.rows.processed} of ${p.rows.total} rows` : ''}`}
        aria-expanded={open}
        data-testid="progress-ring"
        onClick={() => setOpen((o) => !o)}
      >
        <svg width="36" height="36" viewBox="0 0 36 36" aria-hidden="true">
          <circle cx="18" cy="18" r={r} className="ring-track" />
          <circle
            cx="18"
            cy="18"
            r={r}
            className={active ? 'ring-fill spinning' : 'ring-fill'}
            strokeDasharray={`${circumference * (run.status === 'completed' ? 1 : fill)} ${circumference}`}
            transform="rotate(-90 18 18)"
          />
        </svg>
        <span className="ring-label">
          {run.status === 'completed' ? '✓' : `${Math.round(fill * 100)}%`}
        </span>
      </button>
      {open ? (
        <div className="run-panel" role="dialog" aria-label="Run progress" data-testid="run-panel">
          <h3>
            Run <span className={`badge status-${run.status}`}>{statusLabel(run.status)}</span>
          </h3>
          <dl className="props">
            <dt>Rows processed</dt>
            <dd data-testid="rows-processed">
              {p ? `${count(p.rows.processed)} / ${count(p.rows.total)}` : '–'}
            </dd>
            <dt>Cells done</dt>
            <dd>
              {p
                ? `${count(p.cells.done)} of ${count(p.cells.total)}${p.cells.cached ? ` (${count(p.cells.cached)} cached)` : ''}`
                : '–'}
            </dd>
            <dt>Errors</dt>
            <dd>{p ? count(p.cells.error) : '–'}</dd>
            {p?.cells.stopped ? (
              <>
                <dt>Stopped cells</dt>
                <dd>{count(p.cells.stopped)}</dd>
              </>
            ) : null}
            <dt>Generations</dt>
            <dd>{p ? count(p.generations) : '–'}</dd>
            <dt>Elapsed</dt>
            <dd data-testid="elapsed">
              {duration(elapsed)}
              {run.segments > 1 ? ` over ${run.segments} segments` : ''}
            </dd>
            <dt>Tokens in / out</dt>
            <dd>
              {count(p?.tokens.input ?? run.tokensIn)} / {count(p?.tokens.output ?? run.tokensOut)}
            </dd>
            <dt>Cost so far</dt>
            <dd>{money(p ? p.cost : run.cost)}</dd>
            <dt>Throughput</dt>
            <dd>
              {p && active
                ? `${num(p.cellsPerSecond, 1)} cells/s`
                : p && elapsed > 0
                  ? `${num((p.cells.done + p.cells.error) / (elapsed / 1000), 1)} cells/s (average)`
                  : '–'}
            </dd>
            <dt>Started by</dt>
            <dd>
              {run.startedByName ?? 'unknown'}, {when(run.createdAt)}
            </dd>
            <dt>Finished</dt>
            <dd>{run.finishedAt ? when(run.finishedAt) : active ? 'running…' : '–'}</dd>
            {run.stopReason ? (
              <>
                <dt>Stop reason</dt>
                <dd>{run.stopReason}</dd>
              </>
            ) : null}
          </dl>
          {p?.backoff.some((b) => b.pausedUntil || b.queued) ? (
            <div className="backoff">
              <h4>Model connections</h4>
              <ul>
                {p.backoff.map((b) => (
                  <li key={b.connectionId}>
                    {b.connectionName}: {b.inFlight} in flight, {b.queued} queued
                    {b.pausedUntil && b.pausedUntil > Date.now()
                      ? `, backing off for ${duration(b.pausedUntil - Date.now())}`
                      : ''}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  )
}
