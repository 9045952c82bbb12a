import {
  AssayError,
  type Connection,
  type ConnectionInput,
  ConnectionInputSchema,
  type ConnectionRepository,
  ConnectionSchema,
} from '@assay/core'
import { sql } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul, parseInput, parseJson, parseStored, requireProject } from './sql-checks.js'

/** Every column but the sealed key; `has_api_key` says whether one is set. */
const CONNECTION_COLUMNS = [
  'id',
  'project_id',
  'name',
  'provider',
  'base_url',
  'model',
  'defaults',
  'limits',
  'prices',
  'structured_output',
  'created_at',
  'updated_at',
] as const

type ConnectionRecord = {
  id: string
  project_id: string | null
  name: string
  provider: string
  base_url: string | null
  model: string
  defaults: string
  limits: string
  prices: string
  structured_output: string
  created_at: string
  updated_at: string
  has_api_key: number
}

function toConnection(record: ConnectionRecord): Connection {
  const what = `connection ${record.id}`
  return parseStored(
    ConnectionSchema,
    {
      id: record.id,
      projectId: record.project_id,
      name: record.name,
      provider: record.provider,
      baseUrl: record.base_url,
      model: record.model,
      defaults: parseJson(record.defaults, `defaults of ${what}`),
      limits: parseJson(record.limits, `limits of ${what}`),
      prices: parseJson(record.prices, `prices of ${what}`),
      structuredOutput: record.structured_output,
      hasApiKey: Number(record.has_api_key) !== 0,
      createdAt: record.created_at,
      updatedAt: record.updated_at,
    },
    what,
  )
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

function nameTaken(projectId: string | null, name: string): string {
  return `a connection named "${name}" already exists ${projectId === null ? 'instance-wide' : 'in this project'}`
}

function storedFields(fields: ReturnType<typeof parseFields>) {
  return {
    project_id: fields.projectId,
    name: fields.name,
    provider: fields.provider,
    base_url: fields.baseUrl,
    model: fields.model,
    defaults: JSON.stringify(fields.defaults),
    limits: JSON.stringify(fields.limits),
    prices: JSON.stringify(fields.prices),
    structured_output: fields.structuredOutput,
  }
}

/**
 * Model connections. The API key is sealed with the SecretBox before it is written and is
 * never selected except by getSealedApiKey; a Connection only says whether one is set. Names
 * are unique per project, and among instance-wide connections (a unique index on
 * `coalesce(project_id, ''), name`).
 */
export function createSqlConnectionRepository(deps: SqlDeps): ConnectionRepository {
  const { db } = deps

  function select(trx: SqlDeps['db']) {
    return trx
      .selectFrom('connections')
      .select(CONNECTION_COLUMNS)
      .select(sql<number>`case when api_key_sealed is null then 0 else 1 end`.as('has_api_key'))
  }

  return {
    async create(input) {
      const fields = parseFields(input)
      const apiKey = parseKey(input.apiKey)
      const sealed = apiKey === null ? null : deps.secretBox.seal(apiKey)
      const now = deps.clock.isoNow()
      const id = deps.ids.next('con')
      return db.transaction().execute(async (trx) => {
        if (fields.projectId !== null) await requireProject(trx, fields.projectId)
        await translateWrite(
          () =>
            trx
              .insertInto('connections')
              .values({
                id,
                ...storedFields(fields),
                api_key_sealed: sealed,
                created_at: now,
                updated_at: now,
              })
              .execute(),
          {
            conflict: nameTaken(fields.projectId, fields.name),
            notFound: `project ${fields.projectId} does not exist`,
          },
        )
        return toConnection(await select(trx).where('id', '=', id).executeTakeFirstOrThrow())
      })
    },

    async get(id) {
      const record = await select(db).where('id', '=', id).executeTakeFirst()
      return record ? toConnection(record) : undefined
    },

    async getByName(projectId, name) {
      const record = await select(db)
        .where((eb) =>
          projectId === null ? eb('project_id', 'is', null) : eb('project_id', '=', projectId),
        )
        .where('name', '=', name.trim())
        .executeTakeFirst()
      return record ? toConnection(record) : undefined
    },

    /**
     * No option: every connection. `projectId: null`: the instance-wide ones. A project id:
     * the ones that project can use, its own and the instance-wide ones.
     */
    async list(options = {}) {
      const { projectId } = options
      const records = await select(db)
        .$if(projectId === null, (qb) => qb.where('project_id', 'is', null))
        .$if(typeof projectId === 'string', (qb) =>
          qb.where((eb) =>
            eb.or([eb('project_id', 'is', null), eb('project_id', '=', projectId ?? '')]),
          ),
        )
        .orderBy('name')
        .orderBy('id')
        .execute()
      return records.map(toConnection)
    },

    async update(id, patch) {
      const apiKey = patch.apiKey === undefined ? undefined : parseKey(patch.apiKey)
      const defined = Object.fromEntries(
        Object.entries(patch).filter(([field, value]) => field !== 'apiKey' && value !== undefined),
      )
      return db.transaction().execute(async (trx) => {
        const stored = await select(trx)
          .where('id', '=', id)
          .$if(deps.dialect === 'postgres', (qb) => qb.forUpdate())
          .executeTakeFirst()
        if (!stored) throw new AssayError('not_found', `connection ${id} does not exist`)
        const {
          id: _id,
          hasApiKey: _has,
          createdAt: _created,
          updatedAt: _updated,
          ...current
        } = toConnection(stored)
        const fields = parseFields({ ...current, ...defined })
        if (fields.projectId !== null && fields.projectId !== current.projectId) {
          await requireProject(trx, fields.projectId)
        }
        const key =
          apiKey === undefined
            ? {}
            : { api_key_sealed: apiKey === null ? null : deps.secretBox.seal(apiKey) }
        await translateWrite(
          () =>
            trx
              .updateTable('connections')
              .set({ ...storedFields(fields), ...key, updated_at: deps.clock.isoNow() })
              .where('id', '=', id)
              .execute(),
          {
            conflict: nameTaken(fields.projectId, fields.name),
            notFound: `project ${fields.projectId} does not exist`,
          },
        )
        return toConnection(await select(trx).where('id', '=', id).executeTakeFirstOrThrow())
      })
    },

    async delete(id) {
      const result = await db.deleteFrom('connections').where('id', '=', id).executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) {
        throw new AssayError('not_found', `connection ${id} does not exist`)
      }
    },

    async getSealedApiKey(id) {
      const record = await db
        .selectFrom('connections')
        .select('api_key_sealed')
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? record.api_key_sealed : undefined
    },
  }
}
