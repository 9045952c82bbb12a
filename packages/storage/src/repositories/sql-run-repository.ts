import {
  AssayError,
  InstantSchema,
  type Run,
  type RunRepository,
  RunSchema,
  RunStatusSchema,
} from '@assay/core'
import type { Selectable } from 'kysely'
import { isUniqueViolation, translateWrite } from '../db-errors.js'
import { ONE_ACTIVE_RUN_INDEX } from '../migrations/0006-one-active-run.js'
import type { RunsTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { parseInput } from './sql-checks.js'

function toRun(record: Selectable<RunsTable>): Run {
  return {
    id: record.id,
    evaluationId: record.evaluation_id,
    status: record.status as Run['status'],
    scope: JSON.parse(record.scope) as Run['scope'],
    startedBy: record.started_by,
    createdAt: record.created_at,
    segmentStartedAt: record.segment_started_at,
    elapsedMs: Number(record.elapsed_ms),
    segments: Number(record.segments),
    finishedAt: record.finished_at,
    tokensIn: Number(record.tokens_in),
    tokensOut: Number(record.tokens_out),
    cost: record.cost === null ? null : Number(record.cost),
    budget: record.budget === null ? null : (JSON.parse(record.budget) as Run['budget']),
    stopReason: record.stop_reason,
  }
}

/** What `update` writes: everything but the identity and the totals CellResultRepository keeps. */
function mutableFields(run: Run) {
  return {
    status: run.status,
    scope: JSON.stringify(run.scope),
    started_by: run.startedBy,
    segment_started_at: run.segmentStartedAt,
    elapsed_ms: run.elapsedMs,
    segments: run.segments,
    finished_at: run.finishedAt,
    budget: run.budget === null ? null : JSON.stringify(run.budget),
    stop_reason: run.stopReason,
  }
}

/**
 * True when a write broke "one active run per evaluation" (the partial unique index of migration
 * 0006): PostgreSQL names the index, SQLite the indexed column.
 */
function isSecondActiveRun(error: unknown): boolean {
  if (!isUniqueViolation(error)) return false
  const { constraint, message } = error as { constraint?: unknown; message?: unknown }
  return (
    constraint === ONE_ACTIVE_RUN_INDEX ||
    (typeof message === 'string' &&
      (message.includes(ONE_ACTIVE_RUN_INDEX) || message.includes('runs.evaluation_id')))
  )
}

/** The error of a second active run: the same the route guard gives (`invalid_state`, 409). */
function secondActiveRun(evaluationId: string, cause: unknown): AssayError {
  return new AssayError(
    'invalid_state',
    `another run of evaluation ${evaluationId} is still queued, running or stopping; stop it or wait for it`,
    { cause },
  )
}

/** Runs a write, turning a second active run of an evaluation into `secondActiveRun`. */
async function oneActiveRun<T>(evaluationId: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isSecondActiveRun(error)) throw secondActiveRun(evaluationId, error)
    throw error
  }
}

/**
 * Runs. An evaluation has at most one active (queued, running or stopping) run: a create or an
 * update that would make a second one fails with `invalid_state`, atomically. `update` is a compare-and-set on the status and never writes tokens or cost: those are
 * added by CellResultRepository.put while the run goes on, and a stale copy must not undo them.
 * Nor does it write `heartbeat_at`, which only `heartbeat` sets.
 */
export function createSqlRunRepository(deps: SqlDeps): RunRepository {
  const { db } = deps

  return {
    async create(draft) {
      const input = parseInput(RunSchema.omit({ id: true }), draft, 'run')
      const id = deps.ids.next('run')
      const record = await translateWrite(
        () =>
          oneActiveRun(input.evaluationId, () =>
            db
              .insertInto('runs')
              .values({
                id,
                evaluation_id: input.evaluationId,
                created_at: input.createdAt,
                tokens_in: input.tokensIn,
                tokens_out: input.tokensOut,
                cost: input.cost,
                ...mutableFields({ ...input, id }),
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          ),
        {
          conflict: `run ${id} already exists`,
          notFound: `the evaluation or user of this run does not exist`,
        },
      )
      return toRun(record)
    },

    async get(id) {
      const record = await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst()
      return record ? toRun(record) : undefined
    },

    /** Newest first. */
    async list(evaluationId) {
      const records = await db
        .selectFrom('runs')
        .selectAll()
        .where('evaluation_id', '=', evaluationId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute()
      return records.map(toRun)
    },

    /** Oldest first, so recovery picks runs up in the order they were made. */
    async listByStatus(statuses) {
      if (statuses.length === 0) return []
      const records = await db
        .selectFrom('runs')
        .selectAll()
        .where('status', 'in', [...statuses])
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return records.map(toRun)
    },

    async heartbeat(id, atIso) {
      const at = parseInput(InstantSchema, atIso, 'heartbeat time')
      const updated = await db
        .updateTable('runs')
        .set({ heartbeat_at: at })
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) {
        throw new AssayError('not_found', `run ${id} does not exist`)
      }
    },

    async lastHeartbeat(id) {
      const record = await db
        .selectFrom('runs')
        .select('heartbeat_at')
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? record.heartbeat_at : undefined
    },

    async update(run, status) {
      const next = parseInput(RunSchema, run, 'run')
      const expected = parseInput(RunStatusSchema, status, 'expected run status')
      const record = await translateWrite(
        () =>
          oneActiveRun(next.evaluationId, () =>
            db
              .updateTable('runs')
              .set(mutableFields(next))
              .where('id', '=', next.id)
              .where('status', '=', expected)
              .returningAll()
              .executeTakeFirst(),
          ),
        {
          conflict: `run ${next.id} clashes`,
          notFound: `the user of run ${next.id} does not exist`,
        },
      )
      if (record) return toRun(record)
      const exists = await db
        .selectFrom('runs')
        .select('id')
        .where('id', '=', next.id)
        .executeTakeFirst()
      if (!exists) throw new AssayError('not_found', `run ${next.id} does not exist`)
      return undefined
    },
  }
}
