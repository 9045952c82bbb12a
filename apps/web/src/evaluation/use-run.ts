import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { api, call } from '../api/client'
import type { BackoffState, Run, RunProgress, StreamedCell } from '../api/types'

export const ACTIVE = new Set(['queued', 'running', 'stopping'])

export function useRuns(evaluationId: string) {
  return useQuery({
    queryKey: ['runs', evaluationId],
    queryFn: async () =>
      (
        await call(
          api.GET('/api/v1/evaluations/{evaluationId}/runs', {
            params: { path: { evaluationId } },
          }),
        )
      ).runs,
    // Runs started elsewhere (another user, the CLI) show up within a few seconds.
    refetchInterval: (query) => {
      const latest = query.state.data?.[0]
      return latest && ACTIVE.has(latest.status) ? false : 3_000
    },
  })
}

export type LiveRun = {
  run: Run | null
  progress: RunProgress | null
  backoff: BackoffState[]
  connected: boolean
}

/**
 * Follows the newest run over SSE while it is active: status, progress and cell results.
 * `onCells` gets each batch; `onReset` is called when the stream says events were missed.
 */
export function useLiveRun(
  latest: Run | undefined,
  handlers: { onCells: (cells: StreamedCell[]) => void; onReset: () => void; onEnd: () => void },
): LiveRun {
  const [state, setState] = useState<LiveRun>({
    run: null,
    progress: null,
    backoff: [],
    connected: false,
  })
  const h = useRef(handlers)
  h.current = handlers
  const queryClient = useQueryClient()
  const runId = latest?.id
  const active = latest ? ACTIVE.has(latest.status) : false

  useEffect(() => {
    if (!latest) return
    setState((s) =>
      s.run?.id === latest.id && s.run.status === latest.status && s.progress
        ? { ...s, run: { ...s.run, ...latest } }
        : {
            run: latest,
            progress:
              (latest.progress as RunProgress | null) ??
              (s.run?.id === latest.id ? s.progress : null),
            backoff: [],
            connected: s.connected,
          },
    )
  }, [latest])

  useEffect(() => {
    if (!runId || !active) return
    const source = new EventSource(`/api/v1/runs/${encodeURIComponent(runId)}/events`)
    let first = true
    const end = (run: Run) => {
      if (!ACTIVE.has(run.status)) {
        source.close()
        setState((s) => ({ ...s, connected: false }))
        void queryClient.invalidateQueries({ queryKey: ['runs', run.evaluationId] })
        h.current.onEnd()
      }
    }
    source.addEventListener('open', () => setState((s) => ({ ...s, connected: true })))
    source.addEventListener('error', () => setState((s) => ({ ...s, connected: false })))
    source.addEventListener('snapshot', (event) => {
      const run = JSON.parse((event as MessageEvent).data) as Run
      setState((s) => ({
        ...s,
        run,
        progress: (run.progress as RunProgress | null) ?? s.progress,
      }))
      // A snapshot after the first means events were missed: reload what the page shows.
      if (!first) h.current.onReset()
      first = false
      end(run)
    })
    source.addEventListener('status', (event) => {
      const run = JSON.parse((event as MessageEvent).data) as Run
      setState((s) => ({
        ...s,
        run: { ...(s.run ?? run), ...run },
        progress: s.progress ? { ...s.progress, status: run.status } : s.progress,
      }))
      end(run)
    })
    source.addEventListener('progress', (event) => {
      const progress = JSON.parse((event as MessageEvent).data) as RunProgress
      setState((s) => ({ ...s, progress, backoff: progress.backoff }))
    })
    source.addEventListener('cells', (event) => {
      h.current.onCells(JSON.parse((event as MessageEvent).data) as StreamedCell[])
    })
    source.addEventListener('backoff', () => {
      // The next progress event carries the per-connection backoff state.
    })
    return () => source.close()
  }, [runId, active, queryClient])

  return state
}
