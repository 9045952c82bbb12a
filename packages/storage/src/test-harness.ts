import { randomBytes } from 'node:crypto'
import type { RepositoriesHarness } from '@assay/core/testing'
import { createFixedClock, createSeqIds } from '@assay/core/testing'
import { sql } from 'kysely'
import pg from 'pg'
import { createSqlRepositories } from './create-repositories.js'
import { migrateToLatest } from './migrate.js'
import { openDatabase } from './open-database.js'
import { createAesGcmSecretBox } from './secret-box.js'

/** The PostgreSQL server the Postgres suites use; unset skips them outside CI. */
export const TEST_POSTGRES_URL = process.env.ASSAY_TEST_POSTGRES_URL

/** A fresh SQLite database in memory, migrated, behind every repository. */
export async function makeSqliteHarness(): Promise<RepositoriesHarness> {
  return makeHarness(':memory:', async () => {})
}

/** A fresh PostgreSQL database (created on the test server, dropped on close). */
export async function makePostgresHarness(serverUrl: string): Promise<RepositoriesHarness> {
  const name = `assay_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return makeHarness(url.toString(), async () => {
    const drop = new pg.Client({ connectionString: serverUrl })
    await drop.connect()
    await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await drop.end()
  })
}

async function makeHarness(url: string, cleanup: () => Promise<void>): Promise<RepositoriesHarness> {
  const opened = openDatabase(url)
  await migrateToLatest(opened.db, opened.dialect)
  const clock = createFixedClock()
  const secretBox = createAesGcmSecretBox(randomBytes(32))
  const repos = createSqlRepositories({ db: opened.db, dialect: opened.dialect, ids: createSeqIds(), clock, secretBox })
  return {
    repos,
    clock,
    secretBox,
    async rawConnectionTexts() {
      const rows = await sql<Record<string, unknown>>`select * from connections`.execute(opened.db)
      return rows.rows.flatMap((row) => Object.values(row).filter((v): v is string => typeof v === 'string'))
    },
    async close() {
      await opened.close()
      await cleanup()
    },
  }
}
