import { describe, expect, it } from 'vitest'
import type { Run } from '../domain/run.js'
import { transitionCell } from './cell-state.js'
import { liveElapsedMs, transitionRun } from './run-state.js'

const T0 = Date.UTC(2026, 0, 1)
const iso = (ms: number) => new Date(ms).toISOString()
const queued: Run = {
  id: 'run_1',
  evaluationId: 'ev_1',
  status: 'queued',
  scope: { mode: 'unfinished', columnIds: null, rowIds: null },
  startedBy: null,
  createdAt: iso(T0),
  segmentStartedAt: null,
  elapsedMs: 0,
  segments: 0,
  finishedAt: null,
  tokensIn: 0,
  tokensOut: 0,
  cost: 0,
  budget: null,
  stopReason: null,
}

function must(result: ReturnType<typeof transitionRun>): Run {
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

describe('run state machine', () => {
  it('sums elapsed time over stopped and resumed segments', () => {
    let run = must(transitionRun(queued, { type: 'start', at: T0, atIso: iso(T0) }))
    expect(liveElapsedMs(run, T0 + 500)).toBe(500)
    run = must(transitionRun(run, { type: 'request_stop', reason: 'user' }))
    run = must(transitionRun(run, { type: 'stopped', at: T0 + 1000, atIso: iso(T0 + 1000) }))
    expect(run).toMatchObject({
      status: 'stopped',
      elapsedMs: 1000,
      segmentStartedAt: null,
      stopReason: 'user',
    })
    expect(liveElapsedMs(run, T0 + 99_999)).toBe(1000)
    run = must(transitionRun(run, { type: 'resume' }))
    expect(run).toMatchObject({ status: 'queued', finishedAt: null, stopReason: null })
    run = must(transitionRun(run, { type: 'start', at: T0 + 5000, atIso: iso(T0 + 5000) }))
    run = must(transitionRun(run, { type: 'complete', at: T0 + 5250, atIso: iso(T0 + 5250) }))
    expect(run).toMatchObject({
      status: 'completed',
      elapsedMs: 1250,
      segments: 2,
      finishedAt: iso(T0 + 5250),
    })
  })

  it('recovers a run whose process died, counting time up to its last sign of life', () => {
    const running = must(transitionRun(queued, { type: 'start', at: T0, atIso: iso(T0) }))
    expect(must(transitionRun(running, { type: 'recover', lastAliveAt: T0 + 300 }))).toMatchObject({
      status: 'queued',
      elapsedMs: 300,
    })
  })

  it.each([
    ['queued', { type: 'complete', at: T0, atIso: iso(T0) }],
    ['queued', { type: 'stopped', at: T0, atIso: iso(T0) }],
    ['queued', { type: 'resume' }],
    ['completed', { type: 'resume' }],
    ['completed', { type: 'request_stop', reason: 'user' }],
    ['completed', { type: 'fail', at: T0, atIso: iso(T0), reason: 'x' }],
    ['stopped', { type: 'start', at: T0, atIso: iso(T0) }],
    ['stopping', { type: 'complete', at: T0, atIso: iso(T0) }],
  ] as const)('refuses a %s run event %j', (status, event) => {
    const result = transitionRun({ ...queued, status }, event)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.code).toBe('invalid_state')
  })
})

describe('cell state machine', () => {
  it.each([
    ['pending', 'start', 'running'],
    ['running', 'finish', 'done'],
    ['running', 'fail', 'error'],
    ['running', 'stop', 'stopped'],
    ['pending', 'stop', 'stopped'],
    ['stopped', 'requeue', 'pending'],
    ['error', 'retry', 'pending'],
    ['pending', 'skip', 'skipped'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(transitionCell(from, event)).toEqual({ ok: true, value: to })
  })

  it.each([
    ['done', 'start'],
    ['done', 'stop'],
    ['error', 'finish'],
    ['skipped', 'requeue'],
    ['pending', 'finish'],
  ] as const)('refuses %s --%s-->', (from, event) => {
    expect(transitionCell(from, event).ok).toBe(false)
  })
})
