import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely'
import type { Dialect } from '../schema.js'

/**
 * Production spans received over OTLP/HTTP. One row per (project, trace id, span id): the unique
 * key makes a re-sent export harmless. Queries read one project's spans in start-time order,
 * optionally of one model or one source (service or span name), so each of those has an index
 * ending in (start_time, id), the keyset pagination order. On PostgreSQL the compared text
 * columns use the C collation: code point order, as on SQLite, whatever the database's locale.
 * A shipped migration never changes.
 */
export function tracesMigration(dialect: Dialect) {
  const double = dialect === 'postgres' ? 'double precision' : 'real'
  const ordered = (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.modifyEnd(sql`collate "C"`) : c
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('spans')
        .addColumn('id', 'text', (c) => ordered(c.primaryKey()))
        .addColumn('project_id', 'text', (c) =>
          c.notNull().references('projects.id').onDelete('cascade'),
        )
        .addColumn('trace_id', 'text', (c) => c.notNull())
        .addColumn('span_id', 'text', (c) => c.notNull())
        .addColumn('parent_span_id', 'text')
        .addColumn('service_name', 'text', (c) => ordered(c.notNull()))
        .addColumn('span_name', 'text', (c) => ordered(c.notNull()))
        .addColumn('model', 'text', (c) => ordered(c))
        .addColumn('start_time', 'text', (c) => ordered(c.notNull()))
        .addColumn('end_time', 'text', (c) => c.notNull())
        .addColumn('latency_ms', double, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('input_tokens', 'integer')
        .addColumn('output_tokens', 'integer')
        .addColumn('input', 'text')
        .addColumn('output', 'text')
        .addColumn('request_id', 'text')
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('spans_identity', ['project_id', 'trace_id', 'span_id'])
        .execute()

      const indexes: [string, string[]][] = [
        ['spans_time', ['project_id', 'start_time', 'id']],
        ['spans_model', ['project_id', 'model', 'start_time', 'id']],
        ['spans_service', ['project_id', 'service_name', 'start_time', 'id']],
        ['spans_span_name', ['project_id', 'span_name', 'start_time', 'id']],
      ]
      for (const [name, columns] of indexes) {
        await db.schema.createIndex(name).on('spans').columns(columns).execute()
      }
    },
  }
}
