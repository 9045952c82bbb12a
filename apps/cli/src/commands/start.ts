import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, startServer } from '@assay/server'
import type { Command } from 'commander'
import { EXIT } from '../exit-codes.js'
import type { Io } from '../io.js'

/** The repository checkout this CLI runs from (sources or the bundle in apps/cli/dist). */
function findRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'apps', 'cli')) && existsSync(join(dir, 'package.json'))) return dir
    dir = dirname(dir)
  }
  return undefined
}

export function startCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('start')
    .description('serve the API and the web app with the embedded worker (PORT, ASSAY_HOST, …)')
    .action(async () => {
      const root = findRoot()
      const webDir = io.env.ASSAY_WEB_DIR ?? (root ? join(root, 'apps', 'web', 'dist') : undefined)
      const server = await startServer(loadConfig(io.env), {
        webDir: webDir && existsSync(join(webDir, 'index.html')) ? webDir : undefined,
        sampleFile: root ? join(root, 'data', 'truthfulqa', 'sample.assay.yaml') : undefined,
        log: (line) => io.err(`${line}\n`),
      })
      // Ctrl+C or SIGTERM: stop serving, stop active runs (they resume on the next start).
      let off = () => {}
      await new Promise<void>((resolve) => {
        let stopping = false
        const onSignal = () => {
          if (stopping) return io.exit(EXIT.interrupted)
          stopping = true
          io.err('Shutting down (again to quit at once)…\n')
          void server.close().then(resolve)
        }
        const offInterrupt = io.onInterrupt(onSignal)
        process.on('SIGTERM', onSignal)
        off = () => {
          offInterrupt()
          process.off('SIGTERM', onSignal)
        }
      })
      off()
      setCode(EXIT.ok)
    })
}
