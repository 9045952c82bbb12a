import type { CellResult, Run } from '@assay/core'
import type { RunEngine, RunEvent, RunEventListener } from '@assay/engine'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createRunEventHub,
  pipeRunEvents,
  type RunEventHub,
  type SseMessage,
} from './run-event-hub.js'

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
const run = (status: Run['status'], id = 'run_1') => ({ id, status }) as Run

describe('RunEventHub', () => {
  let hub: RunEventHub
  afterEach(() => {
    hub?.close()
    vi.useRealTimers()
  })

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
    const ids = got.map((m) => m.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(new Set(ids).size).toBe(3)
    expect(new TextDecoder().decode(got[2]?.frame)).toBe(
      `id: ${got[2]?.id}\nevent: status\ndata: ${got[2]?.data}\n\n`,
    )
  })

  it('replays what a reconnecting client missed, and reports a gap it cannot fill', () => {
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine, { keep: 3 })
    const ids: number[] = []
    hub.subscribe('run_0', () => {}) // another run's client, to keep run_1's channel honest
    const first = hub.subscribe('run_1', (m) => ids.push(m.id))
    for (let i = 0; i < 5; i++) emit({ type: 'status', run: run('running') })
    first.close()
    const replay: number[] = []
    const near = hub.subscribe('run_1', (m) => replay.push(m.id), ids[2])
    expect(near.gap).toBe(false)
    expect(replay).toEqual(ids.slice(3))
    // As the browser sends it: a string.
    expect(hub.subscribe('run_1', () => {}, String(ids[3])).gap).toBe(false)
    const far = hub.subscribe('run_1', () => {}, ids[0])
    expect(far.gap).toBe(true)
    // Ahead of anything this hub sent, or not an id at all: a gap too.
    expect(hub.subscribe('run_1', () => {}, (ids[4] ?? 0) + 1).gap).toBe(true)
    expect(hub.subscribe('run_1', () => {}, 'abc').gap).toBe(true)
    near.close()
    far.close()
  })

  it('keeps ids unique across restarts, and treats an id from before one as a gap', () => {
    let now = 1_700_000_000_000
    const before = fakeEngine()
    const old = createRunEventHub(before.engine, { now: () => now })
    const oldIds: number[] = []
    old.subscribe('run_1', (m) => oldIds.push(m.id))
    // A burst faster than the clock: ids still grow by one each.
    for (let i = 0; i < 50; i++) before.emit({ type: 'status', run: run('running') })
    old.close()
    expect(oldIds).toEqual(Array.from({ length: 50 }, (_, i) => 1_700_000_000_001 + i))

    now += 5_000 // the restart
    const after = fakeEngine()
    hub = createRunEventHub(after.engine, { now: () => now })
    const newIds: number[] = []
    const resumed = hub.subscribe('run_1', (m) => newIds.push(m.id), oldIds[49])
    expect(resumed.gap).toBe(true)
    after.emit({ type: 'status', run: run('running') })
    expect(newIds[0]).toBeGreaterThan(oldIds[49] ?? 0)
    expect(hub.subscribe('run_1', () => {}, oldIds[10]).gap).toBe(true)
    expect(hub.subscribe('run_1', () => {}, newIds[0]).gap).toBe(false)
  })

  it('drops a finished run’s replay buffer after the grace period, unless it resumes', () => {
    vi.useFakeTimers()
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine, { finishedGraceMs: 60_000 })
    for (let i = 0; i < 100; i++) emit({ type: 'status', run: run('running') })
    emit({ type: 'status', run: run('completed') })
    expect(hub.stats().messages).toBe(101)
    vi.advanceTimersByTime(59_000)
    expect(hub.stats().messages).toBe(101)
    vi.advanceTimersByTime(2_000)
    expect(hub.stats()).toEqual({ bytes: 0, channels: 0, messages: 0 })

    emit({ type: 'status', run: run('stopped', 'run_2') })
    emit({ type: 'status', run: run('queued', 'run_2') })
    vi.advanceTimersByTime(120_000)
    expect(hub.stats().messages).toBe(2)
  })

  it('drops a finished run’s buffer as soon as its last client leaves', () => {
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine)
    const a = hub.subscribe('run_1', () => {})
    const b = hub.open('run_1')
    emit({ type: 'status', run: run('running') })
    emit({ type: 'status', run: run('failed') })
    a.close()
    expect(hub.stats().messages).toBe(2)
    b.close()
    expect(hub.stats()).toEqual({ bytes: 0, channels: 0, messages: 0 })
  })

  it('bounds the bytes held for all runs, dropping finished runs first, then the oldest', () => {
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine, { maxBytes: 20_000, finishedGraceMs: 3_600_000 })
    const firstOf = new Map<string, number>()
    for (let r = 0; r < 100; r++) {
      const runId = `run_${r}`
      hub.subscribe(runId, (m) => firstOf.set(runId, firstOf.get(runId) ?? m.id))
      for (let i = 0; i < 10; i++) emit({ type: 'status', run: run('running', runId) })
      if (r % 2 === 0) emit({ type: 'status', run: run('completed', runId) })
    }
    const { bytes, messages } = hub.stats()
    expect(bytes).toBeLessThanOrEqual(20_000)
    expect(messages).toBeGreaterThan(0)
    // The newest active run is still fully replayable; the oldest is not, and says so.
    const newest = firstOf.get('run_99') ?? 0
    expect(hub.subscribe('run_99', () => {}, newest).gap).toBe(false)
    expect(hub.subscribe('run_1', () => {}, firstOf.get('run_1')).gap).toBe(true)
  })

  it('disconnects a client that falls too far behind; it resumes from the buffer', async () => {
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine, { maxQueued: 5 })
    const fresh = hub.open('run_1')
    expect(fresh.snapshot).toBe(true)
    expect(fresh.gap).toBe(false)
    expect(await fresh.next(5)).toEqual([])
    emit({ type: 'status', run: run('running') })
    const [seen] = (await fresh.next(1_000)) ?? []
    expect(seen?.event).toBe('status')
    for (let i = 0; i < 10; i++) emit({ type: 'status', run: run('running') })
    expect(await fresh.next(1_000)).toBeNull()
    expect(fresh.overflowed).toBe(true)

    // The browser reconnects with the last id it got: everything after it is replayed.
    const resumed = hub.open('run_1', String(seen?.id))
    expect(resumed.snapshot).toBe(false)
    expect((await resumed.next(1_000))?.length).toBe(10)
    resumed.close()
    expect(await resumed.next(1_000)).toBeNull()
    expect(resumed.overflowed).toBe(false)
  })

  it('pipes events to an SSE response, ending it when the client cannot keep up', async () => {
    const { engine, emit } = fakeEngine()
    hub = createRunEventHub(engine, { maxQueued: 20 })
    const written: string[] = []
    let release = () => {}
    const stuck = new Promise<void>((resolve) => {
      release = resolve
    })
    const sink = {
      aborted: false,
      async write(data: Uint8Array | string) {
        written.push(typeof data === 'string' ? data : new TextDecoder().decode(data))
        if (written.length === 2) await stuck // the client's socket is full
      },
    }
    const events = hub.open('run_1')
    const piping = pipeRunEvents(sink, events, 10)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(written[0]).toBe(': ping\n\n')
    for (let i = 0; i < 100; i++) emit({ type: 'status', run: run('running') })
    release()
    await piping
    expect(events.overflowed).toBe(true)
    expect(written.length).toBeLessThan(5)
    expect(hub.stats().channels).toBe(1) // the run's buffer stays for the reconnect
  })
})
