import { createHash, randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Clock, IdSource, Repositories, SecretBox } from '@assay/core'
import {
  createRunEngine,
  DEFAULT_ENGINE_OPTIONS,
  type EngineDeps,
  type EngineOptions,
  type ResolvedConnection,
  type RunEngine,
} from '@assay/engine'
import { createHttpCaller, createModelProvider } from '@assay/providers'
import {
  createAesGcmSecretBox,
  createSqlRepositories,
  databaseDialectOf,
  loadOrCreateSecretKey,
  migrateToLatest,
  openDatabase,
} from '@assay/storage'
import type { AssayConfig } from './env.js'

export type Services = {
  config: AssayConfig
  repos: Repositories
  clock: Clock
  ids: IdSource
  secretBox: SecretBox
  engine: RunEngine
  /** What the engine was built from, for checking a column before it is saved. */
  engineDeps: EngineDeps
  databaseLocation: string
  close(): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  isoNow: () => new Date().toISOString(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
}

/** Random, time-free ids: `prj_3f2a…`. */
export const randomIds: IdSource = {
  next: (prefix) => `${prefix}_${randomUUID().replaceAll('-', '')}`,
}

/** The composition root: the one place that picks adapters and wires them together. */
export async function createServices(
  config: AssayConfig,
  engineOptions: Partial<EngineOptions> = {},
): Promise<Services> {
  const opened = openDatabase(config.databaseUrl)
  try {
    await migrateToLatest(opened.db, opened.dialect)
    const keyFile =
      config.secretKeyFile ??
      (databaseDialectOf(config.databaseUrl) === 'sqlite' && opened.location !== ':memory:'
        ? join(dirname(opened.location), 'secret.key')
        : join('.assay', 'secret.key'))
    const secretBox = createAesGcmSecretBox(
      loadOrCreateSecretKey({ envValue: config.secretKey, keyFile }),
    )
    const repos = createSqlRepositories({
      db: opened.db,
      dialect: opened.dialect,
      ids: randomIds,
      clock: systemClock,
      secretBox,
    })
    const engineDeps: EngineDeps = {
      repos,
      clock: systemClock,
      ids: randomIds,
      random: Math.random,
      connections: connectionResolver(repos, secretBox),
      http: createHttpCaller(),
      customEvaluator: (id) => repos.evaluators.get(id),
      hash: (text) => createHash('sha256').update(text).digest('hex'),
      options: { ...DEFAULT_ENGINE_OPTIONS, ...config.engine, ...engineOptions },
    }
    const engine = createRunEngine(engineDeps)
    return {
      config,
      repos,
      clock: systemClock,
      ids: randomIds,
      secretBox,
      engine,
      engineDeps,
      databaseLocation: opened.location,
      close: () => opened.close(),
    }
  } catch (error) {
    await opened.close()
    throw error
  }
}

/**
 * Opens a connection's sealed API key only here, right before a provider is built, and keeps one
 * provider per connection until the connection changes.
 */
function connectionResolver(repos: Repositories, secretBox: SecretBox) {
  const cache = new Map<string, { updatedAt: string; resolved: ResolvedConnection }>()
  return async (connectionId: string): Promise<ResolvedConnection | undefined> => {
    const connection = await repos.connections.get(connectionId)
    if (!connection) return undefined
    const cached = cache.get(connectionId)
    if (cached && cached.updatedAt === connection.updatedAt) return cached.resolved
    const sealed = await repos.connections.getSealedApiKey(connectionId)
    const provider = createModelProvider({
      provider: connection.provider,
      baseUrl: connection.baseUrl,
      model: connection.model,
      apiKey: sealed ? secretBox.open(sealed) : null,
      structuredOutput: connection.structuredOutput,
    })
    const resolved = { connection, provider }
    cache.set(connectionId, { updatedAt: connection.updatedAt, resolved })
    return resolved
  }
}
