import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { RunControl } from './run-registry.js'
import { delay } from './test-fixtures.js'

describe('RunControl', () => {
  it('a run stop closes every running cell gate at once and aborts their requests after the drain', async () => {
    const control = new RunControl(30)
    const a = control.cellSignals('r1', 'c1')
    const b = control.cellSignals('r2', 'c2')
    control.stop('user')
    expect(control.signal.aborted).toBe(true)
    expect([a.gate.aborted, b.gate.aborted]).toEqual([true, true])
    expect((a.gate.reason as Error).message).toBe('user')
    expect([a.requests.aborted, b.requests.aborted]).toEqual([false, false])
    // A cell begun during the drain starts with its gate closed.
    const late = control.cellSignals('r3', 'c1')
    expect(late.gate.aborted).toBe(true)
    expect(late.requests.aborted).toBe(false)
    await delay(50)
    expect([a.requests.aborted, b.requests.aborted, late.requests.aborted]).toEqual([
      true,
      true,
      true,
    ])
    // And after the drain, fully aborted.
    const after = control.cellSignals('r4', 'c2')
    expect([after.gate.aborted, after.requests.aborted]).toEqual([true, true])
  })

  it('a column stop touches only that column', async () => {
    const control = new RunControl(0)
    const one = control.cellSignals('r1', 'c1')
    const two = control.cellSignals('r1', 'c2')
    control.stopColumn('c1')
    expect([one.gate.aborted, one.requests.aborted]).toEqual([true, true])
    expect([two.gate.aborted, two.requests.aborted]).toEqual([false, false])
    expect(control.isColumnStopped('c1')).toBe(true)
    expect(control.isCellStopped('r9', 'c1')).toBe(true)
    expect(control.isCellStopped('r9', 'c2')).toBe(false)
    expect(control.cellSignals('r2', 'c1').gate.aborted).toBe(true)
    expect(control.signal.aborted).toBe(false)
  })

  it('a cell stop aborts that running cell, or skips it when its turn comes', async () => {
    const control = new RunControl(0)
    const running = control.cellSignals('r1', 'c1')
    const other = control.cellSignals('r2', 'c1')
    control.stopCell('r1', 'c1')
    expect([running.gate.aborted, running.requests.aborted]).toEqual([true, true])
    expect(other.gate.aborted).toBe(false)
    control.stopCell('r5', 'c1')
    expect(control.isCellStopped('r5', 'c1')).toBe(true)
    expect(control.isCellStopped('r2', 'c1')).toBe(false)
  })

  it('costs no listener on the run or column signals per cell, and forgets released cells', () => {
    const control = new RunControl(0)
    for (let i = 0; i < 1000; i++) {
      control.cellSignals(`r${i}`, 'c1')
      control.releaseCell(`r${i}`, 'c1')
    }
    expect(getEventListeners(control.signal, 'abort')).toHaveLength(0)
    const kept = control.cellSignals('r1', 'c1')
    control.releaseCell('r1', 'c1')
    // A released cell is no longer aborted by a stop (its work is over).
    control.stop('user')
    expect(kept.gate.aborted).toBe(false)
  })
})
