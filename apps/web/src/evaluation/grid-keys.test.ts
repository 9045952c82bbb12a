import { describe, expect, it } from 'vitest'
import { moveActive } from './grid-keys'

const bounds = { rows: 100, cols: 5, page: 10 }
const key = (k: string, ctrl = false) => ({ key: k, ctrl })

describe('moveActive', () => {
  it('moves one cell with the arrows and stops at the edges', () => {
    expect(moveActive(key('ArrowDown'), { row: 3, col: 2 }, bounds)).toEqual({ row: 4, col: 2 })
    expect(moveActive(key('ArrowUp'), { row: 0, col: 2 }, bounds)).toEqual({ row: 0, col: 2 })
    expect(moveActive(key('ArrowRight'), { row: 3, col: 4 }, bounds)).toEqual({ row: 3, col: 4 })
    expect(moveActive(key('ArrowLeft'), { row: 3, col: 2 }, bounds)).toEqual({ row: 3, col: 1 })
  })

  it('pages by a screen and clamps to the last row', () => {
    expect(moveActive(key('PageDown'), { row: 3, col: 1 }, bounds)).toEqual({ row: 13, col: 1 })
    expect(moveActive(key('PageDown'), { row: 95, col: 1 }, bounds)).toEqual({ row: 99, col: 1 })
    expect(moveActive(key('PageUp'), { row: 5, col: 1 }, bounds)).toEqual({ row: 0, col: 1 })
  })

  it('goes to the row ends with Home/End and the grid ends with Ctrl', () => {
    expect(moveActive(key('Home'), { row: 7, col: 3 }, bounds)).toEqual({ row: 7, col: 0 })
    expect(moveActive(key('End'), { row: 7, col: 1 }, bounds)).toEqual({ row: 7, col: 4 })
    expect(moveActive(key('Home', true), { row: 7, col: 3 }, bounds)).toEqual({ row: 0, col: 0 })
    expect(moveActive(key('End', true), { row: 7, col: 1 }, bounds)).toEqual({ row: 99, col: 4 })
  })

  it('pulls a stale position back inside a grid that shrank (a filter was applied)', () => {
    expect(moveActive(key('ArrowRight'), { row: 500, col: 9 }, bounds)).toEqual({ row: 99, col: 4 })
  })

  it('leaves other keys and empty grids to the browser', () => {
    expect(moveActive(key('a'), { row: 1, col: 1 }, bounds)).toBeNull()
    expect(moveActive(key('Tab'), { row: 1, col: 1 }, bounds)).toBeNull()
    expect(moveActive(key('ArrowDown'), { row: 0, col: 0 }, { ...bounds, rows: 0 })).toBeNull()
  })
})
