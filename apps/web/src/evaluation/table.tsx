import { useVirtualizer } from '@tanstack/react-virtual'
import { type KeyboardEvent, memo, useEffect, useMemo, useRef, useState } from 'react'
import type { Column, ColumnAggregate, ResultsRow, RowHeight, TableOptions } from '../api/types'
import { MenuButton } from '../components/ui'
import { num, pct, score } from '../format'
import { INDEX_WIDTH, isEditable, KIND_LABEL, kindOf, verdictOf, widthOf } from './columns'
import { ROW_HEIGHTS } from './table-options'

export type CellRef = { row: ResultsRow; column: Column }

export type ColumnAction =
  | 'sort-asc'
  | 'sort-desc'
  | 'sort-clear'
  | 'filter'
  | 'hide'
  | 'run'
  | 'stop'
  | 'properties'
  | 'rename'
  | 'delete'

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
  want: (index: number) => void
  onOpenCell: (cell: CellRef) => void
  onEdit: (row: ResultsRow, column: Column, value: string | null) => Promise<void>
  onColumnAction: (column: Column, action: ColumnAction) => void
}

export function ResultsTable(props: Props) {
  const { columns, rows, total, options, aggregates } = props
  const scrollRef = useRef<HTMLElement>(null)
  const height = ROW_HEIGHTS[options.rowHeight]
  // Stable between scroll frames, so rows that stay in view are not rendered again.
  const widths = useMemo(
    () => columns.map((c) => widthOf(c, options.widths)),
    [columns, options.widths],
  )
  const fullWidth = INDEX_WIDTH + widths.reduce((a, b) => a + b, 0)
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => height,
    overscan: 8,
  })
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new row height re-measures every row
  useEffect(() => {
    virtualizer.measure()
  }, [height, virtualizer])
  const items = virtualizer.getVirtualItems()
  const last = items[items.length - 1]?.index ?? 0
  // A fling (more than half a screen in one frame) draws light rows until the scroll settles.
  const first = items[0]?.index ?? 0
  const previousFirst = useRef(first)
  const fast = virtualizer.isScrolling && Math.abs(first - previousFirst.current) > items.length / 2
  previousFirst.current = first
  const { want } = props
  useEffect(() => {
    want(last)
  }, [last, want])

  const hasFooter = columns.some((c) => aggregates.has(c.id))
  return (
    <section
      className={`grid rh-${options.rowHeight}`}
      ref={scrollRef}
      aria-label={`Results table, ${total} rows`}
      data-testid="results-grid"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll area is keyboard-scrollable
      tabIndex={0}
    >
      <HeaderRow
        columns={columns}
        widths={widths}
        fullWidth={fullWidth}
        options={options}
        canEdit={props.canEdit}
        runActive={props.runActive}
        onColumnAction={props.onColumnAction}
      />
      <div className="grid-body" style={{ height: virtualizer.getTotalSize(), width: fullWidth }}>
        {items.map((item) => {
          const row = rows[item.index]
          return (
            <div
              key={item.key}
              className={item.index % 2 ? 'gr odd' : 'gr'}
              data-index={item.index}
              style={{ transform: `translateY(${item.start}px)`, height, width: fullWidth }}
            >
              <div className="gc idx" style={{ width: INDEX_WIDTH }}>
                {row ? row.index + 1 : item.index + 1}
              </div>
              {row && !fast ? (
                <RowCells
                  row={row}
                  columns={columns}
                  widths={widths}
                  canEdit={props.canEdit}
                  rowHeight={options.rowHeight}
                  onOpenCell={props.onOpenCell}
                  onEdit={props.onEdit}
                />
              ) : (
                <div className="gc placeholder" style={{ width: fullWidth - INDEX_WIDTH }}>
                  <span className="skeleton" />
                </div>
              )}
            </div>
          )
        })}
      </div>
      {hasFooter ? (
        <FooterRow
          columns={columns}
          widths={widths}
          fullWidth={fullWidth}
          aggregates={aggregates}
        />
      ) : null}
      {total === 0 && !props.loading ? <div className="grid-empty">No row matches.</div> : null}
    </section>
  )
}

/** The header and footer rows do not change while scrolling: rendered once per change. */
const HeaderRow = memo(function HeaderRow({
  columns,
  widths,
  fullWidth,
  options,
  canEdit,
  runActive,
  onColumnAction,
}: {
  columns: Column[]
  widths: number[]
  fullWidth: number
  options: TableOptions
  canEdit: boolean
  runActive: boolean
  onColumnAction: (column: Column, action: ColumnAction) => void
}) {
  return (
    <div className="grid-head" style={{ width: fullWidth }}>
      <div className="gh idx" style={{ width: INDEX_WIDTH }}>
        #
      </div>
      {columns.map((column, i) => (
        <HeaderCell
          key={column.id}
          column={column}
          width={widths[i] as number}
          sort={options.sort?.columnId === column.id ? options.sort.direction : null}
          filtered={options.filters.some((f) => f.columnId === column.id)}
          canEdit={canEdit}
          runActive={runActive}
          onAction={(action) => onColumnAction(column, action)}
        />
      ))}
    </div>
  )
})

const FooterRow = memo(function FooterRow({
  columns,
  widths,
  fullWidth,
  aggregates,
}: {
  columns: Column[]
  widths: number[]
  fullWidth: number
  aggregates: Map<string, ColumnAggregate>
}) {
  return (
    <div className="grid-foot" style={{ width: fullWidth }}>
      <div className="gf idx" style={{ width: INDEX_WIDTH }}>
        Σ
      </div>
      {columns.map((column, i) => (
        <div
          key={column.id}
          className="gf"
          style={{ width: widths[i] }}
          data-testid={`footer-${column.name}`}
        >
          <Footer aggregate={aggregates.get(column.id)} />
        </div>
      ))}
    </div>
  )
})

function HeaderCell({
  column,
  width,
  sort,
  filtered,
  canEdit,
  runActive,
  onAction,
}: {
  column: Column
  width: number
  sort: 'asc' | 'desc' | null
  filtered: boolean
  canEdit: boolean
  runActive: boolean
  onAction: (action: ColumnAction) => void
}) {
  const kind = kindOf(column)
  const runnable = kind === 'evaluator' || kind === 'generated'
  return (
    <div className={`gh kind-${kind}`} style={{ width }}>
      <div className="gh-text">
        <span className="gh-name" title={column.name}>
          {column.name}
        </span>
        <span className="gh-kind">{KIND_LABEL[kind]}</span>
      </div>
      {sort ? (
        <span className="gh-flag" title={`sorted ${sort === 'asc' ? 'ascending' : 'descending'}`}>
          {sort === 'asc' ? '▲' : '▼'}
        </span>
      ) : null}
      {filtered ? (
        <span className="gh-flag" title="filtered">
          <svg width="11" height="11" viewBox="0 0 24 24" aria-hidden="true">
            <path fill="currentColor" d="M3 4h18l-7 8.5V19l-4 2v-8.5z" />
          </svg>
        </span>
      ) : null}
      <MenuButton
        label="⋮"
        className="icon small"
        ariaLabel={`Column ${column.name} menu`}
        items={[
          { label: 'Properties', onSelect: () => onAction('properties') },
          { label: 'Sort ascending', onSelect: () => onAction('sort-asc') },
          { label: 'Sort descending', onSelect: () => onAction('sort-desc') },
          sort ? { label: 'Clear sort', onSelect: () => onAction('sort-clear') } : null,
          { label: 'Filter…', onSelect: () => onAction('filter') },
          { label: 'Hide column', onSelect: () => onAction('hide') },
          canEdit && runnable && !runActive
            ? {
                label: kind === 'generated' ? 'Regenerate' : 'Run this column',
                onSelect: () => onAction('run'),
              }
            : null,
          canEdit && runnable && runActive
            ? { label: 'Stop this column', onSelect: () => onAction('stop') }
            : null,
          canEdit ? { label: 'Rename', onSelect: () => onAction('rename') } : null,
          canEdit && kind !== 'data'
            ? { label: 'Delete', danger: true, onSelect: () => onAction('delete') }
            : null,
        ]}
      />
    </div>
  )
}

const RowCells = memo(function RowCells({
  row,
  columns,
  widths,
  canEdit,
  rowHeight,
  onOpenCell,
  onEdit,
}: {
  row: ResultsRow
  columns: Column[]
  widths: number[]
  canEdit: boolean
  rowHeight: RowHeight
  onOpenCell: (cell: CellRef) => void
  onEdit: (row: ResultsRow, column: Column, value: string | null) => Promise<void>
}) {
  return (
    <>
      {columns.map((column, i) => (
        <div key={column.id} className={`gc kind-${kindOf(column)}`} style={{ width: widths[i] }}>
          <Cell
            row={row}
            column={column}
            canEdit={canEdit}
            rowHeight={rowHeight}
            onOpenCell={onOpenCell}
            onEdit={onEdit}
          />
        </div>
      ))}
    </>
  )
})

function Cell({
  row,
  column,
  canEdit,
  onOpenCell,
  onEdit,
}: {
  row: ResultsRow
  column: Column
  canEdit: boolean
  rowHeight: RowHeight
  onOpenCell: (cell: CellRef) => void
  onEdit: (row: ResultsRow, column: Column, value: string | null) => Promise<void>
}) {
  const kind = kindOf(column)
  if (kind === 'data') {
    const text = row.data[column.id] ?? ''
    return (
      <span className="text" title={text.length > 30 ? text : undefined}>
        {text}
      </span>
    )
  }
  if (kind === 'thumbs') {
    const stored = row.values[column.id]?.value ?? null
    const value =
      stored === '1' || stored === 'up' ? 'up' : stored === '0' || stored === 'down' ? 'down' : null
    const set = (v: 'up' | 'down') => onEdit(row, column, value === v ? null : v)
    return (
      <span className="thumbs">
        <button
          type="button"
          className={value === 'up' ? 'thumb on up' : 'thumb'}
          aria-label={`Thumbs up, row ${row.index + 1}`}
          aria-pressed={value === 'up'}
          disabled={!canEdit}
          onClick={() => set('up')}
        >
          <Thumb />
        </button>
        <button
          type="button"
          className={value === 'down' ? 'thumb on down' : 'thumb'}
          aria-label={`Thumbs down, row ${row.index + 1}`}
          aria-pressed={value === 'down'}
          disabled={!canEdit}
          onClick={() => set('down')}
        >
          <Thumb down />
        </button>
      </span>
    )
  }
  if (isEditable(column)) {
    return (
      <EditableText
        value={row.values[column.id]?.value ?? null}
        label={`${column.name}, row ${row.index + 1}`}
        canEdit={canEdit}
        onSave={(value) => onEdit(row, column, value)}
      />
    )
  }
  const cell = row.results[column.id]
  const open = () => onOpenCell({ row, column })
  if (kind === 'generated') {
    if (!cell) return <span className="muted">·</span>
    if (cell.status === 'error')
      return (
        <button
          type="button"
          className="cell-btn error-text"
          title={cell.error?.message}
          onClick={open}
        >
          error
        </button>
      )
    return (
      <button
        type="button"
        className="cell-btn text"
        onClick={open}
        title={String(cell.value ?? '')}
      >
        {cell.status === 'done' ? String(cell.value ?? '') : cell.status}
      </button>
    )
  }
  const verdict = verdictOf(cell)
  const label =
    verdict === 'pass' || verdict === 'fail' || verdict === 'none'
      ? score(cell?.value ?? null)
      : verdict
  const tip = cell?.error?.message ?? cell?.explanation ?? undefined
  return (
    <button
      type="button"
      className={`chip v-${verdict}`}
      title={tip}
      aria-label={`${column.name}, row ${row.index + 1}: ${label}${verdict === 'pass' || verdict === 'fail' ? ` (${verdict})` : ''}`}
      data-verdict={verdict}
      onClick={open}
    >
      {label}
    </button>
  )
}

function EditableText({
  value,
  label,
  canEdit,
  onSave,
}: {
  value: string | null
  label: string
  canEdit: boolean
  onSave: (value: string | null) => Promise<void>
}) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(value ?? '')
  const [busy, setBusy] = useState(false)
  if (!canEdit) return <span className="text">{value}</span>
  if (!editing)
    return (
      <button
        type="button"
        className="cell-btn text editable"
        aria-label={`Edit ${label}`}
        title="Click to edit"
        onClick={() => {
          setDraft(value ?? '')
          setEditing(true)
        }}
      >
        {value ?? <span className="muted">—</span>}
      </button>
    )
  const commit = async () => {
    setBusy(true)
    try {
      if (draft !== (value ?? '')) await onSave(draft === '' ? null : draft)
      setEditing(false)
    } finally {
      setBusy(false)
    }
  }
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') void commit()
    if (event.key === 'Escape') setEditing(false)
  }
  return (
    <input
      className="cell-input"
      aria-label={label}
      value={draft}
      disabled={busy}
      // biome-ignore lint/a11y/noAutofocus: the cell editor opens where the user clicked
      autoFocus
      onChange={(e) => setDraft(e.target.value)}
      onKeyDown={onKey}
      onBlur={() => void commit()}
    />
  )
}

function Footer({ aggregate: a }: { aggregate: ColumnAggregate | undefined }) {
  if (!a) return null
  const rows: [string, string][] = [
    ['pass', pct(a.passRate, 1)],
    ['fail', pct(a.failRate, 1)],
  ]
  if (a.scale.kind === 'score') {
    rows.push(['avg', num(a.avg)], ['min', num(a.min)], ['max', num(a.max)])
  }
  return (
    <dl className="footer-stats">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  )
}

function Thumb({ down }: { down?: boolean }) {
  return (
    <svg
      width="14"
      height="14"
      viewBox="0 0 24 24"
      aria-hidden="true"
      style={down ? { transform: 'rotate(180deg)' } : undefined}
    >
      <path
        fill="currentColor"
        d="M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.4-1.1L13.2 1 6.6 7.6C6.2 8 6 8.5 6 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z"
      />
    </svg>
  )
}
