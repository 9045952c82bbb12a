import { type KeyboardEvent, memo, useState } from 'react'
import type { Column, ColumnAggregate, ResultsRow, RowHeight } from '../api/types'
import { num, pct, score } from '../format'
import { isEditable, kindOf, verdictOf } from './columns'

export type CellRef = { row: ResultsRow; column: Column }

/** The id of a cell element, for aria-activedescendant and for focusing it. */
export function cellId(grid: string, row: number, col: number): string {
  return `${grid}-r${row}-c${col}`
}

export const RowCells = memo(function RowCells({
  grid,
  index,
  row,
  columns,
  widths,
  activeCol,
  canEdit,
  rowHeight,
  onOpenCell,
  onEdit,
}: {
  grid: string
  index: number
  row: ResultsRow
  columns: Column[]
  widths: number[]
  /** The active cell's column when it is in this row, else -1: only that row renders again. */
  activeCol: number
  canEdit: boolean
  rowHeight: RowHeight
  onOpenCell: (cell: CellRef) => void
  onEdit: (row: ResultsRow, column: Column, value: string | null) => Promise<void>
}) {
  return (
    <>
      {columns.map((column, i) => (
        <div
          key={column.id}
          id={cellId(grid, index, i)}
          role="gridcell"
          aria-colindex={i + 2}
          data-col={i}
          className={`gc kind-${kindOf(column)}${activeCol === i ? ' active' : ''}`}
          style={{ width: widths[i] }}
        >
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
          tabIndex={-1}
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
          tabIndex={-1}
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
          tabIndex={-1}
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
        tabIndex={-1}
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
      tabIndex={-1}
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
        tabIndex={-1}
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
      tabIndex={-1}
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

export function Footer({ aggregate: a }: { aggregate: ColumnAggregate | undefined }) {
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
