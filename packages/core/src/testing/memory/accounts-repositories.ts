import { type ApiToken, ApiTokenInputSchema, SessionSchema } from '../../domain/api-token.js'
import { AssayError } from '../../errors.js'
import type {
  ApiTokenRepository,
  SessionRepository,
  SignInLinkRepository,
  TableOptionsRepository,
} from '../../ports/accounts.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { parseInput } from './checks.js'

export function createMemorySessionRepository(state: MemoryState): SessionRepository {
  return {
    async create(session) {
      const parsed = parseInput(SessionSchema, session, 'session')
      if (!state.users.has(parsed.userId)) {
        throw new AssayError('not_found', `user ${parsed.userId} does not exist`)
      }
      if (state.sessions.has(parsed.idHash)) throw new AssayError('conflict', 'session exists')
      state.sessions.set(parsed.idHash, parsed)
    },
    async get(idHash, nowIso) {
      const session = state.sessions.get(idHash)
      return session && session.expiresAt > nowIso ? { ...session } : undefined
    },
    async delete(idHash) {
      state.sessions.delete(idHash)
    },
    async deleteForUser(userId) {
      for (const [key, session] of state.sessions) {
        if (session.userId === userId) state.sessions.delete(key)
      }
    },
    async deleteExpired(nowIso) {
      let removed = 0
      for (const [key, session] of state.sessions) {
        if (session.expiresAt <= nowIso) {
          state.sessions.delete(key)
          removed += 1
        }
      }
      return removed
    },
  }
}

export function createMemoryApiTokenRepository(
  state: MemoryState,
  deps: MemoryDeps,
): ApiTokenRepository {
  const copy = (token: ApiToken): ApiToken => ({ ...token, projectIds: [...token.projectIds] })
  const must = (id: string): ApiToken => {
    const token = state.apiTokens.get(id)
    if (!token) throw new AssayError('not_found', `API token ${id} does not exist`)
    return token
  }
  return {
    async create(input) {
      const parsed = parseInput(ApiTokenInputSchema, input, 'API token')
      if (!state.users.has(parsed.userId)) {
        throw new AssayError('not_found', `user ${parsed.userId} does not exist`)
      }
      if (state.apiTokenHashes.has(parsed.tokenHash)) {
        throw new AssayError('conflict', 'an API token with this secret exists')
      }
      const { tokenHash, ...rest } = parsed
      const token: ApiToken = {
        ...rest,
        id: deps.ids.next('tok'),
        createdAt: deps.clock.isoNow(),
        lastUsedAt: null,
        revokedAt: null,
      }
      state.apiTokens.set(token.id, token)
      state.apiTokenHashes.set(tokenHash, token.id)
      return copy(token)
    },
    async getByHash(tokenHash) {
      const id = state.apiTokenHashes.get(tokenHash)
      const token = id === undefined ? undefined : state.apiTokens.get(id)
      return token ? copy(token) : undefined
    },
    async get(id) {
      const token = state.apiTokens.get(id)
      return token ? copy(token) : undefined
    },
    async listForUser(userId) {
      return [...state.apiTokens.values()]
        .filter((token) => token.userId === userId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
        .map(copy)
    },
    async revoke(id, atIso) {
      const token = must(id)
      if (token.revokedAt === null) token.revokedAt = atIso
      return copy(token)
    },
    async touch(id, atIso) {
      must(id).lastUsedAt = atIso
    },
  }
}

export function createMemorySignInLinkRepository(state: MemoryState): SignInLinkRepository {
  return {
    async create(input) {
      if (!state.users.has(input.userId)) {
        throw new AssayError('not_found', `user ${input.userId} does not exist`)
      }
      if (state.signInLinks.has(input.tokenHash)) {
        throw new AssayError('conflict', 'a sign-in link with this secret exists')
      }
      state.signInLinks.set(input.tokenHash, { ...input, used: false })
    },
    async consume(tokenHash, nowIso) {
      const link = state.signInLinks.get(tokenHash)
      if (!link || link.used || link.expiresAt <= nowIso) return undefined
      link.used = true
      return link.userId
    },
  }
}

export function createMemoryTableOptionsRepository(state: MemoryState): TableOptionsRepository {
  const key = (userId: string, evaluationId: string) => `${userId}\u0000${evaluationId}`
  return {
    async get(userId, evaluationId) {
      const stored = state.tableOptions.get(key(userId, evaluationId))
      return stored === undefined ? undefined : JSON.parse(stored)
    },
    async set(userId, evaluationId, options) {
      if (!state.users.has(userId))
        throw new AssayError('not_found', `user ${userId} does not exist`)
      if (!state.evaluations.has(evaluationId)) {
        throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
      }
      // Stored as JSON text, as SQL storage does, so what comes back is a copy.
      state.tableOptions.set(key(userId, evaluationId), JSON.stringify(options))
    },
  }
}
