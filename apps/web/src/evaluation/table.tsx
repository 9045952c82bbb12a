import {
  type ColumnDef,
  type ColumnSizingState,
  getCoreRowModel,
  useReactTable,
} from '@tanstack/react-table'
import { useVirtualizer } from '@tanstack/react-virtual'
import {
  type KeyboardEvent,
  type MouseEvent,
  type RefObject,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react'
import type { Column, ColumnAggregate, ResultsRow, RowHeight, TableOptions } from '../api/types'
import { INDEX_WIDTH, widthOf } from './columns'
import { type GridPosition, moveActive } from './grid-keys'
import { type CellRef, cellId, RowCells } from './table-cells'
import {
  type ColumnAction,
  FooterRow,
  HeaderRow,
  MAX_WIDTH,
  MIN_WIDTH,
  type ResizeActions,
} from './table-header'
import { ROW_HEIGHTS } from './table-options'

export type { CellRef } from './table-cells'
export type { ColumnAction } from './table-header'

type Props = {
  columns: Column[]
  rows: ResultsRow[]
  total: number
  version: number
  options: TableOptions
  aggregates: Map<string, ColumnAggregate>
  canEdit: boolean
  runActive: boolean
  loading: boolean
  /** The viewport shows rows first..last (positions in the listing). */
  want: (first: number, last: number) => void
  onOpenCell: (cell: CellRef) => void
  onEdit: (row: ResultsRow, column: Column, value: string | null) => Promise<void>
  onColumnAction: (column: Column, action: ColumnAction) => void
  /** Column widths changed by the user (saved with the table options). */
  onWidths: (widths: Record<string, number>) => void
}

// TanStack Table holds the column model (sizes, resizing); rows are paged and virtualized by us,
// so it gets no row data: 100,000 sparse rows would only be copied into a row model.
const NO_ROWS: ResultsRow[] = []

export function ResultsTable(props: Props) {
  const { columns, rows, total, options, aggregates, onWidths } = props
  const grid = useId()
  const scrollRef = useRef<HTMLElement>(null)

  const defs = useMemo<ColumnDef<ResultsRow>[]>(
    () =>
      columns.map((c) => ({
        id: c.id,
        header: c.name,
        size: widthOf(c, options.widths),
        minSize: MIN_WIDTH,
        maxSize: MAX_WIDTH,
      })),
    [columns, options.widths],
  )
  const [sizing, setSizing] = useState<ColumnSizingState>({})
  const table = useReactTable({
    data: NO_ROWS,
    columns: defs,
    state: { columnSizing: sizing },
    onColumnSizingChange: setSizing,
    columnResizeMode: 'onChange',
    getCoreRowModel: getCoreRowModel(),
  })
  const resizing = table.getState().columnSizingInfo.isResizingColumn
  // Stable between scroll frames, so rows that stay in view are not rendered again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: sizes change with defs and sizing only
  const widths = useMemo(
    () => table.getVisibleLeafColumns().map((c) => c.getSize()),
    [table, defs, sizing],
  )
  const fullWidth = INDEX_WIDTH + widths.reduce((a, b) => a + b, 0)

  // A drag lives in TanStack's sizing state while it lasts; when it ends it is saved once (not
  // on every mouse move) and dropped, so the saved widths (options.widths, through defs) are the
  // only source again and nothing stale is saved later.
  const wasResizing = useRef<string | false>(false)
  useEffect(() => {
    const was = wasResizing.current
    wasResizing.current = resizing
    if (was === false || resizing !== false) return
    const changed = Object.entries(sizing)
      .map(([id, w]) => [id, Math.round(w)] as const)
      .filter(([id, w]) => options.widths[id] !== w)
    if (changed.length) onWidths({ ...options.widths, ...Object.fromEntries(changed) })
    setSizing({})
  }, [resizing, sizing, options.widths, onWidths])
  const resize = useMemo<ResizeActions>(
    () => ({
      start: (index, event) => table.getFlatHeaders()[index]?.getResizeHandler()(event),
      // A key step is saved as it is made (the options are saved debounced).
      by: (index, delta) => {
        const column = table.getVisibleLeafColumns()[index]
        if (!column) return
        const width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, column.getSize() + delta))
        onWidths({ ...options.widths, [column.id]: Math.round(width) })
      },
      // Back to the default: the saved width is removed, not replaced by the default's value.
      reset: (index) => {
        const column = columns[index]
        if (!column) return
        const { [column.id]: _saved, ...rest } = options.widths
        setSizing(({ [column.id]: _dragged, ...others }) => others)
        onWidths(rest)
      },
    }),
    [table, columns, options.widths, onWidths],
  )

  const [active, setActive] = useState<GridPosition | null>(null)
  // The rows (and their virtualizer) live in VirtualRows, so a scroll frame renders only them.
  const rowsView = useRef<RowsView | null>(null)
  // The active cell is kept in view horizontally; the virtualizer scrolls it in vertically.
  useEffect(() => {
    const el = scrollRef.current
    if (!active || !el) return
    const left = INDEX_WIDTH + widths.slice(0, active.col).reduce((a, b) => a + b, 0)
    const right = left + (widths[active.col] ?? 0)
    if (left - INDEX_WIDTH < el.scrollLeft) el.scrollLeft = left - INDEX_WIDTH
    else if (right > el.scrollLeft + el.clientWidth) el.scrollLeft = right - el.clientWidth
  }, [active, widths])

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const el = scrollRef.current
    const target = event.target as HTMLElement
    if (!el || target.closest('.grid-head')) return
    if (target !== el) {
      onKeyInCell(event, el)
      return
    }
    const view = rowsView.current
    const at = active ?? { row: view?.first ?? 0, col: 0 }
    const next = moveActive({ key: event.key, ctrl: event.ctrlKey || event.metaKey }, at, {
      rows: total,
      cols: columns.length,
      page: Math.max(1, (view?.shown ?? 1) - 2 * OVERSCAN),
    })
    if (next) {
      event.preventDefault()
      setActive(next)
      view?.scrollTo(next.row)
    } else if (active && (event.key === 'Enter' || event.key === 'F2' || event.key === ' ')) {
      const cell = document.getElementById(cellId(grid, active.row, active.col))
      const controls = cell ? focusables(cell) : []
      if (controls.length === 0) return
      event.preventDefault()
      if (controls.length === 1 && controls[0] instanceof HTMLButtonElement) controls[0].click()
      else controls[0]?.focus()
    }
  }

  // A click makes the clicked cell the active one, so the keys go on from there.
  const onClick = (event: MouseEvent<HTMLElement>) => {
    const target = event.target as HTMLElement
    const cell = target.closest<HTMLElement>('[data-col]')
    const row = target.closest<HTMLElement>('[data-index]')
    if (cell && row) setActive({ row: Number(row.dataset.index), col: Number(cell.dataset.col) })
  }

  const hasFooter = columns.some((c) => aggregates.has(c.id))
  return (
    <section
      className={`grid rh-${options.rowHeight}${active ? ' has-active' : ''}${resizing ? ' resizing' : ''}`}
      ref={scrollRef}
      role="grid"
      aria-label={`Results table, ${total} rows`}
      aria-rowcount={total + (hasFooter ? 2 : 1)}
      aria-colcount={columns.length + 1}
      aria-readonly={!props.canEdit}
      data-testid="results-grid"
      tabIndex={0}
      onKeyDown={onKeyDown}
      onClick={onClick}
      onFocus={(event) => {
        // Focus from Tab lands on the first cell in view, so the screen reader reads a cell.
        if (event.target === scrollRef.current && !active && total > 0)
          setActive({ row: rowsView.current?.first ?? 0, col: 0 })
      }}
    >
      <HeaderRow
        columns={columns}
        widths={widths}
        fullWidth={fullWidth}
        options={options}
        canEdit={props.canEdit}
        runActive={props.runActive}
        onColumnAction={props.onColumnAction}
        resize={resize}
      />
      <VirtualRows
        grid={grid}
        scrollRef={scrollRef}
        view={rowsView}
        rows={rows}
        total={total}
        version={props.version}
        columns={columns}
        widths={widths}
        fullWidth={fullWidth}
        rowHeight={options.rowHeight}
        active={active}
        canEdit={props.canEdit}
        want={props.want}
        onOpenCell={props.onOpenCell}
        onEdit={props.onEdit}
      />
      {hasFooter ? (
        <FooterRow
          columns={columns}
          widths={widths}
          fullWidth={fullWidth}
          aggregates={aggregates}
          rowIndex={total + 2}
        />
      ) : null}
      {total === 0 && !props.loading ? <div className="grid-empty">No row matches.</div> : null}
    </section>
  )
}

const OVERSCAN = 8

/** What the grid's keys need from the rows in view. */
type RowsView = { first: number; shown: number; scrollTo: (index: number) => void }

function VirtualRows({
  grid,
  scrollRef,
  view,
  rows,
  total,
  columns,
  widths,
  fullWidth,
  rowHeight,
  active,
  canEdit,
  want,
  onOpenCell,
  onEdit,
}: {
  grid: string
  scrollRef: RefObject<HTMLElement | null>
  view: RefObject<RowsView | null>
  rows: ResultsRow[]
  total: number
  /** Changes when loaded rows change (the rows array is patched in place). */
  version: number
  columns: Column[]
  widths: number[]
  fullWidth: number
  rowHeight: RowHeight
  active: GridPosition | null
  canEdit: boolean
  /** The viewport shows rows first..last (positions in the listing). */
  want: (first: number, last: number) => void
  onOpenCell: (cell: CellRef) => void
  onEdit: (row: ResultsRow, column: Column, value: string | null) => Promise<void>
}) {
  const height = ROW_HEIGHTS[rowHeight]
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => height,
    overscan: OVERSCAN,
  })
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new row height re-measures every row
  useEffect(() => {
    virtualizer.measure()
  }, [height, virtualizer])
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index ?? 0
  const last = items[items.length - 1]?.index ?? 0
  // A fling (more than half a screen in one frame) draws light rows until the scroll settles.
  const previousFirst = useRef(first)
  const fast = virtualizer.isScrolling && Math.abs(first - previousFirst.current) > items.length / 2
  previousFirst.current = first
  useEffect(() => {
    want(first, last)
  }, [first, last, want])
  view.current = {
    first,
    shown: items.length,
    scrollTo: (index) => virtualizer.scrollToIndex(index, { align: 'auto' }),
  }
  // aria-activedescendant names the active cell only while it is rendered.
  const activeId =
    active && active.row >= first && active.row <= last
      ? cellId(grid, active.row, active.col)
      : null
  useEffect(() => {
    const el = scrollRef.current
    if (!el) return
    if (activeId) el.setAttribute('aria-activedescendant', activeId)
    else el.removeAttribute('aria-activedescendant')
  }, [activeId, scrollRef])

  return (
    <div
      className="grid-body"
      role="rowgroup"
      style={{ height: virtualizer.getTotalSize(), width: fullWidth }}
    >
      {items.map((item) => {
        const row = rows[item.index]
        return (
          <div
            key={item.key}
            role="row"
            aria-rowindex={item.index + 2}
            className={item.index % 2 ? 'gr odd' : 'gr'}
            data-index={item.index}
            style={{ transform: `translateY(${item.start}px)`, height, width: fullWidth }}
          >
            <div
              className="gc idx"
              role="rowheader"
              aria-colindex={1}
              style={{ width: INDEX_WIDTH }}
            >
              {row ? row.index + 1 : item.index + 1}
            </div>
            {row && !fast ? (
              <RowCells
                grid={grid}
                index={item.index}
                row={row}
                columns={columns}
                widths={widths}
                activeCol={active?.row === item.index ? active.col : -1}
                canEdit={canEdit}
                rowHeight={rowHeight}
                onOpenCell={onOpenCell}
                onEdit={onEdit}
              />
            ) : (
              <div
                className="gc placeholder"
                role="gridcell"
                aria-busy="true"
                style={{ width: fullWidth - INDEX_WIDTH }}
              >
                <span className="skeleton" />
              </div>
            )}
          </div>
        )
      })}
    </div>
  )
}

function focusables(cell: HTMLElement): HTMLElement[] {
  return [...cell.querySelectorAll<HTMLElement>('button:not(:disabled), input, textarea')]
}

/**
 * Keys while focus is on a control inside a cell ("interaction mode"): Escape goes back to the
 * grid, Left/Right move between the cell's controls (the thumbs pair), and Enter/Escape in an
 * editor hand focus back to the grid once the editor has closed.
 */
function onKeyInCell(event: KeyboardEvent<HTMLElement>, grid: HTMLElement) {
  const target = event.target as HTMLElement
  const cell = target.closest<HTMLElement>('[data-col]')
  if (!cell) return
  const editing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement
  if (editing) {
    if (event.key === 'Enter' || event.key === 'Escape')
      setTimeout(() => grid.focus({ preventScroll: true }), 0)
    return
  }
  if (event.key === 'Escape') {
    event.preventDefault()
    grid.focus({ preventScroll: true })
    return
  }
  if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
    const controls = focusables(cell)
    const at = controls.indexOf(target)
    const next = controls[at + (event.key === 'ArrowLeft' ? -1 : 1)]
    event.preventDefault()
    next?.focus()
  }
}
