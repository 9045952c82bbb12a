import type { Column, ColumnAggregate, ResultCellView } from '../api/types'

export type ColumnKind = 'data' | 'manual' | 'thumbs' | 'human-text' | 'generated' | 'evaluator'

export function kindOf(column: Column): ColumnKind {
  const c = column.config
  switch (c.kind) {
    case 'data':
      return 'data'
    case 'manual':
      return 'manual'
    case 'human':
      return c.feedback === 'thumbs' ? 'thumbs' : 'human-text'
    case 'generated':
      return 'generated'
    case 'evaluator':
      return 'evaluator'
  }
}

export const KIND_LABEL: Record<ColumnKind, string> = {
  data: 'data',
  manual: 'manual',
  thumbs: 'human · thumbs',
  'human-text': 'human',
  generated: 'generated',
  evaluator: 'evaluator',
}

export function widthOf(column: Column, widths: Record<string, number>): number {
  const saved = widths[column.id]
  if (saved) return saved
  const kind = kindOf(column)
  if (kind === 'evaluator' || kind === 'thumbs') return 132
  if (kind === 'data' && /(^|_)(id|index|type)$/i.test(column.name)) return 110
  if (kind === 'data' && /^(is|has)_/i.test(column.name)) return 100
  return 220
}

export const INDEX_WIDTH = 64

/** Whether a column is edited in place (manual and human columns), by editors and admins. */
export function isEditable(column: Column): boolean {
  return column.config.kind === 'manual' || column.config.kind === 'human'
}

export function verdictOf(
  cell: ResultCellView | undefined,
): 'pass' | 'fail' | 'error' | 'none' | 'pending' | 'stopped' | 'skipped' | 'running' {
  if (!cell) return 'pending'
  if (cell.status === 'done')
    return cell.pass === true ? 'pass' : cell.pass === false ? 'fail' : 'none'
  return cell.status
}

export function thresholdText(threshold: ColumnAggregate['threshold']): string {
  if (!threshold) return '= 1'
  return `${threshold.op} ${threshold.value}`
}
