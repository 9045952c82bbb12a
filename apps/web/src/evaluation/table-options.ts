import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useRef, useState } from 'react'
import { api, call } from '../api/client'
import type { Column, ResultsFilter, RowHeight, TableOptions } from '../api/types'

export const DEFAULT_OPTIONS: TableOptions = {
  filters: [],
  sort: null,
  hidden: [],
  rowHeight: 'normal',
  widths: {},
}

export const ROW_HEIGHTS: Record<RowHeight, number> = { compact: 28, normal: 36, tall: 76 }

function normalise(raw: Record<string, unknown> | undefined): TableOptions {
  const o = raw ?? {}
  return {
    filters: Array.isArray(o.filters) ? (o.filters as ResultsFilter[]) : [],
    sort: (o.sort as TableOptions['sort']) ?? null,
    hidden: Array.isArray(o.hidden) ? (o.hidden as string[]) : [],
    rowHeight: (['compact', 'normal', 'tall'] as const).includes(o.rowHeight as RowHeight)
      ? (o.rowHeight as RowHeight)
      : 'normal',
    widths: (o.widths as Record<string, number>) ?? {},
  }
}

/** The signed-in user's filters, sort, hidden columns and row height, saved as they change. */
export function useTableOptions(evaluationId: string, columns: Column[] | undefined) {
  const loaded = useQuery({
    queryKey: ['table-options', evaluationId],
    queryFn: async () =>
      normalise(
        (
          await call(
            api.GET('/api/v1/evaluations/{evaluationId}/table-options', {
              params: { path: { evaluationId } },
            }),
          )
        ).options,
      ),
    staleTime: Number.POSITIVE_INFINITY,
  })
  const [options, setOptions] = useState<TableOptions | null>(null)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const [saveError, setSaveError] = useState<unknown>(null)

  useEffect(() => {
    if (loaded.data && options === null) setOptions(loaded.data)
  }, [loaded.data, options])

  // Options naming a column that no longer exists are dropped, not sent to the API.
  const known = columns ? new Set(columns.map((c) => c.id)) : null
  const effective: TableOptions | null =
    options && known
      ? {
          ...options,
          filters: options.filters.filter((f) => known.has(f.columnId)),
          sort: options.sort && known.has(options.sort.columnId) ? options.sort : null,
        }
      : options

  const update = useCallback(
    (change: (o: TableOptions) => TableOptions) => {
      setOptions((current) => {
        const next = change(current ?? DEFAULT_OPTIONS)
        if (timer.current) clearTimeout(timer.current)
        timer.current = setTimeout(() => {
          call(
            api.PUT('/api/v1/evaluations/{evaluationId}/table-options', {
              params: { path: { evaluationId } },
              body: { options: next },
            }),
          )
            .then(() => setSaveError(null))
            .catch(setSaveError)
        }, 300)
        return next
      })
    },
    [evaluationId],
  )

  return {
    options: effective,
    ready: effective !== null || loaded.isError,
    update,
    saveError,
  }
}
