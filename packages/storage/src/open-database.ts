import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { AssayError } from '@assay/core'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import type { Database, Dialect } from './schema.js'

export const DEFAULT_DATABASE_URL = './.assay/assay.db'

export type OpenedDatabase = {
  db: Kysely<Database>
  dialect: Dialect
  /** Where it lives, with any password removed, for logs. */
  location: string
  close(): Promise<void>
}

/** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite file path. */
export function databaseDialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgres' : 'sqlite'
}

export function openDatabase(url: string = DEFAULT_DATABASE_URL): OpenedDatabase {
  return databaseDialectOf(url) === 'postgres' ? openPostgres(url) : openSqlite(url)
}

function openSqlite(url: string): OpenedDatabase {
  const path = url.replace(/^(sqlite|file):(\/\/)?/i, '')
  if (path === '')
    throw new AssayError('invalid_input', 'ASSAY_DATABASE_URL names no database file')
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let native: SqliteDatabase.Database
  try {
    native = new SqliteDatabase(path)
  } catch (cause) {
    throw new AssayError(
      'storage_failed',
      `cannot open SQLite database ${path}: ${String(cause)}`,
      { cause },
    )
  }
  // WAL lets readers go on while one writer commits; NORMAL sync is durable across crashes of
  // the process (only a power cut can lose the last commits), the usual pairing with WAL.
  native.pragma('journal_mode = WAL')
  native.pragma('synchronous = NORMAL')
  native.pragma('foreign_keys = ON')
  native.pragma('busy_timeout = 5000')
  native.pragma('cache_size = -16384')
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(native) }),
  })
  return { db, dialect: 'sqlite', location: path, close: () => db.destroy() }
}

// int8 (bigint counters) and numeric come back as strings by default; our counters fit a double.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10))
pg.types.setTypeParser(1700, (value) => Number.parseFloat(value))

function openPostgres(url: string): OpenedDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  const location = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
  return { db, dialect: 'postgres', location, close: () => db.destroy() }
}

/** Prepared statements kept per SQL text; most statements repeat for every cell of a run. */
const STATEMENT_CACHE_SIZE = 256

/**
 * Kysely prepares every query anew; on the hot path (one insert and one update per cell) that
 * preparation was about a fifth of the CPU. better-sqlite3 statements are reusable, and since
 * the driver is synchronous and Kysely never iterates a statement here (no streamed queries),
 * one statement is never used twice at once.
 */
function withStatementCache(native: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => native.close(),
    prepare(sql: string) {
      let statement = statements.get(sql)
      if (!statement) {
        statement = native.prepare(sql)
        if (statements.size >= STATEMENT_CACHE_SIZE)
          statements.delete(statements.keys().next().value as string)
        statements.set(sql, statement)
      }
      return statement
    },
  }
}
