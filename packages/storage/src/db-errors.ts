import { AssayError } from '@assay/core'

type DriverError = { code?: unknown; message?: unknown }

/** True for a unique or primary-key violation on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as DriverError | null)?.code
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505'
  )
}

/** True for a foreign-key violation on SQLite or PostgreSQL. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as DriverError | null)?.code
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503'
}

/**
 * Runs a write and turns driver constraint errors into coded AssayErrors: a unique violation
 * is a `conflict`, a missing parent a `not_found`. Anything else is rethrown unchanged.
 */
export async function translateWrite<T>(
  write: () => Promise<T>,
  messages: { conflict: string; notFound?: string },
): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AssayError('conflict', messages.conflict, { cause: error })
    if (isForeignKeyViolation(error)) {
      throw new AssayError('not_found', messages.notFound ?? 'a referenced record does not exist', {
        cause: error,
      })
    }
    throw error
  }
}
