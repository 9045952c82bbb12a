import { EmailSchema, type User, UserSchema } from '../../domain/user.js'
import { AssayError } from '../../errors.js'
import type { UserRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { checkNoNul, compareText, parseInput } from './checks.js'

const UserNameSchema = UserSchema.shape.name

/** The in-memory UserRepository; emails are stored lowercased, so they clash case-insensitively. */
export function createMemoryUserRepository(state: MemoryState, deps: MemoryDeps): UserRepository {
  function require(id: string): User {
    const user = state.users.get(id)
    if (!user) throw new AssayError('not_found', `user ${id} does not exist`)
    return user
  }

  function parseName(name: string): string {
    const parsed = parseInput(UserNameSchema, name, 'user name')
    checkNoNul('a user name', [parsed])
    return parsed
  }

  function parseHash(hash: string): string {
    if (typeof hash !== 'string' || hash.length === 0 || hash.length > 1024) {
      throw new AssayError(
        'invalid_input',
        'invalid password hash: it must be 1 to 1024 characters',
      )
    }
    checkNoNul('a password hash', [hash])
    return hash
  }

  return {
    async create(input) {
      const email = parseInput(EmailSchema, input.email, 'email address')
      const name = parseName(input.name)
      const passwordHash = input.passwordHash === null ? null : parseHash(input.passwordHash)
      for (const user of state.users.values()) {
        if (user.email === email) {
          throw new AssayError(
            'conflict',
            `a user with the email address "${email}" already exists`,
          )
        }
      }
      const user: User = {
        id: deps.ids.next('usr'),
        email,
        name,
        isAdmin: input.isAdmin === true,
        createdAt: deps.clock.isoNow(),
        disabled: false,
      }
      state.users.set(user.id, user)
      state.passwordHashes.set(user.id, passwordHash)
      return { ...user }
    },

    async get(id) {
      const user = state.users.get(id)
      return user ? { ...user } : undefined
    },

    async getByEmail(email) {
      const wanted = email.trim().toLowerCase()
      for (const user of state.users.values()) {
        if (user.email === wanted) return { ...user }
      }
      return undefined
    },

    async list() {
      return [...state.users.values()]
        .sort((a, b) => compareText(a.email, b.email))
        .map((u) => ({ ...u }))
    },

    async update(id, patch) {
      const name = patch.name === undefined ? undefined : parseName(patch.name)
      const user = require(id)
      const updated: User = {
        ...user,
        ...(name === undefined ? {} : { name }),
        ...(patch.isAdmin === undefined ? {} : { isAdmin: patch.isAdmin === true }),
        ...(patch.disabled === undefined ? {} : { disabled: patch.disabled === true }),
      }
      state.users.set(id, updated)
      return { ...updated }
    },

    async getPasswordHash(id) {
      if (!state.users.has(id)) return undefined
      return state.passwordHashes.get(id) ?? null
    },

    async setPasswordHash(id, passwordHash) {
      const hash = parseHash(passwordHash)
      require(id)
      state.passwordHashes.set(id, hash)
    },

    async count() {
      return state.users.size
    },
  }
}
