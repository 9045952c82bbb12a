import type { Clock, IdSource, SecretBox } from '@assay/core'
import type { Kysely } from 'kysely'
import type { Database, Dialect } from './schema.js'

/**
 * What every SQL repository is built from. It lives apart from create-repositories.ts so the
 * repositories can import it without an import cycle (create-repositories imports them).
 */
export type SqlDeps = {
  db: Kysely<Database>
  dialect: Dialect
  ids: IdSource
  clock: Clock
  secretBox: SecretBox
}
