import { randomBytes } from 'node:crypto'
import type { Repositories } from '@assay/core'
import { createFixedClock, createSeqIds } from '@assay/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqlRepositories } from '../create-repositories.js'
import { migrateToLatest } from '../migrate.js'
import { type OpenedDatabase, openDatabase } from '../open-database.js'
import { createAesGcmSecretBox } from '../secret-box.js'

/** What the contract suites cannot see: how records look in the tables, and corrupt ones. */
describe('SQL repositories: stored data', () => {
  let opened: OpenedDatabase
  let repos: Repositories
  const secretBox = createAesGcmSecretBox(randomBytes(32))

  beforeAll(async () => {
    opened = openDatabase(':memory:')
    await migrateToLatest(opened.db, opened.dialect)
    repos = createSqlRepositories({
      db: opened.db,
      dialect: opened.dialect,
      ids: createSeqIds(),
      clock: createFixedClock(),
      secretBox,
    })
  })
  afterAll(async () => {
    await opened?.close()
  })

  async function newEvaluation(name: string) {
    const project = await repos.projects.create({ name, createdBy: null })
    return repos.evaluations.create({ projectId: project.id, name: 'evaluation', createdBy: null })
  }

  it('stores booleans as 0/1 and configurations as JSON text', async () => {
    const evaluation = await newEvaluation('stored')
    await repos.evaluations.setCacheEnabled(evaluation.id, false)
    const column = await repos.columns.add({
      evaluationId: evaluation.id,
      name: 'label',
      config: { kind: 'manual', valueType: 'number' },
    })
    const stored = await opened.db
      .selectFrom('evaluations')
      .select('cache_enabled')
      .where('id', '=', evaluation.id)
      .executeTakeFirstOrThrow()
    expect(stored.cache_enabled).toBe(0)
    const config = await opened.db
      .selectFrom('columns')
      .select('config')
      .where('id', '=', column.id)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(config.config)).toEqual({ kind: 'manual', valueType: 'number' })
  })

  it('keeps the API key sealed as v1:<iv>:<tag>:<ciphertext>', async () => {
    const connection = await repos.connections.create({
      name: 'sealed',
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKey: 'sk-stored-sealed',
    })
    const record = await opened.db
      .selectFrom('connections')
      .select('api_key_sealed')
      .where('id', '=', connection.id)
      .executeTakeFirstOrThrow()
    expect(record.api_key_sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/)
    expect(secretBox.open(record.api_key_sealed ?? '')).toBe('sk-stored-sealed')
  })

  it('reports a corrupt column configuration as storage_failed', async () => {
    const evaluation = await newEvaluation('corrupt columns')
    const column = await repos.columns.add({
      evaluationId: evaluation.id,
      name: 'label',
      config: { kind: 'manual', valueType: 'text' },
    })
    for (const config of [
      '{not json',
      '{"kind":"manual","valueType":"date"}',
      '{"kind":"mystery"}',
    ]) {
      await opened.db.updateTable('columns').set({ config }).where('id', '=', column.id).execute()
      await expect(repos.columns.get(column.id)).rejects.toMatchObject({ code: 'storage_failed' })
      await expect(repos.columns.list(evaluation.id)).rejects.toMatchObject({
        code: 'storage_failed',
      })
    }
  })

  it('reports corrupt connection and evaluator records as storage_failed', async () => {
    const connection = await repos.connections.create({
      name: 'corrupt',
      provider: 'openai',
      model: 'm',
    })
    await opened.db
      .updateTable('connections')
      .set({ limits: '{"concurrency":0}' })
      .where('id', '=', connection.id)
      .execute()
    await expect(repos.connections.get(connection.id)).rejects.toMatchObject({
      code: 'storage_failed',
    })
    await opened.db
      .updateTable('connections')
      .set({ limits: '{"concurrency":1}', provider: 'unknown' })
      .where('id', '=', connection.id)
      .execute()
    await expect(repos.connections.get(connection.id)).rejects.toMatchObject({
      code: 'storage_failed',
    })

    const evaluator = await repos.evaluators.create({
      kind: 'metric',
      category: 'quality',
      scope: 'global',
      projectId: null,
      name: 'corrupt',
      description: '',
      prompt: null,
      variables: [],
      scale: { kind: 'boolean' },
      polarity: 'positive',
    })
    await opened.db
      .updateTable('custom_evaluators')
      .set({ scale: '{"kind":"score","min":5,"max":1}' })
      .where('id', '=', evaluator.id)
      .execute()
    await expect(repos.evaluators.get(evaluator.id)).rejects.toMatchObject({
      code: 'storage_failed',
    })
  })
})
