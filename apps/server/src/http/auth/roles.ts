import type { ProjectRole } from '@assay/core'
import type { Principal } from '../context.js'

const RANK: Record<ProjectRole, number> = { viewer: 1, editor: 2, admin: 3 }

export function atLeast(role: ProjectRole | null, needed: ProjectRole): boolean {
  return role !== null && RANK[role] >= RANK[needed]
}

function lower(a: ProjectRole, b: ProjectRole): ProjectRole {
  return RANK[a] <= RANK[b] ? a : b
}

/**
 * What the caller may do in a project: an instance administrator is admin everywhere, anyone
 * else has their membership role; an API token caps that role and may be limited to some
 * projects. `null`: no access at all.
 */
export function effectiveRole(
  principal: Principal,
  projectId: string,
  memberRole: ProjectRole | undefined,
): ProjectRole | null {
  const base: ProjectRole | undefined = principal.user.isAdmin ? 'admin' : memberRole
  if (!base) return null
  if (principal.via === 'session') return base
  const { token } = principal
  if (token.projectIds.length > 0 && !token.projectIds.includes(projectId)) return null
  return lower(base, token.role)
}

/** Instance administration (users, global connections): an admin, not through a limited token. */
export function isInstanceAdmin(principal: Principal): boolean {
  if (!principal.user.isAdmin) return false
  return (
    principal.via === 'session' ||
    (principal.token.role === 'admin' && principal.token.projectIds.length === 0)
  )
}
