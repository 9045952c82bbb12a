import type { CellResult, Run } from '@assay/core'
import type { RunEngine, RunEvent, RunEventListener } from '@assay/engine'
import { afterEach, describe, expect, it } from 'vitest'
import { createRunEventHub, type RunEventHub, type SseMessage } from './run-event-hub.js'

function fakeEngine() {
  let listener: RunEventListener = () => {}
  const engine = {
    subscribe(l: RunEventListener) {
      listener = l
      return () => {
        listener = () => {}
      }
    },
  } as unknown as RunEngine
  return { engine, emit: (event: RunEvent) => listener(event) }
}

const result = (rowId: string): CellResult => ({
  runId: 'run_1',
  rowId,
  columnId: 'col_1',
  status: 'done',
  value: 1,
  pass: true,
  explanation: null,
  raw: 'a long raw answer',
  tokensIn: 1,
  tokensOut: 1,
  cost: null,
  latencyMs: 1,
  attempts: 1,
  error: null,
  model: 'm',
  promptHash: null,
  cached: false,
  finishedAt: new Date(0).toISOString(),
})
const run = (status: Run['status']) => ({ id: 'run_1', status }) as Run

describe('RunEventHub', () => {
  let hub: RunEventHub
  afterEach(() => hub?.close())

  it('batches cell results, flushes them before a status change, and leaves raw answers out', () => {
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine, { batchMs: 10_000, maxBatch: 3 })
    const got: SseMessage[] = []
    hub.subscribe('run_1', (m) => got.push(m))
    for (const id of ['r1', 'r2', 'r3', 'r4'])
      emit({ type: 'cell', runId: 'run_1', result: result(id), columnName: 'c' })
    expect(got.map((m) => m.event)).toEqual(['cells'])
    emit({ type: 'status', run: run('stopped') })
    expect(got.map((m) => m.event)).toEqual(['cells', 'cells', 'status'])
    const cells = got.slice(0, 2).flatMap((m) => JSON.parse(m.data) as CellResult[])
    expect(cells.map((c) => c.rowId)).toEqual(['r1', 'r2', 'r3', 'r4'])
    expect(cells.every((c) => c.raw === null)).toBe(true)
    expect(got.map((m) => m.id)).toEqual([1, 2, 3])
    expect(new TextDecoder().decode(got[2]?.frame)).toBe(
      `id: 3\nevent: status\ndata: ${got[2]?.data}\n\n`,
    )
  })

  it('replays what a reconnecting client missed, and reports a gap it cannot fill', () => {
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine, { keep: 3 })
    for (let i = 0; i < 5; i++) emit({ type: 'status', run: run('running') })
    const replay: number[] = []
    const near = hub.subscribe('run_1', (m) => replay.push(m.id), 3)
    expect(near.gap).toBe(false)
    expect(replay).toEqual([4, 5])
    const far = hub.subscribe('run_1', () => {}, 1)
    expect(far.gap).toBe(true)
    // An id from before a server restart (ahead of this hub's counter) is a gap too.
    expect(hub.subscribe('run_1', () => {}, 99).gap).toBe(true)
    near.close()
    far.close()
  })
})
