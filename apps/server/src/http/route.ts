import { createRoute, z } from '@hono/zod-openapi'
import { type Access, requireAccess } from './auth/access.js'
import type { RouteDeps } from './context.js'

type RouteConfig = Parameters<typeof createRoute>[0]
const AUTHENTICATED: Record<string, string[]>[] = [{ session: [] }, { bearer: [] }]

/**
 * A route with its access rule: checked by middleware that runs before body validation (so a
 * caller without the role learns nothing about the body's shape) and published in the OpenAPI
 * document as `x-assay-access`.
 */
export function defineRoute<const R extends Omit<RouteConfig, 'middleware'>>(
  deps: RouteDeps,
  access: Access,
  config: R,
) {
  return createRoute({
    ...config,
    middleware: [requireAccess(deps, access)] as const,
    security: access === 'public' ? [] : AUTHENTICATED,
    'x-assay-access': access,
  })
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      position: z
        .object({
          line: z.number().optional(),
          column: z.number().optional(),
          field: z.string().optional(),
        })
        .optional(),
    }),
  })
  .openapi('Error')

/** The JSON response block of an OpenAPI route, with the error answers every route can give. */
export function json<S extends z.ZodType>(schema: S, description: string, status: 200 | 201 = 200) {
  return {
    [status]: { content: { 'application/json': { schema } }, description },
    400: errorResponse('the request is malformed'),
    401: errorResponse('not signed in'),
    403: errorResponse('signed in without the needed role'),
    404: errorResponse('not found, or not visible to the caller'),
    409: errorResponse('conflicts with the current state'),
  } as const
}

export function errorResponse(description: string) {
  return { content: { 'application/json': { schema: ErrorSchema } }, description }
}

export function jsonBody<S extends z.ZodType>(schema: S) {
  return { body: { content: { 'application/json': { schema } }, required: true } } as const
}

export const NoContent = { 204: { description: 'done' } } as const
