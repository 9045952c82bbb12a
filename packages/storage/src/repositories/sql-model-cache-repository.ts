import { AssayError, type CachedAnswer, type ModelCacheRepository } from '@assay/core'
import type { Selectable } from 'kysely'
import type { ModelCacheTable } from '../schema.js'
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
function toCachedAnswer(record: Selectable<ModelCacheTable>): CachedAnswer {
  return {
    text: record.text,
    inputTokens: Number(record.input_tokens ?? 0),
    outputTokens: Number(record.output_tokens ?? 0),
    model: record.model ?? '',
  }
}

/**
 * Model answers by request key. `put` inserts and does nothing on a clash, so the first answer
 * stored for a key stays, also when two workers answer the same request at once.
 */
export function createSqlModelCacheRepository(deps: SqlDeps): ModelCacheRepository {
  const { db } = deps

  return {
    async get(key) {
      const record = await db
        .selectFrom('model_cache')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst()
      return record ? toCachedAnswer(record) : undefined
    },

    async put(key, answer) {
      checkAnswer(key, answer)
      await db
        .insertInto('model_cache')
        .values({
          key,
          text: answer.text,
          input_tokens: answer.inputTokens,
          output_tokens: answer.outputTokens,
          model: answer.model,
          created_at: deps.clock.isoNow(),
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute()
    },
  }
}
