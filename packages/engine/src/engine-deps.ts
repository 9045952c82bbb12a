import type {
  Clock,
  Connection,
  Evaluator,
  HttpCaller,
  IdSource,
  ModelProvider,
  Repositories,
} from '@assay/core'
import type { RunEventListener } from './events.js'
import type { WriterOptions } from './result-writer.js'

/** A model connection ready to call: its settings and a provider holding its opened key. */
export type ResolvedConnection = { connection: Connection; provider: ModelProvider }

export type EngineOptions = {
  /** Per-attempt time limit of a model call. */
  requestTimeoutMs: number
  /** Attempts per model call, the first included. */
  maxAttempts: number
  /** How often a running run records that it is alive. */
  heartbeatMs: number
  /** How often progress events are emitted while a run goes on. */
  progressMs: number
  /** Rows read and planned per page. */
  pageSize: number
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  requestTimeoutMs: 60_000,
  maxAttempts: 4,
  heartbeatMs: 2_000,
  progressMs: 250,
  pageSize: 500,
}

/** What the engine needs from the outside; the composition root builds it. */
export type EngineDeps = {
  repos: Repositories
  clock: Clock
  ids: IdSource
  random: () => number
  /** Resolves a connection id to its settings and provider; undefined when it does not exist. */
  connections: (connectionId: string) => Promise<ResolvedConnection | undefined>
  http: HttpCaller
  /** Custom evaluators from storage; system ones come from the engine's catalogue. */
  customEvaluator: (evaluatorId: string) => Promise<Evaluator | undefined>
  /** Hex SHA-256 of a text (cache keys and prompt hashes). */
  hash: (text: string) => string
  options?: Partial<EngineOptions>
  /** How results are batched into transactions (group commit); defaults suit SQLite and Postgres. */
  writer?: WriterOptions
}

export type { RunEventListener }
