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

type Store = {
  key: string
  rows: ResultsRow[]
  byId: Map<string, number>
  cursor: string | null
  done: boolean
  total: number | null
  rowCount: number | null
  loading: boolean
  error: unknown
  wanted: number
}

const fresh = (key: string): Store => ({
  key,
  rows: [],
  byId: new Map(),
  cursor: null,
  done: false,
  total: null,
  rowCount: null,
  loading: false,
  error: null,
  wanted: 0,
})

/**
 * The table's rows, a page of 500 at a time through the keyset cursor, loaded in order up to the
 * row the viewport needs. Live cell results and inline edits patch the loaded rows in place.
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

  const pump = useCallback(async () => {
    const s = store.current
    if (s.loading || s.done || s.error) return
    if (s.total !== null && s.rows.length > s.wanted) return
    s.loading = true
    const body = JSON.parse(s.key) as { filters: ResultsFilter[]; sort: ResultsSort | null }
    try {
      const page = await call(
        api.POST('/api/v1/evaluations/{evaluationId}/results/query', {
          params: { path: { evaluationId } },
          body: { filters: body.filters, sort: body.sort, cursor: s.cursor, limit: PAGE_SIZE },
        }),
      )
      if (store.current !== s) return
      for (const row of page.rows) {
        s.byId.set(row.id, s.rows.length)
        s.rows.push(row)
      }
      s.cursor = page.nextCursor
      s.done = page.nextCursor === null
      s.total = page.total
      s.rowCount = page.rowCount ?? null
      s.loading = false
      bump()
      void pump()
    } catch (error) {
      if (store.current !== s) return
      s.loading = false
      s.error = error
      bump()
    }
  }, [evaluationId])

  if (store.current.key !== key) store.current = fresh(key)

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new key starts a new store to fill
  useEffect(() => {
    void pump()
  }, [pump, key])

  /** The viewport shows rows up to `index`: load the pages up to it (and one more). */
  const want = useCallback(
    (index: number) => {
      const s = store.current
      if (index + PAGE_SIZE / 2 > s.wanted) {
        s.wanted = index + PAGE_SIZE / 2
        void pump()
      }
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

  const s = store.current
  return {
    version,
    rows: s.rows,
    total: s.total,
    rowCount: s.rowCount,
    loading: s.loading,
    error: s.error,
    complete: s.done,
    want,
    applyCells,
    applyEdit,
  }
}
