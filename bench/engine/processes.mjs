// Child processes of the engine benchmarks: the stub LLM (its own process, 127.0.0.1 only) and
// whatever else is spawned through `track`. Every tracked child is killed when this process
// exits, also on failure or Ctrl+C.
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const HOST = '127.0.0.1'
const STUB = join(ROOT, 'packages', 'stub-llm', 'src', 'main.ts')

/** Precise wall-clock ms, the clock domain of the stub's `startedAt` and `finishedAt`. */
export const now = () => performance.timeOrigin + performance.now()

const children = new Set()

/** Kills `child` when this process ends, unless it ended first. */
export function track(child) {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

/** SIGKILLs every tracked child still alive. */
export function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL')
    } catch {}
  }
  children.clear()
}

process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

/**
 * Starts the stub LLM as its own process on a free port of 127.0.0.1; resolves once it listens.
 * `faults` maps the stub's flag suffixes (`500`, `429`, `malformed`, `hang`, …) to probabilities.
 */
export async function startStub({
  latencyMs = 0,
  seed = 1,
  faults = {},
  retryAfterS,
  nodeArgs = [],
} = {}) {
  const args = [...nodeArgs, '--import', 'tsx', STUB, '--host', HOST, '--port', '0']
  args.push('--latency', String(latencyMs), '--seed', String(seed))
  for (const [flag, p] of Object.entries(faults)) args.push(`--fault-${flag}`, String(p))
  if (retryAfterS !== undefined) args.push('--retry-after', String(retryAfterS))
  const proc = track(
    spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }),
  )
  let stderr = ''
  proc.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const url = await new Promise((done, fail) => {
    let out = ''
    const onData = (chunk) => {
      out += chunk
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        proc.stdout.off('data', onData)
        proc.stdout.resume()
        done(m[1])
      }
    }
    proc.stdout.on('data', onData)
    proc.once('exit', (code) => fail(new Error(`stub exited with ${code}: ${stderr}`)))
  })
  const base = url.replace(/\/v1$/, '')
  if (!base.startsWith(`http://${HOST}:`)) throw new Error(`stub is not on ${HOST}: ${url}`)
  return {
    url,
    proc,
    /** GET /stats; `timestamps: false` leaves out the startedAt/finishedAt arrays. */
    async stats(timestamps = true) {
      const res = await fetch(`${base}/stats${timestamps ? '' : '?timestamps=0'}`)
      return res.json()
    },
    async reset() {
      await fetch(`${base}/stats/reset`, { method: 'POST' })
    },
    async close() {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((done) => proc.once('exit', done))
      proc.kill('SIGTERM')
      await Promise.race([exited, sleep(3000)])
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
    },
  }
}
