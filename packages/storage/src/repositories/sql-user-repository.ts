import { AssayError, EmailSchema, type User, type UserRepository, UserSchema } from '@assay/core'
import { translateWrite } from '../db-errors.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul, flag, parseInput, parseStored } from './sql-checks.js'

/** Every column but the password hash, which only getPasswordHash reads. */
const USER_COLUMNS = ['id', 'email', 'name', 'is_admin', 'disabled', 'created_at'] as const

type UserRecord = {
  id: string
  email: string
  name: string
  is_admin: number
  disabled: number
  created_at: string
}

function toUser(record: UserRecord): User {
  return parseStored(
    UserSchema,
    {
      id: record.id,
      email: record.email,
      name: record.name,
      isAdmin: flag(record.is_admin),
      createdAt: record.created_at,
      disabled: flag(record.disabled),
    },
    `user ${record.id}`,
  )
}

function parseName(name: string): string {
  const parsed = parseInput(UserSchema.shape.name, name, 'user name')
  checkNoNul('a user name', [parsed])
  return parsed
}

function parseHash(hash: string): string {
  if (typeof hash !== 'string' || hash.length === 0 || hash.length > 1024) {
    throw new AssayError('invalid_input', 'invalid password hash: it must be 1 to 1024 characters')
  }
  checkNoNul('a password hash', [hash])
  return hash
}

/**
 * Users. Emails are stored as the schema normalises them (trimmed, lowercased), so the unique
 * index makes them clash case-insensitively.
 */
export function createSqlUserRepository(deps: SqlDeps): UserRepository {
  const { db } = deps

  return {
    async create(input) {
      const email = parseInput(EmailSchema, input.email, 'email address')
      const name = parseName(input.name)
      const passwordHash = input.passwordHash === null ? null : parseHash(input.passwordHash)
      const record = await translateWrite(
        () =>
          db
            .insertInto('users')
            .values({
              id: deps.ids.next('usr'),
              email,
              name,
              is_admin: input.isAdmin === true ? 1 : 0,
              disabled: 0,
              password_hash: passwordHash,
              created_at: deps.clock.isoNow(),
            })
            .returning(USER_COLUMNS)
            .executeTakeFirstOrThrow(),
        { conflict: `a user with the email address "${email}" already exists` },
      )
      return toUser(record)
    },

    async get(id) {
      const record = await db
        .selectFrom('users')
        .select(USER_COLUMNS)
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? toUser(record) : undefined
    },

    async getByEmail(email) {
      const record = await db
        .selectFrom('users')
        .select(USER_COLUMNS)
        .where('email', '=', email.trim().toLowerCase())
        .executeTakeFirst()
      return record ? toUser(record) : undefined
    },

    async list() {
      const records = await db.selectFrom('users').select(USER_COLUMNS).orderBy('email').execute()
      return records.map(toUser)
    },

    async update(id, patch) {
      const set: { name?: string; is_admin?: number; disabled?: number } = {}
      if (patch.name !== undefined) set.name = parseName(patch.name)
      if (patch.isAdmin !== undefined) set.is_admin = patch.isAdmin === true ? 1 : 0
      if (patch.disabled !== undefined) set.disabled = patch.disabled === true ? 1 : 0
      const record =
        Object.keys(set).length === 0
          ? await db
              .selectFrom('users')
              .select(USER_COLUMNS)
              .where('id', '=', id)
              .executeTakeFirst()
          : await db
              .updateTable('users')
              .set(set)
              .where('id', '=', id)
              .returning(USER_COLUMNS)
              .executeTakeFirst()
      if (!record) throw new AssayError('not_found', `user ${id} does not exist`)
      return toUser(record)
    },

    async getPasswordHash(id) {
      const record = await db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? record.password_hash : undefined
    },

    async setPasswordHash(id, passwordHash) {
      const hash = parseHash(passwordHash)
      const result = await db
        .updateTable('users')
        .set({ password_hash: hash })
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0)
        throw new AssayError('not_found', `user ${id} does not exist`)
    },

    async count() {
      const record = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow()
      return Number(record.count)
    },
  }
}
