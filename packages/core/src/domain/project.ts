import { z } from 'zod'
import { IdSchema, InstantSchema } from './ids.js'

export const PROJECT_NAME_MAX = 100

export const ProjectNameSchema = z
  .string()
  .trim()
  .min(1, 'a project needs a name')
  .max(PROJECT_NAME_MAX, `a project name has at most ${PROJECT_NAME_MAX} characters`)

export const ProjectSchema = z.object({
  id: IdSchema,
  name: ProjectNameSchema,
  createdAt: InstantSchema,
  createdBy: IdSchema.nullable(),
})
export type Project = z.infer<typeof ProjectSchema>

export const PROJECT_ROLES = ['admin', 'editor', 'viewer'] as const
export const ProjectRoleSchema = z.enum(PROJECT_ROLES)
export type ProjectRole = z.infer<typeof ProjectRoleSchema>

export const ProjectMemberSchema = z.object({
  projectId: IdSchema,
  userId: IdSchema,
  role: ProjectRoleSchema,
  addedAt: InstantSchema,
})
export type ProjectMember = z.infer<typeof ProjectMemberSchema>
