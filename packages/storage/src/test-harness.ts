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
  const created = await createPostgresTestDatabase(serverUrl)
  return makeHarness(created.url, created.drop)
}

/** Creates an empty database on a test server; `drop` removes it again. */
export async function createPostgresTestDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `assay_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      // pg's Pool.end() resolves before its sockets have closed; a FORCE drop that kills one of
      // them surfaces as an uncaught "terminating connection" error in the closing client. So
      // wait (briefly) for the server to see them gone first.
      for (let attempt = 0; attempt < 100; attempt++) {
        const { rows } = await client.query<{ n: number }>(
          'select count(*)::int as n from pg_stat_activity where datname = $1',
          [name],
        )
        if ((rows[0]?.n ?? 0) === 0) break
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

async function makeHarness(
  url: string,
  cleanup: () => Promise<void>,
): Promise<RepositoriesHarness> {
  const opened = openDatabase(url)
  await migrateToLatest(opened.db, opened.dialect)
  const clock = createFixedClock()
  const secretBox = createAesGcmSecretBox(randomBytes(32))
  const repos = createSqlRepositories({
    db: opened.db,
    dialect: opened.dialect,
    ids: createSeqIds(),
    clock,
    secretBox,
  })
  return {
    repos,
    clock,
    secretBox,
    async rawConnectionTexts() {
      const rows = await sql<Record<string, unknown>>`select * from connections`.execute(opened.db)
      return rows.rows.flatMap((row) =>
        Object.values(row).filter((v): v is string => typeof v === 'string'),
      )
    },
    async close() {
      await opened.close()
      await cleanup()
    },
  }
}
