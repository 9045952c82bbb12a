import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CachedAnswer, Repositories } from '../../ports/repositories.js'
import { expectCode, type MakeHarness, type RepositoriesHarness } from './harness.js'

let keys = 0
/** A fresh key shaped like the engine's (a hex SHA-256 digest: 64 hex digits). */
function newKey(): string {
  keys += 1
  return `c0de${keys.toString(16).padStart(60, '0')}`
}

export function describeModelCacheContract(make: MakeHarness): void {
  describe('ModelCacheRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    function answer(patch: Partial<CachedAnswer> = {}): CachedAnswer {
      return { text: 'Paris', inputTokens: 12, outputTokens: 3, model: 'gpt-test', ...patch }
    }

    it('stores an answer and reads it back', async () => {
      const key = newKey()
      const stored = answer()
      await repos.modelCache.put(key, stored)
      expect(await repos.modelCache.get(key)).toEqual(stored)
      expect(await repos.modelCache.get(newKey())).toBeUndefined()
      expect(await repos.modelCache.get('')).toBeUndefined()
    })

    it('keeps the first answer put for a key', async () => {
      const key = newKey()
      const first = answer({ text: 'first' })
      await repos.modelCache.put(key, first)
      await repos.modelCache.put(key, answer({ text: 'second', inputTokens: 99, model: 'other' }))
      expect(await repos.modelCache.get(key)).toEqual(first)
    })

    it('keeps exactly one of concurrent answers for a key', async () => {
      const key = newKey()
      const answers = Array.from({ length: 8 }, (_, i) => answer({ text: `answer ${i}` }))
      await Promise.all(answers.map((a) => repos.modelCache.put(key, a)))
      const stored = await repos.modelCache.get(key)
      expect(answers).toContainEqual(stored)
    })

    it('keeps different keys apart', async () => {
      const one = newKey()
      const two = newKey()
      await repos.modelCache.put(one, answer({ text: 'one' }))
      await repos.modelCache.put(two, answer({ text: 'two', outputTokens: 0 }))
      expect(await repos.modelCache.get(one)).toEqual(answer({ text: 'one' }))
      expect(await repos.modelCache.get(two)).toEqual(answer({ text: 'two', outputTokens: 0 }))
      expect(await repos.modelCache.get(one.toUpperCase())).toBeUndefined()
    })

    it('round-trips a large answer, unicode and edge values', async () => {
      const large = answer({ text: `${'x'.repeat(1024 * 1024 - 1)}😀`, outputTokens: 250_000 })
      const largeKey = newKey()
      await repos.modelCache.put(largeKey, large)
      const read = await repos.modelCache.get(largeKey)
      expect(read?.text.length).toBe(large.text.length)
      expect(read).toEqual(large)

      const texts = ['', '😀 東京 \t naïve', 'a,"b"\r\nc\n', '{"score":4}', '\u200b\ufeff𝄞']
      for (const text of texts) {
        const key = newKey()
        const stored = answer({ text, model: 'modèle/東京', inputTokens: 0, outputTokens: 0 })
        await repos.modelCache.put(key, stored)
        expect(await repos.modelCache.get(key)).toEqual(stored)
      }
    })

    it('stores a batch, keeping the first answer for a key (stored or earlier in the batch)', async () => {
      const stored = newKey()
      await repos.modelCache.put(stored, answer({ text: 'kept' }))
      const a = newKey()
      const b = newKey()
      await repos.modelCache.putMany([])
      await repos.modelCache.putMany([
        { key: a, answer: answer({ text: 'a first' }) },
        { key: stored, answer: answer({ text: 'not kept' }) },
        { key: b, answer: answer({ text: 'b', outputTokens: 0 }) },
        { key: a, answer: answer({ text: 'a second' }) },
      ])
      expect(await repos.modelCache.get(stored)).toEqual(answer({ text: 'kept' }))
      expect(await repos.modelCache.get(a)).toEqual(answer({ text: 'a first' }))
      expect(await repos.modelCache.get(b)).toEqual(answer({ text: 'b', outputTokens: 0 }))
      const many = Array.from({ length: 300 }, (_, i) => ({
        key: newKey(),
        answer: answer({ text: `answer ${i}` }),
      }))
      await repos.modelCache.putMany(many)
      for (const { key, answer: expected } of [many[0]!, many[150]!, many[299]!])
        expect(await repos.modelCache.get(key)).toEqual(expected)
    })

    it('reads several keys at once, across pages of keys', async () => {
      const stored = Array.from({ length: 150 }, (_, i) => ({
        key: newKey(),
        answer: answer({ text: `many ${i}`, inputTokens: i }),
      }))
      await repos.modelCache.putMany(stored)
      const missing = [newKey(), newKey()]
      const asked = [...stored.map((e) => e.key).reverse(), ...missing, stored[0]!.key, '']
      const found = await repos.modelCache.getMany(asked)
      expect(found.size).toBe(150)
      for (const { key, answer: expected } of stored) expect(found.get(key)).toEqual(expected)
      for (const key of missing) expect(found.has(key)).toBe(false)
      expect((await repos.modelCache.getMany([])).size).toBe(0)
    })

    it('stores nothing of a batch holding an answer it refuses', async () => {
      const good = newKey()
      await expectCode(
        repos.modelCache.putMany([
          { key: good, answer: answer() },
          { key: newKey(), answer: answer({ text: 'a\u0000b' }) },
        ]),
        'invalid_input',
      )
      expect(await repos.modelCache.get(good)).toBeUndefined()
    })

    it('refuses an answer it could not store alike everywhere', async () => {
      const key = newKey()
      await expectCode(repos.modelCache.put(key, answer({ text: 'a\u0000b' })), 'invalid_input')
      await expectCode(repos.modelCache.put(key, answer({ inputTokens: -1 })), 'invalid_input')
      await expectCode(repos.modelCache.put(key, answer({ outputTokens: 1.5 })), 'invalid_input')
      await expectCode(repos.modelCache.put('', answer()), 'invalid_input')
      expect(await repos.modelCache.get(key)).toBeUndefined()
    })
  })
}
