import { AssayError } from '@assay/core'
import type { Kysely } from 'kysely'
import type { Database } from '../schema.js'

/** What is used of a core (zod) schema; storage does not depend on zod itself. */
type Schema<T> = {
  safeParse(value: unknown):
    | { success: true; data: T }
    | {
        success: false
        error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }
      }
}

/*
 * Checks the SQL repositories share: inputs are validated with the core schemas at this edge
 * (a failure is `invalid_input`), and what is read back is parsed with them too, so a corrupt
 * record is reported as such instead of travelling on as a wrong type.
 */

/** Parses an input with a core schema; a failure is `invalid_input` naming the field. */
export function parseInput<T>(schema: Schema<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue?.path.map(String).join('.') ?? ''
  const message = `invalid ${what}: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid value'}`
  throw new AssayError('invalid_input', message, field ? { position: { field } } : {})
}

/** PostgreSQL text cannot hold NUL, so neither dialect accepts it (the same answer on both). */
export function checkNoNul(what: string, texts: readonly (string | null | undefined)[]): void {
  if (texts.some((text) => text?.includes('\u0000'))) {
    throw new AssayError('invalid_input', `${what} cannot contain a NUL character`)
  }
}

/** Parses a stored record with a core schema; a failure means the database holds bad data. */
export function parseStored<T>(schema: Schema<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue?.path.map(String).join('.') ?? ''
  throw new AssayError(
    'storage_failed',
    `stored ${what} is corrupt: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid value'}`,
    { details: parsed.error.issues },
  )
}

/** JSON text from the database, or `storage_failed` naming what it was. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new AssayError('storage_failed', `stored ${what} is not valid JSON`, { cause })
  }
}

/** A 0/1 integer column as a boolean (anything but 0 counts as set). */
export function flag(value: number | bigint | string): boolean {
  return Number(value) !== 0
}

/** `not_found` unless the user exists. */
export async function requireUser(db: Kysely<Database>, userId: string): Promise<void> {
  const found = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .executeTakeFirst()
  if (!found) throw new AssayError('not_found', `user ${userId} does not exist`)
}

/** `not_found` unless the project exists. */
export async function requireProject(db: Kysely<Database>, projectId: string): Promise<void> {
  const found = await db
    .selectFrom('projects')
    .select('id')
    .where('id', '=', projectId)
    .executeTakeFirst()
  if (!found) throw new AssayError('not_found', `project ${projectId} does not exist`)
}
