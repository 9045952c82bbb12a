import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.js'

/**
 * What the run engine needs: a heartbeat per run (bounds the elapsed time of a segment cut short
 * by a crash), the model answer cache, and an index for "the latest done result of a cell across
 * runs". A shipped migration never changes; later changes get new numbered files.
 */
export function engineMigration(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('runs').addColumn('heartbeat_at', 'text').execute()

      // Keys are hex SHA-256 digests made by the engine; `text` may be large (a long answer).
      await db.schema
        .createTable('model_cache')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('input_tokens', 'integer')
        .addColumn('output_tokens', 'integer')
        .addColumn('model', 'text')
        .addColumn('created_at', 'text')
        .execute()

      // latestForRows: per (column, row), the result with the greatest finished_at.
      await db.schema
        .createIndex('cell_results_latest')
        .on('cell_results')
        .columns(['column_id', 'row_id', 'finished_at'])
        .execute()
    },
  }
}
