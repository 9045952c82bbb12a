import { AssayError } from '@assay/core'
import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely'
import { initialMigration } from './migrations/0001-initial.js'
import { engineMigration } from './migrations/0002-engine.js'
import { accountsMigration } from './migrations/0003-accounts.js'
import { tracesMigration } from './migrations/0004-traces.js'
import { resultsQueryMigration } from './migrations/0005-results-query.js'
import { oneActiveRunMigration } from './migrations/0006-one-active-run.js'
import type { Database, Dialect } from './schema.js'

function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-engine': engineMigration(dialect),
    '0003-accounts': accountsMigration(dialect),
    '0004-traces': tracesMigration(dialect),
    '0005-results-query': resultsQueryMigration(dialect),
    '0006-one-active-run': oneActiveRunMigration(dialect),
  }
}

/** Brings the schema up to date; safe to call on every start (already-run steps are skipped). */
export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
    migrationTableName: 'assay_migrations',
    migrationLockTableName: 'assay_migrations_lock',
  })
  const result: MigrationResultSet = await migrator.migrateToLatest()
  if (result.error) {
    throw new AssayError('storage_failed', `database migration failed: ${String(result.error)}`, {
      cause: result.error,
    })
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
