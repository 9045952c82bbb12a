import type { MouseEvent, TouchEvent } from 'react'
import { type KeyboardEvent, memo } from 'react'
import type { Column, ColumnAggregate, TableOptions } from '../api/types'
import { MenuButton } from '../components/ui'
import { INDEX_WIDTH, KIND_LABEL, kindOf } from './columns'
import { Footer } from './table-cells'

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

export const MIN_WIDTH = 60
export const MAX_WIDTH = 1200

/** Column resizing, by the column's position among the shown columns. */
export type ResizeActions = {
  start: (index: number, event: MouseEvent | TouchEvent) => void
  by: (index: number, delta: number) => void
  reset: (index: number) => void
}

/** The header and footer rows do not change while scrolling: rendered once per change. */
export const HeaderRow = memo(function HeaderRow({
  columns,
  widths,
  fullWidth,
  options,
  canEdit,
  runActive,
  onColumnAction,
  resize,
}: {
  columns: Column[]
  widths: number[]
  fullWidth: number
  options: TableOptions
  canEdit: boolean
  runActive: boolean
  onColumnAction: (column: Column, action: ColumnAction) => void
  resize: ResizeActions
}) {
  return (
    <div className="grid-head" role="row" aria-rowindex={1} style={{ width: fullWidth }}>
      <div className="gh idx" role="columnheader" aria-colindex={1} style={{ width: INDEX_WIDTH }}>
        #
      </div>
      {columns.map((column, i) => (
        <HeaderCell
          key={column.id}
          index={i}
          column={column}
          width={widths[i] as number}
          sort={options.sort?.columnId === column.id ? (options.sort.direction ?? 'asc') : null}
          filtered={options.filters.some((f) => f.columnId === column.id)}
          canEdit={canEdit}
          runActive={runActive}
          onAction={(action) => onColumnAction(column, action)}
          resize={resize}
        />
      ))}
    </div>
  )
})

export const FooterRow = memo(function FooterRow({
  columns,
  widths,
  fullWidth,
  aggregates,
  rowIndex,
}: {
  columns: Column[]
  widths: number[]
  fullWidth: number
  aggregates: Map<string, ColumnAggregate>
  rowIndex: number
}) {
  return (
    <div className="grid-foot" role="row" aria-rowindex={rowIndex} style={{ width: fullWidth }}>
      <div className="gf idx" role="rowheader" aria-colindex={1} style={{ width: INDEX_WIDTH }}>
        Σ
      </div>
      {columns.map((column, i) => (
        <div
          key={column.id}
          className="gf"
          role="gridcell"
          aria-colindex={i + 2}
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
  index,
  column,
  width,
  sort,
  filtered,
  canEdit,
  runActive,
  onAction,
  resize,
}: {
  index: number
  column: Column
  width: number
  sort: 'asc' | 'desc' | null
  filtered: boolean
  canEdit: boolean
  runActive: boolean
  onAction: (action: ColumnAction) => void
  resize: ResizeActions
}) {
  const kind = kindOf(column)
  const runnable = kind === 'evaluator' || kind === 'generated'
  return (
    <div
      className={`gh kind-${kind}`}
      role="columnheader"
      aria-colindex={index + 2}
      aria-sort={sort === 'asc' ? 'ascending' : sort === 'desc' ? 'descending' : undefined}
      style={{ width }}
    >
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
      <ResizeHandle index={index} name={column.name} width={width} resize={resize} />
    </div>
  )
}

/** Drag (or arrow keys when focused) to resize; double-click goes back to the default width. */
function ResizeHandle({
  index,
  name,
  width,
  resize,
}: {
  index: number
  name: string
  width: number
  resize: ResizeActions
}) {
  const onKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = event.shiftKey ? 50 : 10
    if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
      event.preventDefault()
      resize.by(index, event.key === 'ArrowLeft' ? -step : step)
    } else if (event.key === 'Home') {
      event.preventDefault()
      resize.reset(index)
    }
  }
  return (
    <div
      className="col-resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize column ${name}`}
      aria-valuenow={Math.round(width)}
      aria-valuemin={MIN_WIDTH}
      aria-valuemax={MAX_WIDTH}
      tabIndex={0}
      onMouseDown={(event) => resize.start(index, event)}
      onTouchStart={(event) => resize.start(index, event)}
      onDoubleClick={() => resize.reset(index)}
      onKeyDown={onKey}
    />
  )
}
