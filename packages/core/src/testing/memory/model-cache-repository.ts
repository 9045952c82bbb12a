import { AssayError } from '../../errors.js'
import type { CachedAnswer, ModelCacheRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { checkNoNul } from './checks.js'

/** The largest token count SQL storage keeps (a PostgreSQL `integer`). */
const MAX_TOKENS = 2_147_483_647

/** The checks the SQL adapter makes too: a key, no NUL in any text, whole token counts. */
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

/** The in-memory ModelCacheRepository: the first answer stored for a key is kept. */
export function createMemoryModelCacheRepository(
  state: MemoryState,
  _deps: MemoryDeps,
): ModelCacheRepository {
  const keep = (key: string, answer: CachedAnswer) => {
    if (state.modelCache.has(key)) return
    state.modelCache.set(key, {
      text: answer.text,
      inputTokens: answer.inputTokens,
      outputTokens: answer.outputTokens,
      model: answer.model,
    })
  }
  return {
    async get(key) {
      const answer = state.modelCache.get(key)
      return answer ? { ...answer } : undefined
    },

    async getMany(keys) {
      const found = new Map<string, CachedAnswer>()
      for (const key of keys) {
        const answer = state.modelCache.get(key)
        if (answer) found.set(key, { ...answer })
      }
      return found
    },

    async put(key, answer) {
      checkAnswer(key, answer)
      keep(key, answer)
    },

    async putMany(entries) {
      for (const { key, answer } of entries) checkAnswer(key, answer)
      for (const { key, answer } of entries) keep(key, answer)
    },
  }
}
