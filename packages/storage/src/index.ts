export { createSqlRepositories, type SqlDeps } from './create-repositories.js'
export { translateWrite } from './db-errors.js'
export { migrateToLatest } from './migrate.js'
export {
  DEFAULT_DATABASE_URL,
  databaseDialectOf,
  type OpenedDatabase,
  openDatabase,
} from './open-database.js'
export type { Database, Dialect } from './schema.js'
export { createAesGcmSecretBox, loadOrCreateSecretKey } from './secret-box.js'
