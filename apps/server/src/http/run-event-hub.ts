import type { CellResult } from '@assay/core'
import type { RunEngine, RunEvent } from '@assay/engine'

/**
 * One server-sent event: `id` grows per run, so a client can resume with Last-Event-ID. `frame`
 * is the encoded event, made once and written as is to every client of the run.
 */
export type SseMessage = { id: number; event: string; data: string; frame: Uint8Array }
const encoder = new TextEncoder()
type Listener = (message: SseMessage) => void

type Channel = {
  nextId: number
  /** The most recent messages, oldest first, for clients that reconnect. */
  recent: SseMessage[]
  listeners: Set<Listener>
  pendingCells: { result: CellResult; columnName: string }[]
  flushTimer: ReturnType<typeof setTimeout> | null
  lastUsed: number
}

export type RunEventHub = {
  /**
   * Listens to a run's events. With `lastEventId`, first replays what came after it when that
   * is still held, and returns `gap: true` when it is not (the client then reloads its state).
   */
  subscribe(
    runId: string,
    listener: Listener,
    lastEventId?: number,
  ): { gap: boolean; close(): void }
  close(): void
}

export type HubOptions = {
  /** Cell results are sent in batches at most this often (ms). */
  batchMs: number
  /** Largest batch of cell results in one message. */
  maxBatch: number
  /** Messages kept per run for reconnecting clients. */
  keep: number
}

const DEFAULTS: HubOptions = { batchMs: 100, maxBatch: 500, keep: 1_000 }

/**
 * Turns the engine's events into SSE messages per run: status, progress and backoff as they come,
 * cell results in batches (a page of 50 clients must not receive 5,000 messages a second).
 */
export function createRunEventHub(
  engine: RunEngine,
  options: Partial<HubOptions> = {},
): RunEventHub {
  const o = { ...DEFAULTS, ...options }
  const channels = new Map<string, Channel>()

  const channel = (runId: string): Channel => {
    let c = channels.get(runId)
    if (!c) {
      c = {
        nextId: 1,
        recent: [],
        listeners: new Set(),
        pendingCells: [],
        flushTimer: null,
        lastUsed: Date.now(),
      }
      channels.set(runId, c)
      if (channels.size > 200) evictIdle()
    }
    c.lastUsed = Date.now()
    return c
  }

  function evictIdle(): void {
    const idle = [...channels].filter(([, c]) => c.listeners.size === 0 && c.flushTimer === null)
    idle.sort((a, b) => a[1].lastUsed - b[1].lastUsed)
    for (const [id] of idle.slice(0, idle.length - 100)) channels.delete(id)
  }

  function publish(c: Channel, event: string, payload: unknown): void {
    const id = c.nextId++
    // JSON.stringify never emits a raw line break, so the data fits on one `data:` line.
    const data = JSON.stringify(payload)
    const message = {
      id,
      event,
      data,
      frame: encoder.encode(`id: ${id}\nevent: ${event}\ndata: ${data}\n\n`),
    }
    c.recent.push(message)
    if (c.recent.length > o.keep) c.recent.splice(0, c.recent.length - o.keep)
    for (const listener of c.listeners) listener(message)
  }

  function flushCells(c: Channel): void {
    if (c.flushTimer) clearTimeout(c.flushTimer)
    c.flushTimer = null
    while (c.pendingCells.length > 0) {
      const batch = c.pendingCells.splice(0, o.maxBatch)
      publish(
        c,
        'cells',
        // The raw model answer stays out of the stream (it can be long; the detail panel reads it).
        batch.map((b) => ({ ...b.result, raw: null, columnName: b.columnName })),
      )
    }
  }

  function onEvent(event: RunEvent): void {
    switch (event.type) {
      case 'cell': {
        const c = channel(event.runId)
        c.pendingCells.push({ result: event.result, columnName: event.columnName })
        if (c.pendingCells.length >= o.maxBatch) flushCells(c)
        else c.flushTimer ??= setTimeout(() => flushCells(c), o.batchMs)
        return
      }
      case 'status': {
        // Results first, so a client that sees `stopped` already has every stored cell.
        const c = channel(event.run.id)
        flushCells(c)
        publish(c, 'status', event.run)
        return
      }
      case 'progress': {
        const c = channel(event.progress.runId)
        publish(c, 'progress', event.progress)
        return
      }
      case 'backoff':
        publish(channel(event.runId), 'backoff', event)
        return
    }
  }

  const unsubscribe = engine.subscribe(onEvent)

  return {
    subscribe(runId, listener, lastEventId) {
      const c = channel(runId)
      let gap = false
      if (lastEventId !== undefined) {
        const first = c.recent[0]
        if (lastEventId >= c.nextId) gap = true
        else if (first && lastEventId < first.id - 1) gap = true
        else if (!first && lastEventId > 0) gap = true
        for (const message of c.recent) if (message.id > lastEventId) listener(message)
      }
      c.listeners.add(listener)
      return {
        gap,
        close: () => {
          c.listeners.delete(listener)
        },
      }
    },
    close() {
      unsubscribe()
      for (const c of channels.values()) if (c.flushTimer) clearTimeout(c.flushTimer)
      channels.clear()
    },
  }
}
