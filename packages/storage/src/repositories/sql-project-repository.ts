import {
  AssayError,
  type Project,
  type ProjectMember,
  ProjectMemberSchema,
  ProjectNameSchema,
  type ProjectRepository,
  ProjectRoleSchema,
  ProjectSchema,
} from '@assay/core'
import type { Selectable } from 'kysely'
import { translateWrite } from '../db-errors.js'
import type { ProjectMembersTable, ProjectsTable } from '../schema.js'
import type { SqlDeps } from '../sql-deps.js'
import { checkNoNul, parseInput, parseStored, requireProject, requireUser } from './sql-checks.js'

function toProject(record: Selectable<ProjectsTable>): Project {
  return parseStored(
    ProjectSchema,
    {
      id: record.id,
      name: record.name,
      createdAt: record.created_at,
      createdBy: record.created_by,
    },
    `project ${record.id}`,
  )
}

function toMember(record: Selectable<ProjectMembersTable>): ProjectMember {
  return parseStored(
    ProjectMemberSchema,
    {
      projectId: record.project_id,
      userId: record.user_id,
      role: record.role,
      addedAt: record.added_at,
    },
    `membership of user ${record.user_id} in project ${record.project_id}`,
  )
}

function parseName(name: string): string {
  const parsed = parseInput(ProjectNameSchema, name, 'project name')
  checkNoNul('a project name', [parsed])
  return parsed
}

const nameTaken = (name: string) => `a project named "${name}" already exists`

/**
 * Projects and their members. Deleting a project relies on the schema's cascades: members,
 * evaluations (with everything in them), project connections and custom evaluators go with it.
 */
export function createSqlProjectRepository(deps: SqlDeps): ProjectRepository {
  const { db } = deps

  return {
    async create(input) {
      const name = parseName(input.name)
      return db.transaction().execute(async (trx) => {
        if (input.createdBy !== null) await requireUser(trx, input.createdBy)
        const record = await translateWrite(
          () =>
            trx
              .insertInto('projects')
              .values({
                id: deps.ids.next('prj'),
                name,
                created_at: deps.clock.isoNow(),
                created_by: input.createdBy,
              })
              .returningAll()
              .executeTakeFirstOrThrow(),
          { conflict: nameTaken(name), notFound: `user ${input.createdBy} does not exist` },
        )
        return toProject(record)
      })
    },

    async get(id) {
      const record = await db
        .selectFrom('projects')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
      return record ? toProject(record) : undefined
    },

    async getByName(name) {
      const record = await db
        .selectFrom('projects')
        .selectAll()
        .where('name', '=', name.trim())
        .executeTakeFirst()
      return record ? toProject(record) : undefined
    },

    async list() {
      const records = await db
        .selectFrom('projects')
        .selectAll()
        .orderBy('name')
        .orderBy('id')
        .execute()
      return records.map(toProject)
    },

    async listForUser(userId) {
      const records = await db
        .selectFrom('projects')
        .innerJoin('project_members', 'project_members.project_id', 'projects.id')
        .selectAll('projects')
        .where('project_members.user_id', '=', userId)
        .orderBy('projects.name')
        .orderBy('projects.id')
        .execute()
      return records.map(toProject)
    },

    async rename(id, name) {
      const parsed = parseName(name)
      const record = await translateWrite(
        () =>
          db
            .updateTable('projects')
            .set({ name: parsed })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirst(),
        { conflict: nameTaken(parsed) },
      )
      if (!record) throw new AssayError('not_found', `project ${id} does not exist`)
      return toProject(record)
    },

    async delete(id) {
      const result = await db.deleteFrom('projects').where('id', '=', id).executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) {
        throw new AssayError('not_found', `project ${id} does not exist`)
      }
    },

    async setMember(projectId, userId, role) {
      const parsedRole = parseInput(ProjectRoleSchema, role, 'project role')
      return db.transaction().execute(async (trx) => {
        await requireProject(trx, projectId)
        await requireUser(trx, userId)
        const record = await translateWrite(
          () =>
            trx
              .insertInto('project_members')
              .values({
                project_id: projectId,
                user_id: userId,
                role: parsedRole,
                added_at: deps.clock.isoNow(),
              })
              // A member keeps the time they were first added; only the role changes.
              .onConflict((oc) =>
                oc.columns(['project_id', 'user_id']).doUpdateSet({ role: parsedRole }),
              )
              .returningAll()
              .executeTakeFirstOrThrow(),
          {
            conflict: `user ${userId} is already a member of project ${projectId}`,
            notFound: `project ${projectId} or user ${userId} does not exist`,
          },
        )
        return toMember(record)
      })
    },

    async removeMember(projectId, userId) {
      const result = await db
        .deleteFrom('project_members')
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) {
        throw new AssayError('not_found', `user ${userId} is not a member of project ${projectId}`)
      }
    },

    async listMembers(projectId) {
      const records = await db
        .selectFrom('project_members')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('added_at')
        .orderBy('user_id')
        .execute()
      return records.map(toMember)
    },

    async getMember(projectId, userId) {
      const record = await db
        .selectFrom('project_members')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('user_id', '=', userId)
        .executeTakeFirst()
      return record ? toMember(record) : undefined
    },
  }
}
