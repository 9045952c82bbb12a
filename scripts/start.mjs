#!/usr/bin/env node
// `npm start`: builds the web app when apps/web/dist is missing or older than its sources, then
// runs `assay start` (the API, the web app and the embedded worker in one process).
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const web = join(root, 'apps', 'web')

function newest(path) {
  const s = statSync(path)
  if (!s.isDirectory()) return s.mtimeMs
  let max = 0
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)))
  return max
}

function webIsStale() {
  let built
  try {
    built = statSync(join(web, 'dist', 'index.html')).mtimeMs
  } catch {
    return true
  }
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(web, p))
  return Math.max(...sources.map(newest)) > built
}

if (process.env.ASSAY_SKIP_WEB_BUILD !== '1' && webIsStale()) {
  console.error('Building the web app (apps/web/dist)…')
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js')
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: web,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  if (result.status !== 0) {
    console.error('The web app did not build; the API starts without it.')
  }
}

const child = spawn(
  process.execPath,
  [join(root, 'apps', 'cli', 'bin', 'assay.js'), 'start', ...process.argv.slice(2)],
  { stdio: 'inherit' },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0)
})
