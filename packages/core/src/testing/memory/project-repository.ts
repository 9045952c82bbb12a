import {
  type Project,
  type ProjectMember,
  ProjectNameSchema,
  ProjectRoleSchema,
} from '../../domain/project.js'
import { AssayError } from '../../errors.js'
import type { ProjectRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import {
  byName,
  cascadeProject,
  checkNoNul,
  compareText,
  parseInput,
  requireProject,
  requireUser,
} from './checks.js'

const memberKey = (projectId: string, userId: string) => `${projectId}\u0000${userId}`

function parseName(name: string): string {
  const parsed = parseInput(ProjectNameSchema, name, 'project name')
  checkNoNul('a project name', [parsed])
  return parsed
}

/** The in-memory ProjectRepository; names are unique (case-sensitively), as in SQL. */
export function createMemoryProjectRepository(
  state: MemoryState,
  deps: MemoryDeps,
): ProjectRepository {
  function requireNameFree(name: string, exceptId?: string): void {
    for (const project of state.projects.values()) {
      if (project.name === name && project.id !== exceptId) {
        throw new AssayError('conflict', `a project named "${name}" already exists`)
      }
    }
  }

  function require(id: string): Project {
    const project = state.projects.get(id)
    if (!project) throw new AssayError('not_found', `project ${id} does not exist`)
    return project
  }

  return {
    async create(input) {
      const name = parseName(input.name)
      requireUser(state, input.createdBy)
      requireNameFree(name)
      const project: Project = {
        id: deps.ids.next('prj'),
        name,
        createdAt: deps.clock.isoNow(),
        createdBy: input.createdBy,
      }
      state.projects.set(project.id, project)
      return { ...project }
    },

    async get(id) {
      const project = state.projects.get(id)
      return project ? { ...project } : undefined
    },

    async getByName(name) {
      const wanted = name.trim()
      for (const project of state.projects.values()) {
        if (project.name === wanted) return { ...project }
      }
      return undefined
    },

    async list() {
      return [...state.projects.values()].sort(byName).map((p) => ({ ...p }))
    },

    async listForUser(userId) {
      const ids = new Set<string>()
      for (const member of state.members.values()) {
        if (member.userId === userId) ids.add(member.projectId)
      }
      return [...state.projects.values()]
        .filter((p) => ids.has(p.id))
        .sort(byName)
        .map((p) => ({ ...p }))
    },

    async rename(id, name) {
      const parsed = parseName(name)
      const project = require(id)
      requireNameFree(parsed, id)
      const renamed = { ...project, name: parsed }
      state.projects.set(id, renamed)
      return { ...renamed }
    },

    async delete(id) {
      require(id)
      cascadeProject(state, id)
    },

    async setMember(projectId, userId, role) {
      const parsedRole = parseInput(ProjectRoleSchema, role, 'project role')
      requireProject(state, projectId)
      requireUser(state, userId)
      const key = memberKey(projectId, userId)
      const existing = state.members.get(key)
      const member: ProjectMember = existing
        ? { ...existing, role: parsedRole }
        : { projectId, userId, role: parsedRole, addedAt: deps.clock.isoNow() }
      state.members.set(key, member)
      return { ...member }
    },

    async removeMember(projectId, userId) {
      const key = memberKey(projectId, userId)
      if (!state.members.has(key)) {
        throw new AssayError('not_found', `user ${userId} is not a member of project ${projectId}`)
      }
      state.members.delete(key)
    },

    async listMembers(projectId) {
      return [...state.members.values()]
        .filter((m) => m.projectId === projectId)
        .sort((a, b) => compareText(a.addedAt, b.addedAt) || compareText(a.userId, b.userId))
        .map((m) => ({ ...m }))
    },

    async getMember(projectId, userId) {
      const member = state.members.get(memberKey(projectId, userId))
      return member ? { ...member } : undefined
    },
  }
}
