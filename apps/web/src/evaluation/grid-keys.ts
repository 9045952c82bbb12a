/** Where the active cell goes for a key press in the results grid (WAI-ARIA grid pattern). */
export type GridPosition = { row: number; col: number }

export type GridBounds = {
  rows: number
  cols: number
  /** Rows moved by Page Up / Page Down: about one screen. */
  page: number
}

export type GridKey = {
  key: string
  ctrl: boolean
}

/** The next active cell, or null when the key does not move it (so the browser keeps the key). */
export function moveActive(
  { key, ctrl }: GridKey,
  at: GridPosition,
  { rows, cols, page }: GridBounds,
): GridPosition | null {
  if (rows <= 0 || cols <= 0) return null
  const clampRow = (r: number) => Math.min(rows - 1, Math.max(0, r))
  const clampCol = (c: number) => Math.min(cols - 1, Math.max(0, c))
  const step = Math.max(1, page)
  switch (key) {
    case 'ArrowDown':
      return { row: clampRow(at.row + 1), col: clampCol(at.col) }
    case 'ArrowUp':
      return { row: clampRow(at.row - 1), col: clampCol(at.col) }
    case 'ArrowRight':
      return { row: clampRow(at.row), col: clampCol(at.col + 1) }
    case 'ArrowLeft':
      return { row: clampRow(at.row), col: clampCol(at.col - 1) }
    case 'PageDown':
      return { row: clampRow(at.row + step), col: clampCol(at.col) }
    case 'PageUp':
      return { row: clampRow(at.row - step), col: clampCol(at.col) }
    case 'Home':
      return ctrl ? { row: 0, col: 0 } : { row: clampRow(at.row), col: 0 }
    case 'End':
      return ctrl ? { row: rows - 1, col: cols - 1 } : { row: clampRow(at.row), col: cols - 1 }
    default:
      return null
  }
}
