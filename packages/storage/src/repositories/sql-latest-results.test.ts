import { randomBytes } from 'node:crypto'
import type { CellResult, Repositories, Run } from '@assay/core'
import { createFixedClock, createSeqIds } from '@assay/core/testing'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqlRepositories } from '../create-repositories.js'
import { migrateToLatest } from '../migrate.js'
import { resultsQueryMigration } from '../migrations/0005-results-query.js'
import { type OpenedDatabase, openDatabase } from '../open-database.js'
import { createAesGcmSecretBox } from '../secret-box.js'
import { createPostgresTestDatabase, TEST_POSTGRES_URL } from '../test-harness.js'

/*
 * latest_results is a copy kept by the cell result writes; migration 0005 fills it from the
 * results already stored. Both must give the same table, and agree with latestForRows.
 */
async function open(dialect: 'sqlite' | 'postgres') {
  if (dialect === 'sqlite') return { opened: openDatabase(':memory:'), drop: async () => {} }
  const created = await createPostgresTestDatabase(TEST_POSTGRES_URL as string)
  return { opened: openDatabase(created.url), drop: created.drop }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const run = dialect === 'sqlite' || TEST_POSTGRES_URL ? describe : describe.skip
  run(`latest_results (${dialect})`, () => {
    let opened: OpenedDatabase
    let drop: () => Promise<void> = async () => {}
    afterAll(async () => {
      await opened?.close()
      await drop()
    })

    it('is kept by put and putMany as migration 0005 would fill it, and as latestForRows reads', async () => {
      ;({ opened, drop } = await open(dialect))
      await migrateToLatest(opened.db, opened.dialect)
      const repos: Repositories = createSqlRepositories({
        db: opened.db,
        dialect: opened.dialect,
        ids: createSeqIds(),
        clock: createFixedClock(),
        secretBox: createAesGcmSecretBox(randomBytes(32)),
      })
      const project = await repos.projects.create({ name: 'latest', createdBy: null })
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: 'latest',
        createdBy: null,
      })
      async function* rows() {
        yield Array.from({ length: 40 }, (_, i) => [`row ${i}`])
      }
      await repos.rows.importRows(evaluation.id, ['input'], rows())
      const rowIds = (await repos.rows.list(evaluation.id, { limit: 40 })).map((r) => r.id)
      const column = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'judge',
        config: {
          kind: 'evaluator',
          evaluator: {
            evaluatorId: 'coherence',
            connectionId: null,
            params: {},
            mapping: {},
            threshold: { op: '>', value: 3 },
            options: {},
            compareWithColumnId: null,
          },
        },
      })
      const runs: Run[] = []
      for (let i = 0; i < 3; i++) {
        runs.push(
          await repos.runs.create({
            evaluationId: evaluation.id,
            // One active run per evaluation: the older two are finished.
            status: i === 2 ? 'running' : 'completed',
            scope: { mode: 'all', columnIds: null, rowIds: null },
            startedBy: null,
            createdAt: '2026-01-01T00:00:00.000Z',
            segmentStartedAt: null,
            elapsedMs: 0,
            segments: 1,
            finishedAt: null,
            tokensIn: 0,
            tokensOut: 0,
            cost: 0,
            budget: null,
            stopReason: null,
          }),
        )
      }
      const statuses = ['done', 'error', 'skipped', 'done', 'stopped'] as const
      const batch: CellResult[] = []
      rowIds.forEach((rowId, i) => {
        runs.forEach((run, r) => {
          if ((i + r) % 4 === 3) return
          const status = statuses[(i * 7 + r) % statuses.length] ?? 'done'
          batch.push({
            runId: run.id,
            rowId,
            columnId: column.id,
            status,
            value: status === 'done' ? (i % 5) + 1 : null,
            pass: status === 'done' ? (i % 5) + 1 > 3 : null,
            explanation: null,
            raw: null,
            tokensIn: 3,
            tokensOut: 1,
            cost: r === 1 ? null : 0.5,
            latencyMs: 10,
            attempts: 1,
            error:
              status === 'error'
                ? { code: i % 2 ? 'judge_unparseable' : 'timeout', message: 'x', retryable: false }
                : null,
            model: null,
            promptHash: null,
            cached: false,
            // Same second for some, so the run id breaks the tie; one run sometimes later.
            finishedAt: `2026-01-01T00:00:0${(i + r * 3) % 4}.000Z`,
          })
        })
      })
      // Half one by one (put), half in batches (putMany), in an order mixing the runs.
      const half = Math.floor(batch.length / 2)
      for (const result of batch.slice(0, half).reverse()) await repos.cellResults.put(result)
      for (let i = half; i < batch.length; i += 17) {
        await repos.cellResults.putMany(batch.slice(i, i + 17))
      }
      const snapshot = async () =>
        (
          await sql<Record<string, unknown>>`
            select column_id, row_id, run_id, finished_at, verdict, value_num, tokens_in,
              tokens_out, cost
            from latest_results order by column_id, row_id
          `.execute(opened.db)
        ).rows.map((r) => ({ ...r, row_id: Number(r.row_id) }) as Record<string, unknown>)
      const kept = await snapshot()
      await sql`drop table latest_results`.execute(opened.db)
      await resultsQueryMigration(opened.dialect).up(opened.db as never)
      expect(await snapshot()).toEqual(kept)
      const latest = await repos.cellResults.latestForRows([column.id], rowIds)
      expect(kept.map((r) => `${r.row_id}:${r.run_id}`).sort()).toEqual(
        latest.map((r) => `${r.rowId}:${r.runId}`).sort(),
      )
      expect(kept.some((r) => r.verdict === 4)).toBe(true)
      expect(kept.some((r) => r.verdict === 3)).toBe(true)
    })
  })
}
