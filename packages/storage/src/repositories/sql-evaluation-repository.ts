import {
  AssayError,
  type Evaluation,
  EvaluationNameSchema,
  type EvaluationRepository,
  EvaluationSchema,
} from '@assay/core'
import type { Selectable } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { EvaluationsTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import {
  checkNoNul,
  flag,
  parseInput,
  parseStored,
  requireProject,
  requireUser,
} from './sql-checks.js'

function toEvaluation(record: Selectable<EvaluationsTable>): Evaluation {
  return parseStored(
    EvaluationSchema,
    {
      id: record.id,
      projectId: record.project_id,
      name: record.name,
      createdAt: record.created_at,
      createdBy: record.created_by,
      cacheEnabled: flag(record.cache_enabled),
      rowCount: Number(record.row_count),
    },
    `evaluation ${record.id}`,
  )
}

function parseName(name: string): string {
  const parsed = parseInput(EvaluationNameSchema, name, 'evaluation name')
  checkNoNul('an evaluation name', [parsed])
  return parsed
}

const nameTaken = (name: string) => `an evaluation named "${name}" already exists in this project`

/**
 * Evaluations. Deleting one relies on the schema's cascades: its columns, rows, cell values,
 * runs and cell results go with it, in the one DELETE statement.
 */
export function createSqlEvaluationRepository(deps: SqlDeps): EvaluationRepository {
  const { db } = deps

  return {
    async create(input) {
      const name = parseName(input.name)
      return db.transaction().execute(async (trx) => {
        await requireProject(trx, input.projectId)
        if (input.createdBy !== null) await requireUser(trx, input.createdBy)
        const record = await translateWrite(
          () =>
            trx
              .insertInto('evaluations')
              .values({
                id: deps.ids.next('evl'),
                project_id: input.projectId,
                name,
                created_at: deps.clock.isoNow(),
                created_by: input.createdBy,
                cache_enabled: 1,
                row_count: 0,
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          { conflict: nameTaken(name), notFound: `project ${input.projectId} does not exist` },
        )
        return toEvaluation(record)
      })
    },

    async get(id) {
      const record = await db
        .selectFrom('evaluations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? toEvaluation(record) : undefined
    },

    async getByName(projectId, name) {
      const record = await db
        .selectFrom('evaluations')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('name', '=', name.trim())
        .executeTakeFirst()
      return record ? toEvaluation(record) : undefined
    },

    async list(projectId) {
      const records = await db
        .selectFrom('evaluations')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('name')
        .orderBy('id')
        .execute()
      return records.map(toEvaluation)
    },

    async rename(id, name) {
      const parsed = parseName(name)
      const record = await translateWrite(
        () =>
          db
            .updateTable('evaluations')
            .set({ name: parsed })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirst(),
        { conflict: nameTaken(parsed) },
      )
      if (!record) throw new AssayError('not_found', `evaluation ${id} does not exist`)
      return toEvaluation(record)
    },

    async setCacheEnabled(id, enabled) {
      const record = await db
        .updateTable('evaluations')
        .set({ cache_enabled: enabled === true ? 1 : 0 })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (!record) throw new AssayError('not_found', `evaluation ${id} does not exist`)
      return toEvaluation(record)
    },

    async delete(id) {
      const result = await db.deleteFrom('evaluations').where('id', '=', id).executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) {
        throw new AssayError('not_found', `evaluation ${id} does not exist`)
      }
    },
  }
}
