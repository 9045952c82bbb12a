import { randomBytes } from 'node:crypto'
import type { Repositories, ResultsRow } from '@assay/core'
import { createFixedClock, createSeqIds } from '@assay/core/testing'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqlRepositories } from '../create-repositories.js'
import { migrateToLatest } from '../migrate.js'
import { type OpenedDatabase, openDatabase } from '../open-database.js'
import { createAesGcmSecretBox } from '../secret-box.js'
import { createPostgresTestDatabase, TEST_POSTGRES_URL } from '../test-harness.js'

/*
 * A page at an offset in plain row order seeks the row index itself when the indexes are
 * 0..n−1, as imports number them. Rows deleted from the middle or the start (nothing deletes
 * one today, so the test does it in SQL) leave holes: the offset must then still count rows.
 */
async function open(dialect: 'sqlite' | 'postgres') {
  if (dialect === 'sqlite') return { opened: openDatabase(':memory:'), drop: async () => {} }
  const created = await createPostgresTestDatabase(TEST_POSTGRES_URL as string)
  return { opened: openDatabase(created.url), drop: created.drop }
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  const run = dialect === 'sqlite' || TEST_POSTGRES_URL ? describe : describe.skip
  run(`results page at an offset (${dialect})`, () => {
    let opened: OpenedDatabase
    let drop: () => Promise<void> = async () => {}
    afterAll(async () => {
      await opened?.close()
      await drop()
    })

    it('gives the rows at that position whether or not row indexes have holes', async () => {
      ;({ opened, drop } = await open(dialect))
      await migrateToLatest(opened.db, opened.dialect)
      const repos: Repositories = createSqlRepositories({
        db: opened.db,
        dialect: opened.dialect,
        ids: createSeqIds(),
        clock: createFixedClock(),
        secretBox: createAesGcmSecretBox(randomBytes(32)),
      })
      const project = await repos.projects.create({ name: 'offset', createdBy: null })
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: 'offset',
        createdBy: null,
      })
      async function* rows() {
        yield Array.from({ length: 40 }, (_, i) => [`row ${i}`])
      }
      await repos.rows.importRows(evaluation.id, ['input'], rows())

      async function walk(): Promise<ResultsRow[]> {
        const seen: ResultsRow[] = []
        let cursor: string | null = null
        do {
          const page = await repos.resultsQuery.page(evaluation.id, { cursor, limit: 6 })
          seen.push(...page.rows)
          cursor = page.nextCursor
        } while (cursor !== null)
        return seen
      }
      async function expectOffsetsLikeWalk() {
        const all = await walk()
        for (let offset = 0; offset <= all.length + 2; offset++) {
          const page = await repos.resultsQuery.page(evaluation.id, { offset, limit: 6 })
          expect({ offset, rows: page.rows }).toEqual({
            offset,
            rows: all.slice(offset, offset + 6),
          })
          expect(page.total).toBe(all.length)
        }
        return all
      }

      expect((await expectOffsetsLikeWalk()).map((r) => r.index)).toEqual(
        Array.from({ length: 40 }, (_, i) => i),
      )
      // A delete that keeps the evaluation's row count right, in the middle, then at the start.
      for (const idx of [7, 0]) {
        await sql`delete from rows where evaluation_id = ${evaluation.id} and idx = ${idx}`.execute(
          opened.db,
        )
        await sql`update evaluations set row_count = row_count - 1 where id = ${evaluation.id}`.execute(
          opened.db,
        )
        const all = await expectOffsetsLikeWalk()
        expect(all.map((r) => r.index)).not.toContain(idx)
      }
      expect((await expectOffsetsLikeWalk()).length).toBe(38)
    })
  })
}
