import { randomUUID } from 'node:crypto'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Clock, IdSource, Repositories, SecretBox } from '@assay/core'
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
export async function createServices(config: AssayConfig): Promise<Services> {
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
    return {
      config,
      repos,
      clock: systemClock,
      ids: randomIds,
      secretBox,
      databaseLocation: opened.location,
      close: () => opened.close(),
    }
  } catch (error) {
    await opened.close()
    throw error
  }
}
