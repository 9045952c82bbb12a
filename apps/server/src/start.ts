import type { AddressInfo } from 'node:net'
import type { EngineOptions } from '@assay/engine'
import { serve } from '@hono/node-server'
import { ensureAdmin, ensureEnvConnections, ensureSampleProject } from './bootstrap.js'
import type { AssayConfig } from './env.js'
import { createApp } from './http/app.js'
import { createThrottle } from './http/auth/throttle.js'
import { type App, DEFAULT_HTTP_OPTIONS, type RouteDeps } from './http/context.js'
import { createRunEventHub } from './http/run-event-hub.js'
import { serveWebApp } from './http/static-files.js'
import { createRunWorker, type RunWorker } from './run-worker.js'
import { createServices, type Services } from './services.js'

export type StartOptions = {
  /** The built web app (apps/web/dist); without it `/` explains how to build it. */
  webDir?: string
  /** The sample project's evaluation file (data/truthfulqa/sample.assay.yaml). */
  sampleFile?: string
  log?: (line: string) => void
  engineOptions?: Partial<EngineOptions>
}

export type RunningServer = {
  url: string
  app: App
  services: Services
  worker: RunWorker
  signInLink: string | null
  /** Stops accepting requests, stops active runs (they resume on the next start), closes storage. */
  close(): Promise<void>
}

/** Why a run was stopped by a shutdown; such runs resume by themselves on the next start. */
export const SHUTDOWN_REASON = 'server shutdown'

/** `assay start`: the API, the web app and the embedded worker in one process. */
export async function startServer(
  config: AssayConfig,
  options: StartOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(line))
  const services = await createServices(config, options.engineOptions)
  const s = config.server
  try {
    const worker = createRunWorker(services.engine, { log })
    const hub = createRunEventHub(services.engine)
    const deps: RouteDeps = {
      services,
      throttle: createThrottle({ trustedProxies: s.trustProxy }),
      hub,
      worker,
      options: {
        ...DEFAULT_HTTP_OPTIONS,
        secureCookies: s.secureCookies,
        maxTraceBytes: s.maxTraceBytes,
      },
    }
    const app = createApp(deps, { after: (a) => a.use('*', serveWebApp(options.webDir)) })

    const server = serve({ fetch: app.fetch, hostname: s.host, port: s.port })
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve)
      server.once('error', reject)
    })
    const port = (server.address() as AddressInfo).port
    const url =
      s.publicUrl?.replace(/\/$/, '') ??
      `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${port}`

    const admin = await ensureAdmin(services, s, url)
    if (admin.created) log(`Created the first admin account.`)
    if (admin.signInLink) log(`Sign in (one-time link, valid 24 h): ${admin.signInLink}`)
    if (s.sampleProject) {
      const sample = await ensureSampleProject(services, admin.adminId, options.sampleFile).catch(
        (error) => {
          log(
            `The sample project could not be created: ${error instanceof Error ? error.message : String(error)}`,
          )
          return null
        },
      )
      if (sample) log('Created the sample project (TruthfulQA subset, deterministic evaluators).')
    }
    const connections = await ensureEnvConnections(services, s)
    if (connections.length > 0)
      log(`Model connections from the environment: ${connections.join(', ')}`)

    // Runs a crash left running, and runs a shutdown stopped, continue by themselves.
    const recovered = await services.engine.recover({ staleAfterMs: 3 * config.engine.heartbeatMs })
    for (const run of recovered) if (run.status === 'queued') worker.enqueue(run.id)
    for (const run of await services.repos.runs.listByStatus(['queued', 'stopped'])) {
      if (run.status === 'queued') worker.enqueue(run.id)
      else if (run.stopReason === SHUTDOWN_REASON) {
        // Another run of the evaluation may have started since (from the CLI, say): that one
        // goes on, this one stays stopped for a person to resume. Startup must not fail on it.
        try {
          worker.enqueue((await services.engine.resume(run.id)).id)
        } catch (error) {
          log(
            `Run ${run.id} stopped by the last shutdown was not resumed: ${error instanceof Error ? error.message : String(error)}`,
          )
        }
      }
    }
    if (worker.size() > 0) log(`Resuming ${worker.size()} interrupted run(s).`)
    log(`Assay is listening on ${url}`)

    let closing: Promise<void> | undefined
    return {
      url,
      app,
      services,
      worker,
      signInLink: admin.signInLink,
      close() {
        closing ??= (async () => {
          await new Promise<void>((resolve) => {
            server.close(() => resolve())
            // SSE streams keep connections open; end them so close() does not wait forever.
            ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
          })
          for (const run of await services.repos.runs.listByStatus(['running', 'queued'])) {
            if (services.engine.isActive(run.id))
              await services.engine.stop(run.id, SHUTDOWN_REASON)
          }
          await worker.idle()
          hub.close()
          await services.close()
        })()
        return closing
      },
    }
  } catch (error) {
    await services.close()
    throw error
  }
}
