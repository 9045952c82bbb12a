import {
  type ApiToken,
  ApiTokenInputSchema,
  type ApiTokenRepository,
  ApiTokenSchema,
  AssayError,
  type SessionRepository,
  SessionSchema,
  type SignInLinkRepository,
  type TableOptionsRepository,
} from '@assay/core'
import type { Selectable } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { ApiTokensTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { parseInput, parseStored } from './sql-checks.js'

export function createSqlSessionRepository({ db }: SqlDeps): SessionRepository {
  return {
    async create(session) {
      const s = parseInput(SessionSchema, session, 'session')
      await translateWrite(
        () =>
          db
            .insertInto('sessions')
            .values({
              id_hash: s.idHash,
              user_id: s.userId,
              csrf_token: s.csrfToken,
              created_at: s.createdAt,
              expires_at: s.expiresAt,
            })
            .execute(),
        { conflict: 'session exists', notFound: `user ${s.userId} does not exist` },
      )
    },
    async get(idHash, nowIso) {
      const r = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', nowIso)
        .executeTakeFirst()
      if (!r) return undefined
      return parseStored(
        SessionSchema,
        {
          idHash: r.id_hash,
          userId: r.user_id,
          csrfToken: r.csrf_token,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
        },
        'session',
      )
    },
    async delete(idHash) {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute()
    },
    async deleteForUser(userId) {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute()
    },
    async deleteExpired(nowIso) {
      const result = await db
        .deleteFrom('sessions')
        .where('expires_at', '<=', nowIso)
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

function toApiToken(r: Selectable<ApiTokensTable>): ApiToken {
  return parseStored(
    ApiTokenSchema,
    {
      id: r.id,
      userId: r.user_id,
      name: r.name,
      prefix: r.prefix,
      projectIds: JSON.parse(r.project_ids),
      role: r.role,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastUsedAt: r.last_used_at,
      revokedAt: r.revoked_at,
    },
    `API token ${r.id}`,
  )
}

export function createSqlApiTokenRepository(deps: SqlDeps): ApiTokenRepository {
  const { db } = deps
  const byId = (id: string) => db.selectFrom('api_tokens').selectAll().where('id', '=', id)
  return {
    async create(input) {
      const t = parseInput(ApiTokenInputSchema, input, 'API token')
      const id = deps.ids.next('tok')
      await translateWrite(
        () =>
          db
            .insertInto('api_tokens')
            .values({
              id,
              user_id: t.userId,
              name: t.name,
              prefix: t.prefix,
              token_hash: t.tokenHash,
              project_ids: JSON.stringify(t.projectIds),
              role: t.role,
              created_at: deps.clock.isoNow(),
              expires_at: t.expiresAt,
              last_used_at: null,
              revoked_at: null,
            })
            .execute(),
        {
          conflict: 'an API token with this secret exists',
          notFound: `user ${t.userId} does not exist`,
        },
      )
      const stored = await byId(id).executeTakeFirstOrThrow()
      return toApiToken(stored)
    },
    async getByHash(tokenHash) {
      const r = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return r ? toApiToken(r) : undefined
    },
    async get(id) {
      const r = await byId(id).executeTakeFirst()
      return r ? toApiToken(r) : undefined
    },
    async listForUser(userId) {
      const rows = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map(toApiToken)
    },
    async revoke(id, atIso) {
      await db
        .updateTable('api_tokens')
        .set({ revoked_at: atIso })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute()
      const r = await byId(id).executeTakeFirst()
      if (!r) throw new AssayError('not_found', `API token ${id} does not exist`)
      return toApiToken(r)
    },
    async touch(id, atIso) {
      const result = await db
        .updateTable('api_tokens')
        .set({ last_used_at: atIso })
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) {
        throw new AssayError('not_found', `API token ${id} does not exist`)
      }
    },
  }
}

export function createSqlSignInLinkRepository({ db }: SqlDeps): SignInLinkRepository {
  return {
    async create(input) {
      await translateWrite(
        () =>
          db
            .insertInto('sign_in_links')
            .values({
              token_hash: input.tokenHash,
              user_id: input.userId,
              expires_at: input.expiresAt,
              used_at: null,
            })
            .execute(),
        {
          conflict: 'a sign-in link with this secret exists',
          notFound: `user ${input.userId} does not exist`,
        },
      )
    },
    async consume(tokenHash, nowIso) {
      // One conditional UPDATE: of two concurrent uses only one sees the link unused.
      const r = await db
        .updateTable('sign_in_links')
        .set({ used_at: nowIso })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', nowIso)
        .returning('user_id')
        .executeTakeFirst()
      return r?.user_id
    },
  }
}

export function createSqlTableOptionsRepository(deps: SqlDeps): TableOptionsRepository {
  const { db } = deps
  return {
    async get(userId, evaluationId) {
      const r = await db
        .selectFrom('table_options')
        .select('options')
        .where('user_id', '=', userId)
        .where('evaluation_id', '=', evaluationId)
        .executeTakeFirst()
      return r ? JSON.parse(r.options) : undefined
    },
    async set(userId, evaluationId, options) {
      const text = JSON.stringify(options)
      const now = deps.clock.isoNow()
      await translateWrite(
        () =>
          db
            .insertInto('table_options')
            .values({
              user_id: userId,
              evaluation_id: evaluationId,
              options: text,
              updated_at: now,
            })
            .onConflict((oc) =>
              oc
                .columns(['user_id', 'evaluation_id'])
                .doUpdateSet({ options: text, updated_at: now }),
            )
            .execute(),
        {
          conflict: 'table options clash',
          notFound: `user ${userId} or evaluation ${evaluationId} does not exist`,
        },
      )
    },
  }
}
