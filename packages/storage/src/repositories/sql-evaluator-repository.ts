import {
  AssayError,
  type CustomEvaluatorRepository,
  checkStoredEvaluatorScope,
  type Evaluator,
  EvaluatorSchema,
} from '@assay/core'
import type { Selectable } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { CustomEvaluatorsTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul, parseInput, parseJson, parseStored, requireProject } from './sql-checks.js'

const EvaluatorInputSchema = EvaluatorSchema.omit({ id: true, createdAt: true })
type EvaluatorInput = Omit<Evaluator, 'id' | 'createdAt'>

function toEvaluator(record: Selectable<CustomEvaluatorsTable>): Evaluator {
  const what = `custom evaluator ${record.id}`
  return parseStored(
    EvaluatorSchema,
    {
      id: record.id,
      kind: record.kind,
      category: record.category,
      scope: record.scope,
      projectId: record.project_id,
      name: record.name,
      description: record.description,
      prompt: record.prompt,
      variables: parseJson(record.variables, `variables of ${what}`),
      scale: parseJson(record.scale, `scale of ${what}`),
      polarity: record.polarity,
      createdAt: record.created_at,
    },
    what,
  )
}

/**
 * Validates a custom evaluator: the schema, no NUL, and the scope rule the storage relies on:
 * a `custom` evaluator belongs to a project, a `global` one to none (it outlives the project it
 * was copied from), and `system` evaluators are built in, never stored.
 */
function parseEvaluator(input: EvaluatorInput): EvaluatorInput {
  const parsed = parseInput(EvaluatorInputSchema, input, 'evaluator')
  checkNoNul('an evaluator', [parsed.name, parsed.description, parsed.prompt, ...parsed.variables])
  checkStoredEvaluatorScope(parsed)
  return parsed
}

function storedFields(evaluator: EvaluatorInput) {
  return {
    project_id: evaluator.projectId,
    scope: evaluator.scope,
    kind: evaluator.kind,
    category: evaluator.category,
    name: evaluator.name,
    description: evaluator.description,
    prompt: evaluator.prompt,
    variables: JSON.stringify(evaluator.variables),
    scale: JSON.stringify(evaluator.scale),
    polarity: evaluator.polarity,
  }
}

/**
 * Custom evaluators: a project's own (`custom`, deleted with the project) and `global` ones
 * shared by every project. System evaluators are built in and never stored here.
 */
export function createSqlEvaluatorRepository(deps: SqlDeps): CustomEvaluatorRepository {
  const { db } = deps

  return {
    async create(input) {
      const evaluator = parseEvaluator(input)
      return db.transaction().execute(async (trx) => {
        if (evaluator.projectId !== null) await requireProject(trx, evaluator.projectId)
        const record = await translateWrite(
          () =>
            trx
              .insertInto('custom_evaluators')
              .values({
                id: deps.ids.next('evr'),
                ...storedFields(evaluator),
                created_at: deps.clock.isoNow(),
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          {
            conflict: `a custom evaluator named "${evaluator.name}" already exists`,
            notFound: `project ${evaluator.projectId} does not exist`,
          },
        )
        return toEvaluator(record)
      })
    },

    async get(id) {
      const record = await db
        .selectFrom('custom_evaluators')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? toEvaluator(record) : undefined
    },

    async list(projectId) {
      const records = await db
        .selectFrom('custom_evaluators')
        .selectAll()
        .where((eb) =>
          projectId === null
            ? eb('scope', '=', 'global')
            : eb.or([eb('scope', '=', 'global'), eb('project_id', '=', projectId)]),
        )
        .orderBy('name')
        .orderBy('id')
        .execute()
      return records.map(toEvaluator)
    },

    async update(id, patch) {
      const defined = Object.fromEntries(
        Object.entries(patch).filter(([field, value]) => field !== 'scope' && value !== undefined),
      )
      return db.transaction().execute(async (trx) => {
        const record = await trx
          .selectFrom('custom_evaluators')
          .selectAll()
          .where('id', '=', id)
          .$if(deps.dialect === 'postgres', (qb) => qb.forUpdate())
          .executeTakeFirst()
        if (!record) throw new AssayError('not_found', `custom evaluator ${id} does not exist`)
        const { id: _id, createdAt: _createdAt, ...current } = toEvaluator(record)
        const evaluator = parseEvaluator({ ...current, ...defined, scope: current.scope })
        if (evaluator.projectId !== null && evaluator.projectId !== current.projectId) {
          await requireProject(trx, evaluator.projectId)
        }
        const updated = await translateWrite(
          () =>
            trx
              .updateTable('custom_evaluators')
              .set(storedFields(evaluator))
              .where('id', '=', id)
              .returningAll()
              .executeTakeFirstOrThrow(),
          {
            conflict: `a custom evaluator named "${evaluator.name}" already exists`,
            notFound: `project ${evaluator.projectId} does not exist`,
          },
        )
        return toEvaluator(updated)
      })
    },

    async delete(id) {
      const result = await db
        .deleteFrom('custom_evaluators')
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) {
        throw new AssayError('not_found', `custom evaluator ${id} does not exist`)
      }
    },
  }
}
