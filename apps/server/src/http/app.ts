import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import { authenticate } from './auth/authenticate.js'
import type { App, AppEnv, RouteDeps } from './context.js'
import { toHttpError } from './errors.js'
import { defineRoute, json } from './route.js'
import { registerAuthRoutes } from './routes/auth.js'
import { registerCatalogueRoutes } from './routes/catalogue.js'
import { registerCellRoutes } from './routes/cells.js'
import { registerColumnRoutes } from './routes/columns.js'
import { registerEvaluationRoutes } from './routes/evaluations.js'
import { registerExportRoutes } from './routes/export.js'
import { registerImportRoutes } from './routes/imports.js'
import { registerProductionDataRoutes } from './routes/production-data.js'
import { registerProjectRoutes } from './routes/projects.js'
import { registerResultRoutes } from './routes/results.js'
import { registerRunRoutes } from './routes/runs.js'
import { registerTokenRoutes } from './routes/tokens.js'
import { registerUserRoutes } from './routes/users.js'

export const API_VERSION = '0.1.0'

/** Paths whose bodies are files, limited by their own settings instead of the JSON limit. */
const LARGE_BODY =
  /^\/api\/v1\/evaluations\/[^/]+\/imports(\/preview)?$|^\/v1\/traces$|^\/api\/v1\/projects\/[^/]+\/otlp\/v1\/traces$/

/** JSON bodies nested deeper than this are refused before parsing (recursion would overflow). */
export const MAX_JSON_DEPTH = 64
const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i

/** Whether `text` nests arrays and objects deeper than `max`; strings are skipped, not parsed. */
export function jsonNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (inString) {
      if (ch === 0x5c)
        i++ // backslash: skip the escaped character
      else if (ch === 0x22) inString = false
    } else if (ch === 0x22) inString = true
    else if (ch === 0x5b || ch === 0x7b) {
      depth++
      if (depth > max) return true
    } else if (ch === 0x5d || ch === 0x7d) depth--
  }
  return false
}

const badRequest = (c: Context, message: string) =>
  c.json({ error: { code: 'invalid_input', message } }, 400)

const MALFORMED_URL =
  'the URL is malformed: a % must start an escape of two hex digits that decodes as UTF-8'

/** Whether a path's %-escapes decode (a lone `%` or invalid UTF-8 makes decodeURIComponent throw). */
function decodablePath(url: string): boolean {
  try {
    decodeURIComponent(new URL(url).pathname)
    return true
  } catch {
    return false
  }
}

function validationError(
  issues: readonly { path: PropertyKey[]; message: string }[],
  where: string,
) {
  const issue = issues[0]
  const field = issue?.path.map(String).join('.') ?? ''
  return {
    error: {
      code: 'invalid_input',
      message: `invalid ${where}${field ? ` at ${field}` : ''}: ${issue?.message ?? 'invalid value'}`,
      ...(field ? { position: { field } } : {}),
    },
  }
}

/**
 * The HTTP app: every route under /api/v1 with its access rule, the OpenAPI document, errors as
 * `{"error":{"code","message"}}`. Built from services so tests call it in process.
 */
export function createApp(deps: RouteDeps, extra: { after?: (app: App) => void } = {}): App {
  const app: App = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(
          validationError(result.error.issues, result.target === 'json' ? 'body' : result.target),
          400,
        )
      }
    },
  })

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status
      const code =
        status === 413 ? 'limit_exceeded' : status === 401 ? 'unauthorized' : 'invalid_input'
      const message =
        status === 400 && /JSON/i.test(error.message) ? 'the body is not valid JSON' : error.message
      return c.json({ error: { code, message: message || 'bad request' } }, status)
    }
    // decodeURIComponent of a malformed path, wherever it happens (static files, a route).
    if (error instanceof URIError) return badRequest(c, MALFORMED_URL)
    const { status, body } = toHttpError(error)
    if (status >= 500) console.error('assay: request failed:', c.req.method, c.req.path, error)
    return c.json(body, status)
  })
  app.notFound((c) =>
    c.json(
      { error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } },
      404,
    ),
  )

  app.use(
    '*',
    secureHeaders({
      crossOriginResourcePolicy: 'same-origin',
      // Defence in depth behind React's escaping: no inline or foreign script can run.
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    }),
  )
  // Before anything decodes the path: `/%` and friends are the client's mistake, not a 500.
  app.use('*', async (c, next) => {
    if (!decodablePath(c.req.url)) return badRequest(c, MALFORMED_URL)
    await next()
  })
  app.use('/api/*', authenticate(deps))
  app.use('/v1/*', authenticate(deps))
  const jsonLimit = bodyLimit({
    maxSize: deps.options.maxJsonBytes,
    onError: (c: Context) =>
      c.json(
        {
          error: {
            code: 'limit_exceeded',
            message: `the body is larger than ${deps.options.maxJsonBytes} bytes`,
          },
        },
        413,
      ),
  })
  app.use('/api/*', (c, next) => (LARGE_BODY.test(c.req.path) ? next() : jsonLimit(c, next)))
  // A JSON body nested deeper than any route needs is refused before it is parsed, validated
  // or stored (each of which recurses, and overflows the stack on a deep enough body). The
  // body is read once here; the validator's c.req.json() parses the cached text.
  app.use('/api/*', async (c, next) => {
    if (LARGE_BODY.test(c.req.path) || !JSON_TYPE.test(c.req.header('content-type') ?? ''))
      return next()
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || !c.req.raw.body) return next()
    if (jsonNestedDeeperThan(await c.req.text(), MAX_JSON_DEPTH)) {
      return badRequest(c, `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`)
    }
    return next()
  })

  app.openapi(
    defineRoute(deps, 'public', {
      method: 'get',
      path: '/api/v1/health',
      tags: ['meta'],
      summary: 'Liveness: answers without signing in',
      responses: json(z.object({ status: z.literal('ok'), version: z.string() }), 'alive'),
    }),
    (c) => c.json({ status: 'ok' as const, version: API_VERSION }, 200),
  )

  registerAuthRoutes(app, deps)
  registerUserRoutes(app, deps)
  registerTokenRoutes(app, deps)
  registerProjectRoutes(app, deps)
  registerEvaluationRoutes(app, deps)
  registerImportRoutes(app, deps)
  registerColumnRoutes(app, deps)
  registerCellRoutes(app, deps)
  registerCatalogueRoutes(app, deps)
  registerRunRoutes(app, deps)
  registerProductionDataRoutes(app, deps)
  registerExportRoutes(app, deps)
  registerResultRoutes(app, deps)

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'assay_session',
    description: 'Session cookie from /api/v1/auth/login; writes also need the X-CSRF-Token header',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token from /api/v1/tokens',
  })
  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Assay API',
      version: API_VERSION,
      description:
        'Every route declares who may call it in `x-assay-access`: public, user (signed in), instance-admin, or a project role (viewer < editor < admin) on the resource named by the path.',
    },
  })
  extra.after?.(app)
  return app
}
