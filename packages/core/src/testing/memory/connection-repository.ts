import {
  type Connection,
  type ConnectionInput,
  ConnectionInputSchema,
} from '../../domain/connection.js'
import { AssayError } from '../../errors.js'
import type { ConnectionRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { byName, checkNoNul, parseInput, requireProject } from './checks.js'

function copyConnection(connection: Connection): Connection {
  return structuredClone(connection)
}

/** Validates everything but the key, with the schema's defaults filled in. */
function parseFields(input: ConnectionInput) {
  const { apiKey: _ignored, ...fields } = parseInput(
    ConnectionInputSchema,
    { ...input, apiKey: null },
    'connection',
  )
  checkNoNul('a connection', [fields.name, fields.model, fields.baseUrl])
  return fields
}

/** An empty key is no key. */
function parseKey(apiKey: string | null | undefined): string | null {
  const parsed = parseInput(ConnectionInputSchema.shape.apiKey, apiKey ?? null, 'connection')
  return parsed === null || parsed === '' ? null : parsed
}

function scopeName(projectId: string | null): string {
  return projectId === null ? 'instance-wide' : 'in this project'
}

/**
 * The in-memory ConnectionRepository. The key is sealed on the way in and kept apart
 * (`state.sealedKeys`); a Connection only says whether one is set. Names are unique per
 * project, and among instance-wide connections.
 */
export function createMemoryConnectionRepository(
  state: MemoryState,
  deps: MemoryDeps,
): ConnectionRepository {
  function require(id: string): Connection {
    const connection = state.connections.get(id)
    if (!connection) throw new AssayError('not_found', `connection ${id} does not exist`)
    return connection
  }

  function requireNameFree(projectId: string | null, name: string, exceptId?: string): void {
    for (const connection of state.connections.values()) {
      if (
        connection.projectId === projectId &&
        connection.name === name &&
        connection.id !== exceptId
      ) {
        throw new AssayError(
          'conflict',
          `a connection named "${name}" already exists ${scopeName(projectId)}`,
        )
      }
    }
  }

  return {
    async create(input) {
      const fields = parseFields(input)
      const apiKey = parseKey(input.apiKey)
      if (fields.projectId !== null) requireProject(state, fields.projectId)
      requireNameFree(fields.projectId, fields.name)
      const now = deps.clock.isoNow()
      const sealed = apiKey === null ? null : deps.secretBox.seal(apiKey)
      const connection: Connection = {
        ...fields,
        id: deps.ids.next('con'),
        hasApiKey: sealed !== null,
        createdAt: now,
        updatedAt: now,
      }
      state.connections.set(connection.id, copyConnection(connection))
      state.sealedKeys.set(connection.id, sealed)
      return copyConnection(connection)
    },

    async get(id) {
      const connection = state.connections.get(id)
      return connection ? copyConnection(connection) : undefined
    },

    async getByName(projectId, name) {
      const wanted = name.trim()
      for (const connection of state.connections.values()) {
        if (connection.projectId === projectId && connection.name === wanted) {
          return copyConnection(connection)
        }
      }
      return undefined
    },

    async list(options = {}) {
      const { projectId } = options
      return [...state.connections.values()]
        .filter((c) =>
          projectId === undefined ? true : c.projectId === null || c.projectId === projectId,
        )
        .sort(byName)
        .map(copyConnection)
    },

    async update(id, patch) {
      const stored = require(id)
      const {
        id: _id,
        hasApiKey: _has,
        createdAt: _created,
        updatedAt: _updated,
        ...current
      } = stored
      const defined = Object.fromEntries(
        Object.entries(patch).filter(([field, value]) => field !== 'apiKey' && value !== undefined),
      )
      const fields = parseFields({ ...current, ...defined })
      const apiKey = patch.apiKey === undefined ? undefined : parseKey(patch.apiKey)
      if (fields.projectId !== null && fields.projectId !== stored.projectId) {
        requireProject(state, fields.projectId)
      }
      requireNameFree(fields.projectId, fields.name, id)
      if (apiKey !== undefined) {
        state.sealedKeys.set(id, apiKey === null ? null : deps.secretBox.seal(apiKey))
      }
      const updated: Connection = {
        ...fields,
        id,
        hasApiKey: (state.sealedKeys.get(id) ?? null) !== null,
        createdAt: stored.createdAt,
        updatedAt: deps.clock.isoNow(),
      }
      state.connections.set(id, copyConnection(updated))
      return copyConnection(updated)
    },

    async delete(id) {
      require(id)
      state.connections.delete(id)
      state.sealedKeys.delete(id)
    },

    async getSealedApiKey(id) {
      if (!state.connections.has(id)) return undefined
      return state.sealedKeys.get(id) ?? null
    },
  }
}
