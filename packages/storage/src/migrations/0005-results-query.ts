import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../schema.js'

/**
 * The results table's read side (SPEC §5): `latest_results` keeps, per (column, row), a copy of
 * what the table shows — the latest finished (done or error) result across runs, as
 * `CellResultRepository.latestForRows` picks it — with just what filters, sorts and footers
 * read, so a 100k-row filter or aggregate does not rank every result at query time. The cell
 * result writes keep it current (sql-latest-results.ts); it is filled here from the results
 * already stored. A shipped migration never changes; later changes get new numbered files.
 */
export function resultsQueryMigration(dialect: Dialect) {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer'
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      let table = db.schema
        .createTable('latest_results')
        .addColumn('column_id', 'text', (c) => c.notNull())
        .addColumn('row_id', bigint, (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text', (c) => c.notNull())
        // 0 fail, 1 pass, 2 done without a verdict, 3 error, 4 error judge_unparseable.
        .addColumn('verdict', 'integer', (c) => c.notNull())
        .addColumn('value_num', 'double precision')
        .addColumn('tokens_in', 'integer', (c) => c.notNull())
        .addColumn('tokens_out', 'integer', (c) => c.notNull())
        .addColumn('cost', 'double precision')
        .addPrimaryKeyConstraint('latest_results_pk', ['column_id', 'row_id'])
        // The copy goes with its result (a deleted run, row, column or evaluation).
        .addForeignKeyConstraint(
          'latest_results_result',
          ['run_id', 'column_id', 'row_id'],
          'cell_results',
          ['run_id', 'column_id', 'row_id'],
          (fk) => fk.onDelete('cascade'),
        )
      // One B-tree keyed by (column, row): a lookup is one seek, not an index then a table seek.
      if (dialect === 'sqlite') table = table.modifyEnd(sql`without rowid`)
      await table.execute()
      // The cascade from cell_results finds the copy by this index instead of scanning.
      await db.schema
        .createIndex('latest_results_result')
        .on('latest_results')
        .columns(['run_id', 'column_id', 'row_id'])
        .execute()
      // Verdict filters, score sorts and footers read one column's cells in verdict and score
      // order; with the usage columns in it, a footer is a scan of this index alone.
      await db.schema
        .createIndex('latest_results_score')
        .on('latest_results')
        .columns(['column_id', 'verdict', 'value_num', 'row_id', 'tokens_in', 'tokens_out', 'cost'])
        .execute()

      await sql`
        insert into latest_results
          (column_id, row_id, run_id, finished_at, verdict, value_num, tokens_in, tokens_out, cost)
        select column_id, row_id, run_id, finished_at,
          case when status = 'error'
            then (case when error like '{"code":"judge^_unparseable"%' escape '^' then 4 else 3 end)
            when pass is null then 2 else pass end,
          value_num, tokens_in, tokens_out, cost
        from (
          select r.*, row_number() over (
            partition by column_id, row_id order by finished_at desc, run_id desc
          ) as rank
          from cell_results r
          where status in ('done', 'error')
        ) ranked
        where rank = 1
      `.execute(db)
    },
  }
}
