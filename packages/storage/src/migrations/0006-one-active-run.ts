import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../schema.js'

/** The name the run repositories look for in a unique violation (see sql-run-repository.ts). */
export const ONE_ACTIVE_RUN_INDEX = 'runs_one_active'

/**
 * One active (queued, running or stopping) run per evaluation, kept by the database: two runs
 * writing the same cells would race, and a check in the route before the insert is not atomic.
 * Any older duplicates are closed first as failed (resumable), keeping each evaluation's oldest
 * active run. A shipped migration never changes; later changes get new numbered files.
 */
export function oneActiveRunMigration(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`
        update runs
        set status = 'failed',
          segment_started_at = null,
          finished_at = coalesce(heartbeat_at, segment_started_at, created_at),
          stop_reason = 'another run of this evaluation was active'
        where id in (
          select id from (
            select id, row_number() over (
              partition by evaluation_id order by created_at, id
            ) as rank
            from runs
            where status in ('queued', 'running', 'stopping')
          ) ranked
          where rank > 1
        )
      `.execute(db)
      await sql`
        create unique index ${sql.raw(ONE_ACTIVE_RUN_INDEX)} on runs (evaluation_id)
        where status in ('queued', 'running', 'stopping')
      `.execute(db)
    },
  }
}
