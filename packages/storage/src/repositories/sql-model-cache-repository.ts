import { AssayError, type CachedAnswer, type ModelCacheRepository } from '@assay/core'
import { CompiledQuery } from 'kysely'
import type { Dialect } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul } from './sql-checks.js'

/** The largest token count the `integer` columns hold on PostgreSQL. */
const MAX_TOKENS = 2_147_483_647

/** The checks the memory fake makes too: a key, no NUL in any text, whole token counts. */
function checkAnswer(key: string, answer: CachedAnswer): void {
  if (typeof key !== 'string' || key === '') {
    throw new AssayError('invalid_input', 'a model cache key must be a non-empty string')
  }
  if (typeof answer.text !== 'string' || typeof answer.model !== 'string') {
    throw new AssayError('invalid_input', 'a cached answer needs a text and a model')
  }
  for (const tokens of [answer.inputTokens, answer.outputTokens]) {
    if (!Number.isInteger(tokens) || tokens < 0 || tokens > MAX_TOKENS) {
      throw new AssayError('invalid_input', `invalid cached answer: token count ${tokens}`)
    }
  }
  checkNoNul('a cached answer', [key, answer.text, answer.model])
}

/** The nullable columns are always written by `put`; a NULL left by hand reads as 0 or ''. */
function toCachedAnswer(record: CacheRecord): CachedAnswer {
  return {
    text: record.text,
    inputTokens: Number(record.input_tokens ?? 0),
    outputTokens: Number(record.output_tokens ?? 0),
    model: record.model ?? '',
  }
}

type CacheRecord = {
  text: string
  input_tokens: number | null
  output_tokens: number | null
  model: string | null
}

/** Rows per multi-row INSERT or keys per IN list (a batch is cut greedily: few statement texts). */
const INSERT_SIZES = [64, 16, 4, 1] as const

const sqlCache = new Map<string, string>()

function sqlText(name: string, dialect: Dialect, build: (mark: (n: number) => string) => string) {
  const cacheKey = `${name}:${dialect}`
  let text = sqlCache.get(cacheKey)
  if (text === undefined) {
    text = build((n) => (dialect === 'postgres' ? `$${n}` : '?'))
    sqlCache.set(cacheKey, text)
  }
  return text
}

const getSql = (dialect: Dialect) =>
  sqlText(
    'get',
    dialect,
    (mark) =>
      `select "text", "input_tokens", "output_tokens", "model" from "model_cache" where "key" = ${mark(1)}`,
  )

const insertSql = (dialect: Dialect, rows: number) =>
  sqlText(`insert${rows}`, dialect, (mark) => {
    const tuples: string[] = []
    for (let r = 0; r < rows; r++) {
      const b = r * 6
      tuples.push(
        `(${mark(b + 1)}, ${mark(b + 2)}, ${mark(b + 3)}, ${mark(b + 4)}, ${mark(b + 5)}, ${mark(b + 6)})`,
      )
    }
    return (
      'insert into "model_cache" ("key", "text", "input_tokens", "output_tokens", "model", ' +
      `"created_at") values ${tuples.join(', ')} on conflict ("key") do nothing`
    )
  })

const getManySql = (dialect: Dialect, keys: number) =>
  sqlText(`getMany${keys}`, dialect, (mark) => {
    const marks = Array.from({ length: keys }, (_, i) => mark(i + 1)).join(', ')
    return `select "key", "text", "input_tokens", "output_tokens", "model" from "model_cache" where "key" in (${marks})`
  })

/**
 * Model answers by request key. `put` inserts and does nothing on a clash, so the first answer
 * stored for a key stays, also when two workers answer the same request at once. The engine
 * reads and writes here for every model call, so the statements are written out once here
 * (no query builder); a batch (`putMany`) is a few multi-row INSERTs in one transaction.
 */
export function createSqlModelCacheRepository(deps: SqlDeps): ModelCacheRepository {
  const { db, dialect } = deps

  async function putMany(entries: readonly { key: string; answer: CachedAnswer }[]) {
    for (const { key, answer } of entries) checkAnswer(key, answer)
    // The first answer for a key in the batch is the one sent.
    const seen = new Set<string>()
    const unique: { key: string; answer: CachedAnswer }[] = []
    for (const entry of entries) {
      if (seen.has(entry.key)) continue
      seen.add(entry.key)
      unique.push(entry)
    }
    if (unique.length === 0) return
    const createdAt = deps.clock.isoNow()
    const write = async (executor: Pick<typeof db, 'executeQuery'>) => {
      let at = 0
      while (at < unique.length) {
        const size = INSERT_SIZES.find((n) => n <= unique.length - at) as number
        const params: unknown[] = []
        for (const { key, answer } of unique.slice(at, at + size)) {
          params.push(key, answer.text, answer.inputTokens, answer.outputTokens, answer.model)
          params.push(createdAt)
        }
        await executor.executeQuery(CompiledQuery.raw(insertSql(dialect, size), params))
        at += size
      }
    }
    if (unique.length === 1) await write(db)
    else await db.transaction().execute(write)
  }

  return {
    async get(key) {
      const { rows } = await db.executeQuery<CacheRecord>(CompiledQuery.raw(getSql(dialect), [key]))
      const record = rows[0]
      return record ? toCachedAnswer(record) : undefined
    },

    async getMany(keys) {
      const found = new Map<string, CachedAnswer>()
      const unique = [...new Set(keys)]
      let at = 0
      while (at < unique.length) {
        const size = INSERT_SIZES.find((n) => n <= unique.length - at) as number
        const { rows } = await db.executeQuery<CacheRecord & { key: string }>(
          CompiledQuery.raw(getManySql(dialect, size), unique.slice(at, at + size)),
        )
        for (const record of rows) found.set(record.key, toCachedAnswer(record))
        at += size
      }
      return found
    },

    async put(key, answer) {
      await putMany([{ key, answer }])
    },

    putMany,
  }
}
