/**
 * Test helpers for the run engine: in-memory storage, scripted fake model provider and HTTP
 * caller, clocks, and builders for datasets and columns. Used only by `*.test.ts` files.
 */
import { createHash } from 'node:crypto'
import type {
  Clock,
  Column,
  ColumnConfig,
  ConnectionInput,
  Evaluation,
  HttpCaller,
  HttpRequest,
  HttpResponse,
  ModelAnswer,
  ModelFailure,
  ModelParams,
  ModelProvider,
  ModelRequest,
  Repositories,
  Result,
  Row,
  Threshold,
  TokenUsage,
} from '@assay/core'
import {
  createFixedClock,
  createMemoryRepositories,
  createMemoryState,
  createPlainSecretBox,
  createSeqIds,
  type FixedClock,
  type MemoryState,
} from '@assay/core/testing'
import type { EngineOptions } from './engine-deps.js'
import type { RunEvent } from './events.js'
import { createRunEngine, type RunEngine } from './run-engine.js'
import { seededRandom } from './scheduler/test-support.js'

/**
 * The heartbeat period of test engines. The test clocks recognise sleeps of exactly this length
 * and park them in real time (until the run's signal aborts) instead of moving virtual time, so
 * the heartbeat loop never disturbs a test's timestamps.
 */
export const HEARTBEAT_MS = 3_600_000

export const START_MS = Date.UTC(2026, 0, 1)

/** A real-time wait that rejects with the signal's reason as soon as it aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Lets every pending promise reaction and due immediate run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Waits (in real time) until `condition` holds; fails the test after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 1_500): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitUntil: condition not met in time')
    await delay(1)
  }
}

function parkHeartbeat(signal?: AbortSignal): Promise<void> {
  return delay(5, signal)
}

/**
 * Virtual time like `createFixedClock` (a sleep moves time forward and returns at once, and is
 * recorded in `sleeps`), except the heartbeat sleep, which waits a few real milliseconds.
 */
export function createTestClock(startMs = START_MS): FixedClock {
  const fixed = createFixedClock(startMs)
  return {
    ...fixed,
    sleep(ms, signal) {
      if (ms === HEARTBEAT_MS) return parkHeartbeat(signal)
      return fixed.sleep(ms, signal)
    },
  }
}

export type RealClock = Clock & {
  /** Moves this clock's time forward without waiting (real time keeps running too). */
  advance(ms: number): void
}

/** Real time plus an offset the test controls; sleeps really wait. */
export function createRealClock(): RealClock {
  let offset = START_MS - Date.now()
  const now = () => Date.now() + offset
  return {
    now,
    isoNow: () => new Date(now()).toISOString(),
    sleep: (ms, signal) => delay(ms, signal),
    advance(ms) {
      offset += ms
    },
  }
}

/** A counter shared by the fakes and the event recorder, to order what happened. */
export type Sequence = { next(): number; readonly current: number }

export function createSequence(): Sequence {
  let n = 0
  return {
    next: () => ++n,
    get current() {
      return n
    },
  }
}

export type Reply =
  | {
      text: string
      inputTokens?: number
      outputTokens?: number
      finishReason?: string
      /** Real milliseconds before answering; an abort meanwhile ends the call as cancelled. */
      delayMs?: number
      /** Answer after `delayMs` even if the signal aborted meanwhile (a late answer). */
      ignoreAbort?: boolean
    }
  | { failure: Partial<ModelFailure> & Pick<ModelFailure, 'kind'>; delayMs?: number }
  /** Never answers: waits for the abort, or for the request's time limit (then a timeout). */
  | { hang: true }

export type FakeCall = {
  seq: number
  request: ModelRequest
  /** The clock's time when `generate` was called. */
  startedAt: number
  /** A signal was already aborted when `generate` was called: a request started after a stop. */
  abortedAtStart: boolean
  /** The start signal the engine passed: the gate a client checks again right before sending. */
  startSignal: AbortSignal | undefined
  outcome: 'pending' | 'answered' | 'failed' | 'aborted'
  /** What the call billed (answered calls only). */
  usage: TokenUsage | null
}

export type FakeProvider = ModelProvider & {
  calls: FakeCall[]
  /** Tokens of every answered call. */
  billed(): TokenUsage
  /** Calls that were still waiting when their signal aborted. */
  aborted(): FakeCall[]
  inFlight(): number
  /** The most calls ever waiting for their answer at once. */
  maxInFlight(): number
}

export type ReplyFn = (request: ModelRequest, call: FakeCall, index: number) => Reply

export function failure(partial: Partial<ModelFailure> & Pick<ModelFailure, 'kind'>): ModelFailure {
  return {
    retryable: false,
    retryAfterMs: null,
    status: null,
    message: `fake ${partial.kind}`,
    latencyMs: 1,
    ...partial,
  }
}

/** A scripted ModelProvider that records every call: start time, abort state, outcome, usage. */
export function createFakeProvider(options: {
  clock: Clock
  reply: ReplyFn
  seq?: Sequence
}): FakeProvider {
  const { clock, reply } = options
  const seq = options.seq ?? createSequence()
  const calls: FakeCall[] = []
  let inFlight = 0
  let maxInFlight = 0
  const cancelled = (call: FakeCall): Result<ModelAnswer, ModelFailure> => {
    call.outcome = 'aborted'
    return { ok: false, error: failure({ kind: 'cancelled', message: 'The request was aborted' }) }
  }
  return {
    calls,
    billed() {
      const total = { inputTokens: 0, outputTokens: 0 }
      for (const call of calls) {
        total.inputTokens += call.usage?.inputTokens ?? 0
        total.outputTokens += call.usage?.outputTokens ?? 0
      }
      return total
    },
    aborted: () => calls.filter((c) => c.outcome === 'aborted'),
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    async generate(request, { signal, startSignal }) {
      const call: FakeCall = {
        seq: seq.next(),
        request,
        startedAt: clock.now(),
        // The gate (start signal) closes at the stop itself, the request signal a drain later.
        abortedAtStart: signal.aborted || startSignal?.aborted === true,
        startSignal,
        outcome: 'pending',
        usage: null,
      }
      const index = calls.length
      calls.push(call)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      try {
        const planned = reply(request, call, index)
        if ('hang' in planned) {
          try {
            await delay(request.timeoutMs, signal)
          } catch {
            return cancelled(call)
          }
          call.outcome = 'failed'
          return {
            ok: false,
            error: failure({
              kind: 'timeout',
              retryable: true,
              message: `no answer within ${request.timeoutMs} ms`,
              latencyMs: request.timeoutMs,
            }),
          }
        }
        if (planned.delayMs) {
          try {
            const ignore = 'ignoreAbort' in planned && planned.ignoreAbort === true
            await delay(planned.delayMs, ignore ? undefined : signal)
          } catch {
            return cancelled(call)
          }
        }
        if ('failure' in planned) {
          call.outcome = 'failed'
          return { ok: false, error: failure(planned.failure) }
        }
        const usage = {
          inputTokens: planned.inputTokens ?? 10,
          outputTokens: planned.outputTokens ?? 5,
        }
        call.outcome = 'answered'
        call.usage = usage
        return {
          ok: true,
          value: {
            text: planned.text,
            usage,
            finishReason: planned.finishReason ?? 'stop',
            latencyMs: planned.delayMs ?? 1,
          },
        }
      } finally {
        inFlight--
      }
    },
  }
}

export type HttpReply = Result<Partial<HttpResponse> & { body: string }, ModelFailure>

export type FakeHttp = HttpCaller & { requests: HttpRequest[] }

export function createFakeHttp(
  reply: (request: HttpRequest, index: number) => HttpReply,
): FakeHttp {
  const requests: HttpRequest[] = []
  return {
    requests,
    async call(request) {
      const index = requests.length
      requests.push(request)
      const answer = reply(request, index)
      if (!answer.ok) return answer
      return { ok: true, value: { status: 200, headers: {}, latencyMs: 3, ...answer.value } }
    },
  }
}

/** An HttpCaller for tests without API generators: every call fails. */
export function noHttp(): FakeHttp {
  return createFakeHttp(() => ({
    ok: false,
    error: failure({ kind: 'unknown', message: 'no HTTP in this test' }),
  }))
}

/** Is this a judge's request (judges ask for a structured answer)? */
export function isJudge(request: ModelRequest): boolean {
  return request.responseSchema !== undefined
}

/** The text between `<tag>` and `</tag>` in a judge prompt. */
export function tagged(request: ModelRequest, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(request.prompt)
  return match?.[1]
}

export function judgeAnswer(score: number, explanation = 'because'): string {
  return JSON.stringify({ explanation, score })
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export type RecordedEvent = RunEvent & { seq: number }

export type Harness = {
  state: MemoryState
  repos: Repositories
  clock: Clock
  engine: RunEngine
  events: RecordedEvent[]
  seq: Sequence
  http: FakeHttp
  /** Providers by connection id. */
  providers: Map<string, FakeProvider>
  addConnection(
    provider: FakeProvider,
    input?: Partial<ConnectionInput>,
  ): Promise<{ id: string; provider: FakeProvider }>
  /** A new engine on the same storage and connections: what a restarted process would build. */
  restart(options?: Partial<EngineOptions>): RunEngine
}

export function createHarness(
  init: {
    clock?: Clock
    options?: Partial<EngineOptions>
    http?: FakeHttp
    seq?: Sequence
    state?: MemoryState
  } = {},
): Harness {
  const clock = init.clock ?? createTestClock()
  const ids = createSeqIds()
  const state = init.state ?? createMemoryState()
  const repos = createMemoryRepositories({ ids, clock, secretBox: createPlainSecretBox() }, state)
  const seq = init.seq ?? createSequence()
  const http = init.http ?? noHttp()
  const providers = new Map<string, FakeProvider>()
  const events: RecordedEvent[] = []
  let connectionCount = 0
  const build = (options?: Partial<EngineOptions>) => {
    const engine = createRunEngine({
      repos,
      clock,
      ids,
      random: seededRandom(42),
      async connections(id) {
        const connection = await repos.connections.get(id)
        const provider = providers.get(id)
        return connection && provider ? { connection, provider } : undefined
      },
      http,
      customEvaluator: (id) => repos.evaluators.get(id),
      hash: sha256,
      options: {
        heartbeatMs: HEARTBEAT_MS,
        progressMs: 0,
        requestTimeoutMs: 5_000,
        ...init.options,
        ...options,
      },
    })
    engine.subscribe((event) => events.push({ ...event, seq: seq.next() }))
    return engine
  }
  return {
    state,
    repos,
    clock,
    engine: build(),
    events,
    seq,
    http,
    providers,
    async addConnection(provider, input = {}) {
      connectionCount++
      const connection = await repos.connections.create({
        name: `fake ${connectionCount}`,
        provider: 'openai-compatible',
        baseUrl: 'http://fake.test/v1',
        model: 'fake-model',
        ...input,
      })
      providers.set(connection.id, provider)
      return { id: connection.id, provider }
    },
    restart: build,
  }
}

export type Dataset = {
  evaluation: Evaluation
  rows: Row[]
  /** Data columns by name. */
  columns: Map<string, Column>
}

let datasets = 0

export async function createDataset(
  repos: Repositories,
  header: readonly string[],
  values: readonly (readonly string[])[],
): Promise<Dataset> {
  datasets++
  const project = await repos.projects.create({ name: `project ${datasets}`, createdBy: null })
  const evaluation = await repos.evaluations.create({
    projectId: project.id,
    name: 'evaluation',
    createdBy: null,
  })
  await repos.rows.importRows(
    evaluation.id,
    header,
    (async function* () {
      yield values
    })(),
  )
  const rows = await repos.rows.list(evaluation.id, { limit: 100_000 })
  const columns = new Map((await repos.columns.list(evaluation.id)).map((c) => [c.name, c]))
  return {
    evaluation: (await repos.evaluations.get(evaluation.id)) as Evaluation,
    rows,
    columns,
  }
}

export function dataColumn(dataset: Dataset, name: string): Column {
  const column = dataset.columns.get(name)
  if (!column) throw new Error(`no data column ${name}`)
  return column
}

export function promptGenerator(
  connectionId: string | null,
  prompt: string,
  params: ModelParams = {},
): ColumnConfig {
  return { kind: 'generated', generator: { type: 'prompt', connectionId, prompt, params } }
}

export function evaluatorConfig(
  evaluatorId: string,
  mapping: Record<string, string>,
  more: {
    connectionId?: string | null
    threshold?: Threshold | null
    options?: Record<string, unknown>
    params?: ModelParams
  } = {},
): ColumnConfig {
  return {
    kind: 'evaluator',
    evaluator: {
      evaluatorId,
      connectionId: more.connectionId ?? null,
      params: more.params ?? {},
      mapping,
      threshold: more.threshold ?? null,
      options: more.options ?? {},
      compareWithColumnId: null,
    },
  }
}

export function apiGenerator(api: {
  url: string
  outputPath: string
  body?: string
  method?: 'GET' | 'POST'
  headers?: { name: string; value: string }[]
  contextsPath?: string
  contextsColumnId?: string
  timeoutMs?: number
}): ColumnConfig {
  return {
    kind: 'generated',
    generator: {
      type: 'api',
      method: api.method ?? 'POST',
      url: api.url,
      headers: api.headers ?? [],
      body: api.body ?? '',
      outputPath: api.outputPath,
      ...(api.contextsPath !== undefined ? { contextsPath: api.contextsPath } : {}),
      ...(api.contextsColumnId !== undefined ? { contextsColumnId: api.contextsColumnId } : {}),
      timeoutMs: api.timeoutMs ?? 10_000,
    },
  }
}

/** Statuses of the run's status events, in order. */
export function statusTrail(events: readonly RecordedEvent[], runId: string): string[] {
  return events.flatMap((e) => (e.type === 'status' && e.run.id === runId ? [e.run.status] : []))
}

/** Stored results of a run keyed `${rowId}/${columnId}`. */
export function storedKeys(state: MemoryState, runId: string): string[] {
  return [...state.cellResults.values()]
    .filter((r) => r.runId === runId)
    .map((r) => `${r.rowId}/${r.columnId}`)
}

/** Whether (run, row, column) has a stored result right now (synchronous read of the fake). */
export function isStored(state: MemoryState, runId: string, rowId: string, columnId: string) {
  return state.cellResults.has(`${runId}\u0000${columnId}\u0000${rowId}`)
}
