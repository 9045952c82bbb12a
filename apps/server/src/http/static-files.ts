import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { MiddlewareHandler } from 'hono'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Assay</title>
<body style="font-family:system-ui;margin:3rem;max-width:40rem">
<h1>Assay is running</h1><p>The web app has not been built yet. Run <code>npm run build:web</code>
(or <code>npm start</code>, which builds it) and reload. The API is at
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></body>`

/**
 * Serves the built single-page app: files under `dir`, long-cached when their names carry a hash
 * (`/assets/…`), and `index.html` for every other GET outside /api, so client routes reload.
 */
export function serveWebApp(dir: string | undefined): MiddlewareHandler {
  const root = dir ? normalize(dir) : undefined
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next()
    const path = decodeURIComponent(c.req.path)
    if (path.startsWith('/api/') || path.startsWith('/v1/')) return next()
    if (!root) return c.html(NOT_BUILT)
    const file = normalize(join(root, path))
    if (file !== root && !file.startsWith(root + sep)) return next()
    const found = await stat(file).catch(() => undefined)
    if (found?.isFile()) {
      const body = await readFile(file)
      c.header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      c.header(
        'cache-control',
        path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
      return c.body(body)
    }
    if (extname(path) !== '') return next()
    const index = await readFile(join(root, 'index.html')).catch(() => undefined)
    if (!index) return c.html(NOT_BUILT)
    c.header('cache-control', 'no-cache')
    return c.html(index.toString('utf8'))
  }
}
