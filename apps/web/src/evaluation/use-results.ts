import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react'
import { api, call } from '../api/client'
import type {
  ManualCellView,
  ResultsFilter,
  ResultsRow,
  ResultsSort,
  StreamedCell,
} from '../api/types'

export const PAGE_SIZE = 500
/** Pages asked for at once: enough to fill a screen, few enough not to queue up on a fling. */
const IN_FLIGHT = 2
const MAX_RETRY_MS = 30_000

type Store = {
  key: string
  /** Sparse: position in the filtered, sorted listing → row. */
  rows: ResultsRow[]
  byId: Map<string, number>
  /** Pages asked for or loaded, by page number. */
  pages: Map<number, 'loading' | 'loaded'>
  /** Pages whose last load failed: asked for again from `retryAt` (backing off). */
  failed: Map<number, { attempts: number; retryAt: number }>
  retryTimer: ReturnType<typeof setTimeout> | null
  inFlight: number
  total: number | null
  rowCount: number | null
  /** The last load's error, until a page loads again. */
  error: unknown
  /** The rows the viewport shows (first, last): pages there are loaded first. */
  wanted: [number, number]
}

const fresh = (key: string): Store => ({
  key,
  rows: [],
  byId: new Map(),
  pages: new Map(),
  failed: new Map(),
  retryTimer: null,
  inFlight: 0,
  total: null,
  rowCount: null,
  error: null,
  wanted: [0, 0],
})

/**
 * The table's rows, loaded a page of 500 at a time where the viewport is (the results API takes
 * an offset, so dragging the scroll bar to row 90,000 loads that page, not the 180 before it).
 * Live cell results and inline edits patch the loaded rows in place.
 */
export function useResults(
  evaluationId: string,
  filters: ResultsFilter[],
  sort: ResultsSort | null,
  reloadKey: number,
) {
  const key = useMemo(
    () => JSON.stringify({ evaluationId, filters, sort, reloadKey }),
    [evaluationId, filters, sort, reloadKey],
  )
  const store = useRef<Store>(fresh(key))
  const [version, bump] = useReducer((n: number) => n + 1, 0)

  const load = useCallback(
    async (s: Store, page: number) => {
      s.pages.set(page, 'loading')
      s.inFlight++
      const body = JSON.parse(s.key) as { filters: ResultsFilter[]; sort: ResultsSort | null }
      try {
        const result = await call(
          api.POST('/api/v1/evaluations/{evaluationId}/results/query', {
            params: { path: { evaluationId } },
            body: {
              filters: body.filters,
              sort: body.sort,
              offset: page * PAGE_SIZE,
              limit: PAGE_SIZE,
            },
          }),
        )
        if (store.current !== s) return
        result.rows.forEach((row, i) => {
          const at = page * PAGE_SIZE + i
          s.byId.set(row.id, at)
          s.rows[at] = row
        })
        s.pages.set(page, 'loaded')
        s.failed.delete(page)
        // The server answers again: a page that failed is retried when it is in view.
        s.error = null
        s.total = result.total
        s.rowCount = result.rowCount
      } catch (error) {
        if (store.current !== s) return
        // Not sticky: the page is asked for again after a pause (1 s, doubling, at most 30 s)
        // while it is still in view, so a network blip does not leave the table empty.
        s.pages.delete(page)
        const attempts = (s.failed.get(page)?.attempts ?? 0) + 1
        s.failed.set(page, {
          attempts,
          retryAt: Date.now() + Math.min(MAX_RETRY_MS, 1000 * 2 ** (attempts - 1)),
        })
        s.error = error
      } finally {
        s.inFlight--
      }
      bump()
    },
    [evaluationId],
  )

  /** Asks for the missing pages of the viewport (and the next one), nearest first. */
  const pump = useCallback(() => {
    const s = store.current
    const [first, last] = s.wanted
    const lastPage = s.total === null ? 0 : Math.max(0, Math.ceil(s.total / PAGE_SIZE) - 1)
    const from = Math.floor(first / PAGE_SIZE)
    // The page after the viewport too, once the viewport is past the middle of its page.
    const to = Math.min(lastPage, Math.floor((last + PAGE_SIZE / 2) / PAGE_SIZE))
    const now = Date.now()
    let retryAt = Number.POSITIVE_INFINITY
    for (let page = from; page <= Math.max(from, to) && s.inFlight < IN_FLIGHT; page++) {
      if (s.pages.has(page)) continue
      const failed = s.failed.get(page)
      if (failed && failed.retryAt > now) {
        retryAt = Math.min(retryAt, failed.retryAt)
        continue
      }
      void load(s, page).then(pump)
    }
    if (retryAt !== Number.POSITIVE_INFINITY && s.retryTimer === null) {
      s.retryTimer = setTimeout(() => {
        s.retryTimer = null
        if (store.current === s) pump()
      }, retryAt - now)
    }
  }, [load])

  if (store.current.key !== key) store.current = fresh(key)

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new key starts a new store to fill
  useEffect(() => {
    pump()
  }, [pump, key])

  useEffect(
    () => () => {
      const timer = store.current.retryTimer
      if (timer) clearTimeout(timer)
    },
    [],
  )

  /** The viewport shows rows first..last: load the pages there. */
  const want = useCallback(
    (first: number, last: number) => {
      const s = store.current
      if (s.wanted[0] === first && s.wanted[1] === last) return
      s.wanted = [first, last]
      pump()
    },
    [pump],
  )

  const applyCells = useCallback((cells: StreamedCell[]) => {
    const s = store.current
    let changed = false
    for (const cell of cells) {
      const at = s.byId.get(cell.rowId)
      const row = at === undefined ? undefined : s.rows[at]
      if (!row) continue
      const { rowId: _r, columnId, columnName: _c, ...view } = cell
      s.rows[at as number] = { ...row, results: { ...row.results, [columnId]: view } }
      changed = true
    }
    if (changed) bump()
  }, [])

  const applyEdit = useCallback((rowId: string, columnId: string, value: ManualCellView) => {
    const s = store.current
    const at = s.byId.get(rowId)
    const row = at === undefined ? undefined : s.rows[at]
    if (!row) return
    s.rows[at as number] = { ...row, values: { ...row.values, [columnId]: value } }
    bump()
  }, [])

  /** The loaded row with this id, if any (rows is sparse: never search it with find). */
  const rowById = useCallback((rowId: string): ResultsRow | undefined => {
    const at = store.current.byId.get(rowId)
    return at === undefined ? undefined : store.current.rows[at]
  }, [])

  const s = store.current
  return {
    version,
    rowById,
    rows: s.rows,
    total: s.total,
    rowCount: s.rowCount,
    loading: s.inFlight > 0,
    error: s.error,
    want,
    applyCells,
    applyEdit,
  }
}
