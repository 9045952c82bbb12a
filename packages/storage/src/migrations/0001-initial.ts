import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../schema.js'

/** The first schema. Later changes get new numbered files; a shipped migration never changes. */
export function initialMigration(dialect: Dialect) {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer'
  // Row ids are SQLite rowids (64-bit); on PostgreSQL they must be bigint too, or about two
  // billion imported rows over a database's life would exhaust them.
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()

      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
        .execute()

      await db.schema
        .createTable('project_members')
        .addColumn('project_id', 'text', (c) =>
          c.notNull().references('projects.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
        .execute()
      await db.schema
        .createIndex('project_members_user')
        .on('project_members')
        .column('user_id')
        .execute()

      await db.schema
        .createTable('evaluations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) =>
          c.notNull().references('projects.id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('cache_enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('row_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('evaluations_project_name', ['project_id', 'name'])
        .execute()

      await db.schema
        .createTable('columns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('evaluation_id', 'text', (c) =>
          c.notNull().references('evaluations.id').onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('columns_evaluation_name', ['evaluation_id', 'name'])
        .execute()

      await db.schema
        .createTable('rows')
        .addColumn('id', bigint, (c) =>
          dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
        )
        .addColumn('evaluation_id', 'text', (c) =>
          c.notNull().references('evaluations.id').onDelete('cascade'),
        )
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addUniqueConstraint('rows_evaluation_idx', ['evaluation_id', 'idx'])
        .execute()

      await db.schema
        .createTable('cell_values')
        .addColumn('column_id', 'text', (c) =>
          c.notNull().references('columns.id').onDelete('cascade'),
        )
        .addColumn('row_id', bigint, (c) => c.notNull().references('rows.id').onDelete('cascade'))
        .addColumn('value', 'text')
        .addColumn('edited_by', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('edited_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('cell_values_pk', ['column_id', 'row_id'])
        .execute()
      await db.schema.createIndex('cell_values_row').on('cell_values').column('row_id').execute()

      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('evaluation_id', 'text', (c) =>
          c.notNull().references('evaluations.id').onDelete('cascade'),
        )
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('started_by', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('segment_started_at', 'text')
        .addColumn('elapsed_ms', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('segments', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('finished_at', 'text')
        .addColumn('tokens_in', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('tokens_out', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('cost', 'double precision')
        .addColumn('budget', 'text')
        .addColumn('stop_reason', 'text')
        .execute()
      await db.schema
        .createIndex('runs_evaluation')
        .on('runs')
        .columns(['evaluation_id', 'created_at'])
        .execute()
      await db.schema.createIndex('runs_status').on('runs').column('status').execute()

      await db.schema
        .createTable('cell_results')
        .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
        .addColumn('column_id', 'text', (c) =>
          c.notNull().references('columns.id').onDelete('cascade'),
        )
        .addColumn('row_id', bigint, (c) => c.notNull().references('rows.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('value_num', 'double precision')
        .addColumn('value_text', 'text')
        .addColumn('pass', 'integer')
        .addColumn('explanation', 'text')
        .addColumn('raw', 'text')
        .addColumn('tokens_in', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('tokens_out', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cost', 'double precision')
        .addColumn('latency_ms', 'integer')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('model', 'text')
        .addColumn('prompt_hash', 'text')
        .addColumn('cached', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('finished_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('cell_results_pk', ['run_id', 'column_id', 'row_id'])
        .execute()
      await db.schema
        .createIndex('cell_results_row')
        .on('cell_results')
        .columns(['row_id', 'column_id'])
        .execute()
      // Deleting a column must not scan every result of every evaluation.
      await db.schema
        .createIndex('cell_results_column')
        .on('cell_results')
        .column('column_id')
        .execute()

      await db.schema
        .createTable('connections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.references('projects.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('base_url', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('defaults', 'text', (c) => c.notNull())
        .addColumn('limits', 'text', (c) => c.notNull())
        .addColumn('prices', 'text', (c) => c.notNull())
        .addColumn('structured_output', 'text', (c) => c.notNull())
        .addColumn('api_key_sealed', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute()
      // NULL project ids (instance-wide connections) must clash by name too, hence the coalesce.
      await db.schema
        .createIndex('connections_scope_name')
        .on('connections')
        .unique()
        .expression(sql`coalesce(project_id, ''), name`)
        .execute()

      await db.schema
        .createTable('custom_evaluators')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.references('projects.id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('prompt', 'text')
        .addColumn('variables', 'text', (c) => c.notNull())
        .addColumn('scale', 'text', (c) => c.notNull())
        .addColumn('polarity', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('custom_evaluators_project')
        .on('custom_evaluators')
        .column('project_id')
        .execute()
    },
  }
}
