import { type CellResult, isFinalRunStatus } from '@assay/core'
import type { RunEngine, RunEvent } from '@assay/engine'

/**
 * One server-sent event. `id` is a decimal number that only grows, across runs and across
 * restarts: it is at least the time it was made (ms since 1970), so a Last-Event-ID from before
 * a restart is older than anything this process sent and is told apart (the client gets a
 * snapshot instead of a silent hole). `frame` is the encoded event, made once and written as is
 * to every client of the run.
 */
export type SseMessage = { id: number; event: string; data: string; frame: Uint8Array }
const encoder = new TextEncoder()
type Listener = (message: SseMessage) => void

type Channel = {
  runId: string
  /** The most recent messages, oldest first, for clients that reconnect. */
  recent: SseMessage[]
  /** Bytes of the frames in `recent`. */
  bytes: number
  /**
   * Every message of this run with an id above `floor` is in `recent`: a client whose last id is
   * below it may have missed some (dropped, evicted, or sent by an earlier process).
   */
  floor: number
  listeners: Set<Listener>
  pendingCells: { result: CellResult; columnName: string }[]
  flushTimer: ReturnType<typeof setTimeout> | null
  /** When the run reached a final status (its replay buffer goes after the grace period). */
  finishedAt: number | null
  dropTimer: ReturnType<typeof setTimeout> | null
  lastUsed: number
}

/** One client's live view of a run, with a bounded queue of frames still to write. */
export type RunEventStream = {
  /** Events were missed (unknown, foreign or too old Last-Event-ID): the client must resync. */
  gap: boolean
  /** Write a `snapshot` first: the client sent no Last-Event-ID, or events were missed. */
  snapshot: boolean
  /**
   * The next messages to write, oldest first; waits up to `timeoutMs` for one (`[]` when none
   * came: time for a heartbeat). `null` once the stream is over: closed, or the client fell more
   * than `maxQueued` frames behind. The response should then end; the browser reconnects with
   * Last-Event-ID and gets what it missed from the replay buffer, or a snapshot.
   */
  next(timeoutMs: number): Promise<SseMessage[] | null>
  /** Whether the stream ended because the client could not keep up. */
  readonly overflowed: boolean
  close(): void
}

export type RunEventHub = {
  /**
   * Follows a run's events with a bounded per-client queue: the way to serve an SSE client.
   * `lastEventId` is the Last-Event-ID header as sent (anything but a known id is a gap).
   */
  open(runId: string, lastEventId?: number | string | null): RunEventStream
  /**
   * Listens to a run's events. With `lastEventId`, first replays what came after it when that
   * is still held, and returns `gap: true` when it is not (the client then reloads its state).
   * The listener is called for every message, however far behind its consumer is: prefer `open`.
   */
  subscribe(
    runId: string,
    listener: Listener,
    lastEventId?: number | string | null,
  ): { gap: boolean; close(): void }
  /** Bytes held in replay buffers, and runs with a channel (for tests and diagnostics). */
  stats(): { bytes: number; channels: number; messages: number }
  close(): void
}

export type HubOptions = {
  /** Cell results are sent in batches at most this often (ms). */
  batchMs: number
  /** Largest batch of cell results in one message. */
  maxBatch: number
  /** Messages kept per run for reconnecting clients. */
  keep: number
  /** Bytes kept in all runs' replay buffers together; the oldest go first past it. */
  maxBytes: number
  /** How long a finished run's replay buffer is kept after its final status (ms). */
  finishedGraceMs: number
  /** Frames a client may fall behind before it is disconnected (it resumes on reconnect). */
  maxQueued: number
  /** Bytes of frames a client may fall behind, likewise. */
  maxQueuedBytes: number
  /** The clock event ids are based on. */
  now: () => number
}

const DEFAULTS: HubOptions = {
  batchMs: 100,
  maxBatch: 500,
  keep: 1_000,
  maxBytes: 32 * 1024 * 1024,
  finishedGraceMs: 60_000,
  maxQueued: 500,
  maxQueuedBytes: 16 * 1024 * 1024,
  now: Date.now,
}

/** A Last-Event-ID as sent: a decimal id, or null when absent, foreign or malformed. */
function parseEventId(value: number | string | null | undefined): number | null | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null
  if (!/^\d{1,16}$/.test(value.trim())) return null
  const id = Number(value.trim())
  return Number.isSafeInteger(id) ? id : null
}

/**
 * Turns the engine's events into SSE messages per run: status, progress and backoff as they come,
 * cell results in batches (a page of 50 clients must not receive 5,000 messages a second).
 * Memory is bounded: per run (`keep`), in total (`maxBytes`), per finished run (dropped after
 * `finishedGraceMs`, or as soon as its last client leaves), and per client (`maxQueued`).
 */
export function createRunEventHub(
  engine: RunEngine,
  options: Partial<HubOptions> = {},
): RunEventHub {
  const o = { ...DEFAULTS, ...options }
  const channels = new Map<string, Channel>()
  /** Ids issued by this process are above this; anything at or below it is from before. */
  const bootFloor = o.now()
  let lastId = bootFloor
  let totalBytes = 0
  const streams = new Set<() => void>()

  const nextId = () => {
    lastId = Math.max(lastId + 1, o.now())
    return lastId
  }

  const channel = (runId: string): Channel => {
    let c = channels.get(runId)
    if (!c) {
      c = {
        runId,
        recent: [],
        bytes: 0,
        floor: lastId,
        listeners: new Set(),
        pendingCells: [],
        flushTimer: null,
        finishedAt: null,
        dropTimer: null,
        lastUsed: Date.now(),
      }
      channels.set(runId, c)
      if (channels.size > 200) evictIdle()
    }
    c.lastUsed = Date.now()
    return c
  }

  /** Forgets a channel's replay buffer; a client resuming from before it gets a snapshot. */
  function dropBuffer(c: Channel): void {
    const last = c.recent[c.recent.length - 1]
    if (last) c.floor = Math.max(c.floor, last.id)
    totalBytes -= c.bytes
    c.bytes = 0
    c.recent = []
  }

  function forget(c: Channel): void {
    dropBuffer(c)
    if (c.flushTimer) clearTimeout(c.flushTimer)
    if (c.dropTimer) clearTimeout(c.dropTimer)
    c.flushTimer = null
    c.dropTimer = null
    channels.delete(c.runId)
  }

  /** A channel nobody listens to and nothing can be replayed from is of no more use. */
  function forgetIfUnused(c: Channel): void {
    if (c.listeners.size > 0 || c.pendingCells.length > 0) return
    if (c.recent.length === 0 || c.finishedAt !== null) forget(c)
  }

  function evictIdle(): void {
    const idle = [...channels.values()].filter(
      (c) => c.listeners.size === 0 && c.flushTimer === null,
    )
    idle.sort((a, b) => a.lastUsed - b.lastUsed)
    for (const c of idle.slice(0, idle.length - 100)) forget(c)
  }

  function dropOldest(c: Channel, count: number): void {
    const dropped = c.recent.splice(0, count)
    for (const m of dropped) c.bytes -= m.frame.byteLength
    for (const m of dropped) totalBytes -= m.frame.byteLength
    const last = dropped[dropped.length - 1]
    if (last) c.floor = Math.max(c.floor, last.id)
  }

  /** Past `maxBytes`: finished runs' buffers go first, then the oldest messages of any run. */
  function enforceTotal(): void {
    if (totalBytes <= o.maxBytes) return
    const target = o.maxBytes * 0.9
    const finished = [...channels.values()]
      .filter((c) => c.finishedAt !== null && c.recent.length > 0)
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))
    for (const c of finished) {
      if (totalBytes <= target) return
      dropBuffer(c)
      forgetIfUnused(c)
    }
    while (totalBytes > target) {
      let oldest: Channel | undefined
      for (const c of channels.values()) {
        const first = c.recent[0]
        if (first && (!oldest || first.id < (oldest.recent[0]?.id ?? Number.POSITIVE_INFINITY)))
          oldest = c
      }
      if (!oldest) return
      dropOldest(oldest, 1)
    }
  }

  function publish(c: Channel, event: string, payload: unknown): void {
    const id = nextId()
    // JSON.stringify never emits a raw line break, so the data fits on one `data:` line.
    const data = JSON.stringify(payload)
    const message = {
      id,
      event,
      data,
      frame: encoder.encode(`id: ${id}\nevent: ${event}\ndata: ${data}\n\n`),
    }
    c.recent.push(message)
    c.bytes += message.frame.byteLength
    totalBytes += message.frame.byteLength
    if (c.recent.length > o.keep) dropOldest(c, c.recent.length - o.keep)
    for (const listener of c.listeners) listener(message)
    enforceTotal()
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
        if (c.dropTimer) clearTimeout(c.dropTimer)
        c.dropTimer = null
        if (isFinalRunStatus(event.run.status)) {
          c.finishedAt = Date.now()
          c.dropTimer = setTimeout(() => {
            c.dropTimer = null
            dropBuffer(c)
            forgetIfUnused(c)
          }, o.finishedGraceMs)
          c.dropTimer.unref?.()
        } else c.finishedAt = null // resumed
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

  function attach(
    runId: string,
    listener: Listener,
    lastEventId: number | string | null | undefined,
  ): { gap: boolean; fresh: boolean; detach(): void } {
    const c = channel(runId)
    const last = parseEventId(lastEventId)
    let gap = false
    if (last !== undefined) {
      // Malformed or foreign, from an earlier process, from the future, or older than what is
      // held: events may have been missed.
      gap = last === null || last <= bootFloor || last > lastId || last < c.floor
      if (!gap) for (const message of c.recent) if (message.id > (last ?? 0)) listener(message)
    }
    c.listeners.add(listener)
    return {
      gap,
      fresh: last === undefined,
      detach: () => {
        if (!c.listeners.delete(listener)) return
        if (channels.get(runId) === c) forgetIfUnused(c)
      },
    }
  }

  return {
    open(runId, lastEventId) {
      let queue: SseMessage[] = []
      let queuedBytes = 0
      let limit = Number.POSITIVE_INFINITY
      let limitBytes = Number.POSITIVE_INFINITY
      let done = false
      let overflowed = false
      let wake: (() => void) | null = null

      const end = () => {
        if (done) return
        done = true
        queue = []
        queuedBytes = 0
        attached.detach()
        streams.delete(end)
        wake?.()
      }
      const attached = attach(
        runId,
        (message) => {
          if (done) return
          queue.push(message)
          queuedBytes += message.frame.byteLength
          if (queue.length > limit || queuedBytes > limitBytes) {
            overflowed = true
            end()
            return
          }
          wake?.()
        },
        lastEventId,
      )
      // A replay may be longer than the live allowance; it is held in the run's buffer anyway.
      limit = Math.max(o.maxQueued, queue.length)
      limitBytes = Math.max(o.maxQueuedBytes, queuedBytes)
      streams.add(end)

      return {
        gap: attached.gap,
        snapshot: attached.gap || attached.fresh,
        get overflowed() {
          return overflowed
        },
        async next(timeoutMs) {
          if (queue.length === 0 && !done) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, timeoutMs)
              wake = () => {
                clearTimeout(timer)
                resolve()
              }
            })
            wake = null
          }
          if (done) return null
          const out = queue
          queue = []
          queuedBytes = 0
          return out
        },
        close: end,
      }
    },
    subscribe(runId, listener, lastEventId) {
      const attached = attach(runId, listener, lastEventId)
      return { gap: attached.gap, close: attached.detach }
    },
    stats() {
      let messages = 0
      for (const c of channels.values()) messages += c.recent.length
      return { bytes: totalBytes, channels: channels.size, messages }
    },
    close() {
      unsubscribe()
      for (const end of [...streams]) end()
      for (const c of [...channels.values()]) forget(c)
      channels.clear()
      totalBytes = 0
    },
  }
}

/** What `pipeRunEvents` writes to: hono's SSEStreamingApi. */
export type SseSink = {
  write(data: Uint8Array | string): Promise<unknown>
  readonly aborted: boolean
}

/**
 * Writes a run's events to an SSE response until the client leaves, the hub closes, or the
 * client falls too far behind (the response then ends and the browser reconnects and resumes).
 * Sends a comment as heartbeat when nothing happened for `heartbeatMs`.
 */
export async function pipeRunEvents(
  sink: SseSink,
  events: RunEventStream,
  heartbeatMs: number,
): Promise<void> {
  try {
    while (!sink.aborted) {
      const messages = await events.next(heartbeatMs)
      if (messages === null) return
      if (sink.aborted) return
      if (messages.length === 0) await sink.write(': ping\n\n')
      for (const message of messages) await sink.write(message.frame)
    }
  } finally {
    events.close()
  }
}
