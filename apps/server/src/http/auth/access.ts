import { AssayError, type ProjectRole } from '@assay/core'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv, Principal, RouteDeps } from '../context.js'
import { atLeast, effectiveRole, isInstanceAdmin } from './roles.js'

/**
 * Who may call a route, declared on the route itself (and published in the OpenAPI document as
 * `x-assay-access`, which the authorization matrix test reads):
 * - `public`: anyone; `user`: any signed-in account; `instance-admin`: instance administrators;
 * - `{ role, resource }`: at least `role` in the project that owns the resource named by the
 *   path parameter `resource`. Resources without a project (global connections and evaluators)
 *   may be read by any account and changed only by instance administrators.
 */
export type ResourceKind =
  | 'project'
  | 'evaluation'
  | 'column'
  | 'run'
  | 'row'
  | 'connection'
  | 'evaluator'
export type Access =
  | 'public'
  | 'user'
  | 'instance-admin'
  | { role: ProjectRole; resource: ResourceKind }

export const RESOURCE_PARAM: Record<ResourceKind, string> = {
  project: 'projectId',
  evaluation: 'evaluationId',
  column: 'columnId',
  run: 'runId',
  row: 'rowId',
  connection: 'connectionId',
  evaluator: 'evaluatorId',
}

/** The project owning a resource: a project id, null for a global one, undefined when absent. */
async function projectOf(
  deps: RouteDeps,
  kind: ResourceKind,
  id: string,
): Promise<string | null | undefined> {
  const { repos } = deps.services
  switch (kind) {
    case 'project':
      return (await repos.projects.get(id))?.id
    case 'evaluation':
      return (await repos.evaluations.get(id))?.projectId
    case 'column': {
      const column = await repos.columns.get(id)
      return column && (await repos.evaluations.get(column.evaluationId))?.projectId
    }
    case 'run': {
      const run = await repos.runs.get(id)
      return run && (await repos.evaluations.get(run.evaluationId))?.projectId
    }
    case 'row': {
      const row = await repos.rows.get(id)
      return row && (await repos.evaluations.get(row.evaluationId))?.projectId
    }
    case 'connection': {
      const connection = await repos.connections.get(id)
      return connection === undefined ? undefined : connection.projectId
    }
    case 'evaluator': {
      const evaluator = await repos.evaluators.get(id)
      return evaluator === undefined ? undefined : evaluator.projectId
    }
  }
}

function signedIn(c: Context<AppEnv>): Principal {
  const problem = c.get('authProblem')
  if (problem) throw problem
  const principal = c.get('principal')
  if (!principal) throw new AssayError('unauthorized', 'sign in first')
  return principal
}

export function requireAccess(deps: RouteDeps, access: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (access === 'public') return next()
    const principal = signedIn(c)
    if (access === 'user') return next()
    if (access === 'instance-admin') {
      if (!isInstanceAdmin(principal)) {
        throw new AssayError('forbidden', 'only an instance administrator may do this')
      }
      return next()
    }
    const id = c.req.param(RESOURCE_PARAM[access.resource])
    const projectId = id === undefined ? undefined : await projectOf(deps, access.resource, id)
    if (projectId === undefined) {
      throw new AssayError('not_found', `${access.resource} ${id ?? ''} does not exist`)
    }
    if (projectId === null) {
      // A global resource: readable by every account, changed by instance administrators.
      if (access.role !== 'viewer' && !isInstanceAdmin(principal)) {
        throw new AssayError(
          'forbidden',
          `only an instance administrator may change a global ${access.resource}`,
        )
      }
      return next()
    }
    const member = await deps.services.repos.projects.getMember(projectId, principal.user.id)
    const role = effectiveRole(principal, projectId, member?.role)
    // Someone with no access at all learns nothing, not even that the resource exists.
    if (role === null) throw new AssayError('not_found', `${access.resource} ${id} does not exist`)
    if (!atLeast(role, access.role)) {
      throw new AssayError(
        'forbidden',
        `this needs the ${access.role} role in the project; you are ${role}`,
      )
    }
    c.set('projectId', projectId)
    c.set('role', role)
    return next()
  }
}

/** The signed-in caller, for handlers behind requireAccess. */
export function principalOf(c: Context<AppEnv>): Principal {
  return signedIn(c)
}
