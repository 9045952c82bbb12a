import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connection, ConnectionInput } from '../../domain/connection.js'
import type { Clock } from '../../ports/clock.js'
import type { Repositories } from '../../ports/repositories.js'
import { type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

/** A key no other test uses, so finding it anywhere means it leaked. */
function newKey(): string {
  return `sk-${uniqueName('key').replace(' ', '-')}-7f3a9c1e5b`
}

export function describeConnectionContract(make: MakeHarness): void {
  describe('ConnectionRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    /** Moves the clock on when the harness's clock can be moved (the test clocks can). */
    function tick(): void {
      ;(harness.clock as Clock & { advance?: (ms: number) => void }).advance?.(1000)
    }

    async function expectNotInClear(key: string): Promise<void> {
      const texts = await harness.rawConnectionTexts()
      expect(texts.length).toBeGreaterThan(0)
      expect(texts.filter((text) => text.includes(key))).toEqual([])
    }

    function expectNoKey(connection: Connection | undefined, key: string): void {
      expect(connection).toBeDefined()
      expect(connection).not.toHaveProperty('apiKey')
      expect(JSON.stringify(connection)).not.toContain(key)
    }

    function input(overrides: Partial<ConnectionInput> = {}): ConnectionInput {
      return {
        name: uniqueName('connection'),
        provider: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:11434/v1',
        model: 'llama3.1:8b',
        ...overrides,
      }
    }

    it('creates a connection with the defaults filled in and reads it back', async () => {
      const name = uniqueName('connection')
      const connection = await repos.connections.create({
        name,
        provider: 'openai',
        model: 'gpt-4o-mini',
      })
      expect(connection).toEqual({
        id: expect.any(String),
        projectId: null,
        name,
        provider: 'openai',
        baseUrl: null,
        model: 'gpt-4o-mini',
        defaults: {},
        limits: { concurrency: 4, requestsPerMinute: null, tokensPerMinute: null },
        prices: { inputPerMillion: null, outputPerMillion: null },
        structuredOutput: 'json',
        hasApiKey: false,
        createdAt: harness.clock.isoNow(),
        updatedAt: harness.clock.isoNow(),
      })
      expect(await repos.connections.get(connection.id)).toEqual(connection)
      expect(await repos.connections.getByName(null, name)).toEqual(connection)
      expect(await repos.connections.getSealedApiKey(connection.id)).toBeNull()
      expect(await repos.connections.get('con_missing')).toBeUndefined()
      expect(await repos.connections.getSealedApiKey('con_missing')).toBeUndefined()
      expect(await repos.connections.getByName(null, uniqueName('absent'))).toBeUndefined()
    })

    it('stores every field', async () => {
      const project = await repos.projects.create({ name: uniqueName('project'), createdBy: null })
      const full: ConnectionInput = {
        projectId: project.id,
        name: uniqueName('full'),
        provider: 'azure-openai',
        baseUrl: 'https://example.openai.azure.com/openai',
        model: 'gpt-4o',
        defaults: { temperature: 0.3, maxOutputTokens: 2048, topP: 0.95 },
        limits: { concurrency: 16, requestsPerMinute: 600, tokensPerMinute: 150_000 },
        prices: { inputPerMillion: 2.5, outputPerMillion: 10 },
        structuredOutput: 'json-schema',
        apiKey: newKey(),
      }
      const connection = await repos.connections.create(full)
      const { apiKey: _key, ...fields } = full
      expect(connection).toEqual({
        ...fields,
        id: connection.id,
        hasApiKey: true,
        createdAt: connection.createdAt,
        updatedAt: connection.updatedAt,
      })
      expect(await repos.connections.getByName(project.id, full.name)).toEqual(connection)
      expect(await repos.connections.getByName(null, full.name)).toBeUndefined()
    })

    it('never returns the API key, never stores it in clear, and seals it for the secret box', async () => {
      const key = newKey()
      const connection = await repos.connections.create(input({ apiKey: key }))
      expect(connection.hasApiKey).toBe(true)
      expectNoKey(connection, key)
      expectNoKey(await repos.connections.get(connection.id), key)
      expectNoKey(await repos.connections.getByName(null, connection.name), key)
      expectNoKey(
        (await repos.connections.list()).find((c) => c.id === connection.id),
        key,
      )
      await expectNotInClear(key)

      const sealed = await repos.connections.getSealedApiKey(connection.id)
      expect(typeof sealed).toBe('string')
      expect(sealed).not.toContain(key)
      expect(harness.secretBox.open(sealed ?? '')).toBe(key)
    })

    it('keeps the key on an update without one, removes it with null, replaces it with a string', async () => {
      const first = newKey()
      const connection = await repos.connections.create(input({ apiKey: first }))
      const sealed = await repos.connections.getSealedApiKey(connection.id)

      const renamed = await repos.connections.update(connection.id, { name: uniqueName('renamed') })
      expect(renamed.hasApiKey).toBe(true)
      expect(await repos.connections.getSealedApiKey(connection.id)).toBe(sealed)
      const explicit = await repos.connections.update(connection.id, {
        apiKey: undefined,
        model: 'other',
      })
      expect(explicit.hasApiKey).toBe(true)
      expect(
        harness.secretBox.open((await repos.connections.getSealedApiKey(connection.id)) ?? ''),
      ).toBe(first)

      const second = newKey()
      const replaced = await repos.connections.update(connection.id, { apiKey: second })
      expect(replaced.hasApiKey).toBe(true)
      expectNoKey(replaced, second)
      expect(
        harness.secretBox.open((await repos.connections.getSealedApiKey(connection.id)) ?? ''),
      ).toBe(second)
      await expectNotInClear(first)
      await expectNotInClear(second)

      const removed = await repos.connections.update(connection.id, { apiKey: null })
      expect(removed.hasApiKey).toBe(false)
      expect(await repos.connections.getSealedApiKey(connection.id)).toBeNull()
      expect((await repos.connections.get(connection.id))?.hasApiKey).toBe(false)
    })

    it('treats an empty API key as none', async () => {
      const connection = await repos.connections.create(input({ apiKey: '' }))
      expect(connection.hasApiKey).toBe(false)
      expect(await repos.connections.getSealedApiKey(connection.id)).toBeNull()
    })

    it('updates the given fields only, moving updatedAt and keeping createdAt', async () => {
      const connection = await repos.connections.create(
        input({
          defaults: { temperature: 0 },
          prices: { inputPerMillion: 1, outputPerMillion: 2 },
        }),
      )
      tick()
      const name = uniqueName('updated')
      const updated = await repos.connections.update(connection.id, {
        name,
        limits: { concurrency: 2, requestsPerMinute: 60 },
        structuredOutput: 'tool-call',
      })
      expect(updated).toEqual({
        ...connection,
        name,
        limits: { concurrency: 2, requestsPerMinute: 60, tokensPerMinute: null },
        structuredOutput: 'tool-call',
        updatedAt: harness.clock.isoNow(),
      })
      expect(await repos.connections.get(connection.id)).toEqual(updated)
      expect(await repos.connections.getByName(null, name)).toEqual(updated)
      expect(await repos.connections.getByName(null, connection.name)).toBeUndefined()

      const cleared = await repos.connections.update(connection.id, { baseUrl: null, prices: {} })
      expect(cleared.baseUrl).toBeNull()
      expect(cleared.prices).toEqual({ inputPerMillion: null, outputPerMillion: null })
      expect(cleared.defaults).toEqual({ temperature: 0 })
    })

    it('refuses invalid input on create and update, changing nothing', async () => {
      const bad: Partial<ConnectionInput>[] = [
        { name: '' },
        { name: 'x'.repeat(101) },
        { name: `nul\u0000${uniqueName('x')}` },
        { model: '' },
        { provider: 'cohere' as ConnectionInput['provider'] },
        { baseUrl: 'not a url' },
        { limits: { concurrency: 0 } },
        { prices: { inputPerMillion: -1 } },
        { defaults: { temperature: 3 } },
        { structuredOutput: 'xml' as ConnectionInput['structuredOutput'] },
      ]
      const connection = await repos.connections.create(input({ apiKey: newKey() }))
      const sealed = await repos.connections.getSealedApiKey(connection.id)
      for (const overrides of bad) {
        await expect(repos.connections.create(input(overrides))).rejects.toMatchObject({
          code: 'invalid_input',
        })
        await expect(
          repos.connections.update(connection.id, { ...overrides, apiKey: null }),
        ).rejects.toMatchObject({
          code: 'invalid_input',
        })
      }
      expect(await repos.connections.get(connection.id)).toEqual(connection)
      expect(await repos.connections.getSealedApiKey(connection.id)).toBe(sealed)
    })

    it('keeps names unique per project and among instance-wide connections', async () => {
      const one = await repos.projects.create({ name: uniqueName('project'), createdBy: null })
      const two = await repos.projects.create({ name: uniqueName('project'), createdBy: null })
      const name = uniqueName('shared')
      const wide = await repos.connections.create(input({ name }))
      const inOne = await repos.connections.create(input({ name, projectId: one.id }))
      const inTwo = await repos.connections.create(input({ name, projectId: two.id }))
      expect(new Set([wide.id, inOne.id, inTwo.id]).size).toBe(3)
      for (const projectId of [null, one.id]) {
        const clash = repos.connections.create(input({ name, projectId }))
        await expect(clash).rejects.toMatchObject({ code: 'conflict' })
        await expect(clash.catch((e: Error) => e.message)).resolves.toContain(`"${name}"`)
      }
      expect(await repos.connections.getByName(null, name)).toEqual(wide)
      expect(await repos.connections.getByName(one.id, name)).toEqual(inOne)
      expect(await repos.connections.getByName(two.id, name)).toEqual(inTwo)

      const other = await repos.connections.create(input({ projectId: one.id }))
      await expect(repos.connections.update(other.id, { name })).rejects.toMatchObject({
        code: 'conflict',
      })
      expect(await repos.connections.get(other.id)).toEqual(other)
    })

    it('refuses a connection of a missing project, and updates of a missing connection', async () => {
      await expect(
        repos.connections.create(input({ projectId: 'prj_missing' })),
      ).rejects.toMatchObject({
        code: 'not_found',
      })
      await expect(repos.connections.update('con_missing', { model: 'x' })).rejects.toMatchObject({
        code: 'not_found',
      })
      const connection = await repos.connections.create(input())
      await expect(
        repos.connections.update(connection.id, { projectId: 'prj_missing' }),
      ).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.connections.get(connection.id)).toEqual(connection)
    })

    it('lists all, the instance-wide ones, or what a project can use, by name', async () => {
      const project = await repos.projects.create({ name: uniqueName('project'), createdBy: null })
      const other = await repos.projects.create({ name: uniqueName('project'), createdBy: null })
      const tag = uniqueName('listed')
      const wide = await repos.connections.create(input({ name: `${tag} b` }))
      const own = await repos.connections.create(input({ name: `${tag} a`, projectId: project.id }))
      const foreign = await repos.connections.create(
        input({ name: `${tag} c`, projectId: other.id }),
      )
      const mine = (list: Connection[]) => list.filter((c) => c.name.startsWith(`${tag} `))
      expect(mine(await repos.connections.list())).toEqual([own, wide, foreign])
      expect(mine(await repos.connections.list({}))).toEqual([own, wide, foreign])
      expect(mine(await repos.connections.list({ projectId: null }))).toEqual([wide])
      expect(mine(await repos.connections.list({ projectId: project.id }))).toEqual([own, wide])
      expect(mine(await repos.connections.list({ projectId: other.id }))).toEqual([wide, foreign])
      expect(
        (await repos.connections.list({ projectId: null })).every((c) => c.projectId === null),
      ).toBe(true)
    })

    it('deletes a connection with its key', async () => {
      const connection = await repos.connections.create(input({ apiKey: newKey() }))
      await repos.connections.delete(connection.id)
      expect(await repos.connections.get(connection.id)).toBeUndefined()
      expect(await repos.connections.getSealedApiKey(connection.id)).toBeUndefined()
      expect((await repos.connections.list()).some((c) => c.id === connection.id)).toBe(false)
      await expect(repos.connections.delete(connection.id)).rejects.toMatchObject({
        code: 'not_found',
      })
      await repos.connections.create(input({ name: connection.name }))
    })

    it('returns copies: changing a returned connection changes nothing stored', async () => {
      const connection = await repos.connections.create(input({ defaults: { temperature: 1 } }))
      connection.defaults.temperature = 0
      connection.limits.concurrency = 99
      connection.hasApiKey = true
      const read = await repos.connections.get(connection.id)
      expect(read?.defaults).toEqual({ temperature: 1 })
      expect(read?.limits.concurrency).toBe(4)
      expect(read?.hasApiKey).toBe(false)
    })
  })
}
