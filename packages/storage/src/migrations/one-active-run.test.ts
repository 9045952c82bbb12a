import { randomBytes } from 'node:crypto'
import { isAssayError, type Repositories, type Run } from '@assay/core'
import { createFixedClock, createSeqIds } from '@assay/core/testing'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqlRepositories } from '../create-repositories.js'
import { migrateToLatest } from '../migrate.js'
import { type OpenedDatabase, openDatabase } from '../open-database.js'
import { createAesGcmSecretBox } from '../secret-box.js'
import { createPostgresTestDatabase, TEST_POSTGRES_URL } from '../test-harness.js'
import { ONE_ACTIVE_RUN_INDEX, oneActiveRunMigration } from './0006-one-active-run.js'

/*
 * Migration 0006 adds "one active run per evaluation" to a database that may already hold
 * several (made before the index existed): it closes all but the oldest as failed first.
 */
async function open(dialect: 'sqlite' | 'postgres') {
  if (dialect === 'sqlite') return { opened: openDatabase(':memory:'), drop: async () => {} }
  const created = await createPostgresTestDatabase(TEST_POSTGRES_URL as string)
  return { opened: openDatabase(created.url), drop: created.drop }
}

function draft(evaluationId: string, status: Run['status'], createdAt: string): Omit<Run, 'id'> {
  return {
    evaluationId,
    status,
    scope: { mode: 'all', columnIds: null, rowIds: null },
    startedBy: null,
    createdAt,
    segmentStartedAt: status === 'running' ? createdAt : null,
    elapsedMs: 0,
    segments: status === 'running' ? 1 : 0,
    finishedAt: null,
    tokensIn: 0,
    tokensOut: 0,
    cost: 0,
    budget: null,
    stopReason: null,
  }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const run = dialect === 'sqlite' || TEST_POSTGRES_URL ? describe : describe.skip
  run(`migration 0006 one active run (${dialect})`, () => {
    let opened: OpenedDatabase
    let drop: () => Promise<void> = async () => {}
    afterAll(async () => {
      await opened?.close()
      await drop()
    })

    it('closes the extra active runs of an evaluation, then keeps one', async () => {
      ;({ opened, drop } = await open(dialect))
      await migrateToLatest(opened.db, opened.dialect)
      const repos: Repositories = createSqlRepositories({
        db: opened.db,
        dialect: opened.dialect,
        ids: createSeqIds(),
        clock: createFixedClock(),
        secretBox: createAesGcmSecretBox(randomBytes(32)),
      })
      const project = await repos.projects.create({ name: 'runs', createdBy: null })
      const one = await repos.evaluations.create({
        projectId: project.id,
        name: 'one',
        createdBy: null,
      })
      const two = await repos.evaluations.create({
        projectId: project.id,
        name: 'two',
        createdBy: null,
      })

      // The database as it was before 0006: several active runs of one evaluation.
      await sql`drop index ${sql.raw(ONE_ACTIVE_RUN_INDEX)}`.execute(opened.db)
      const oldest = await repos.runs.create(draft(one.id, 'running', '2026-01-01T00:00:00.000Z'))
      const queued = await repos.runs.create(draft(one.id, 'queued', '2026-01-02T00:00:00.000Z'))
      const stopping = await repos.runs.create(
        draft(one.id, 'stopping', '2026-01-03T00:00:00.000Z'),
      )
      const done = await repos.runs.create(draft(one.id, 'completed', '2026-01-04T00:00:00.000Z'))
      const alone = await repos.runs.create(draft(two.id, 'queued', '2026-01-05T00:00:00.000Z'))

      await oneActiveRunMigration(opened.dialect).up(opened.db as never)

      expect((await repos.runs.get(oldest.id))?.status).toBe('running')
      expect((await repos.runs.get(done.id))?.status).toBe('completed')
      expect((await repos.runs.get(alone.id))?.status).toBe('queued')
      for (const closed of [queued, stopping]) {
        expect(await repos.runs.get(closed.id)).toMatchObject({
          status: 'failed',
          segmentStartedAt: null,
          finishedAt: closed.createdAt,
          stopReason: 'another run of this evaluation was active',
        })
      }
      const refused = await repos.runs
        .create(draft(one.id, 'queued', '2026-01-06T00:00:00.000Z'))
        .catch((error: unknown) => error)
      expect(isAssayError(refused) && refused.code).toBe('invalid_state')
    })
  })
}
