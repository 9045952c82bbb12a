#!/usr/bin/env node
// bench/load: while a judge run goes against the stub model server, 50 SSE clients follow the
// run and 20 API requests/s hit the server. Reports p50/p99 API latency and the run's
// throughput under load against the same run without load (measured in the same session).
// Usage: node bench/load/run.mjs [--rows 10000] [--latency 20] [--concurrency 16] [--sse 50] [--rps 20]
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { killAll, ROOT, startStub, track } from '../engine/processes.mjs'

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    latency: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '16' },
    sse: { type: 'string', default: '50' },
    rps: { type: 'string', default: '20' },
    pairs: { type: 'string', default: '2' },
  },
})
const ROWS = Number(args.rows)
const SSE_CLIENTS = Number(args.sse)
const RPS = Number(args.rps)

const dir = mkdtempSync(join(tmpdir(), 'assay-load-'))
const EMAIL = 'bench@example.com'
const PASSWORD = 'bench-password-1'

async function startServer() {
  const proc = track(
    spawn(process.execPath, [join(ROOT, 'apps/cli/bin/assay.js'), 'start'], {
      env: {
        ...process.env,
        PORT: '0',
        ASSAY_DATABASE_URL: join(dir, 'assay.db'),
        ASSAY_ADMIN_EMAIL: EMAIL,
        ASSAY_ADMIN_PASSWORD: PASSWORD,
        ASSAY_SAMPLE_PROJECT: '0',
        ASSAY_OLLAMA_URL: 'off',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  )
  let log = ''
  const url = await new Promise((resolve, reject) => {
    proc.stderr.on('data', (d) => {
      log += d
      const m = /listening on (http:\/\/\S+)/.exec(log)
      if (m) resolve(m[1])
    })
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)))
  })
  return { url, proc }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function main() {
  const stub = await startStub({ latencyMs: Number(args.latency) })
  const server = await startServer()
  const base = `${server.url}/api/v1`
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  })
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const { csrfToken } = await login.json()
  const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }
  const api = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return text ? JSON.parse(text) : null
  }

  const project = await api('POST', '/projects', { name: 'load' })
  const evaluation = await api('POST', `/projects/${project.id}/evaluations`, { name: 'load' })
  let csv = 'question,answer\n'
  for (let i = 0; i < ROWS; i++) csv += `question number ${i} about topic ${i % 97},answer ${i}\n`
  await fetch(`${base}/evaluations/${evaluation.id}/imports?format=csv`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/csv' },
    body: csv,
  })
  const connection = await api('POST', `/projects/${project.id}/connections`, {
    name: 'stub',
    provider: 'openai-compatible',
    baseUrl: stub.url,
    model: 'judge-1',
    limits: {
      concurrency: Number(args.concurrency),
      requestsPerMinute: null,
      tokensPerMinute: null,
    },
  })
  const detail = await api('GET', `/evaluations/${evaluation.id}`)
  const col = (name) => detail.columns.find((c) => c.name === name).id
  await api('POST', `/evaluations/${evaluation.id}/columns`, {
    name: 'relevance',
    config: {
      kind: 'evaluator',
      evaluator: {
        evaluatorId: 'query-relevance',
        connectionId: connection.id,
        mapping: { query: col('question'), input: col('question'), output: col('answer') },
        threshold: { op: '>', value: 2.5 },
      },
    },
  })
  // The cache would answer the second run from the first: off, so both runs do the same work.
  await api('PATCH', `/evaluations/${evaluation.id}`, { cacheEnabled: false })

  async function runOnce(load) {
    const run = await api('POST', `/evaluations/${evaluation.id}/runs`, { mode: 'all' })
    const controllers = []
    const latencies = []
    const slow = []
    let sseEvents = 0
    let apiErrors = 0
    let stopLoad = false
    if (load) {
      for (let i = 0; i < SSE_CLIENTS; i++) {
        const ac = new AbortController()
        controllers.push(ac)
        fetch(`${base}/runs/${run.id}/events`, { headers: { cookie }, signal: ac.signal })
          .then(async (res) => {
            const reader = res.body.getReader()
            for (;;) {
              const { done, value } = await reader.read()
              if (done) break
              sseEvents += (new TextDecoder().decode(value).match(/\nevent:|^event:/g) ?? []).length
            }
          })
          .catch(() => {})
      }
      const paths = [
        `/runs/${run.id}`,
        `/evaluations/${evaluation.id}`,
        `/evaluations/${evaluation.id}/runs`,
        `/projects/${project.id}/evaluations`,
      ]
      ;(async () => {
        let i = 0
        while (!stopLoad) {
          const path = paths[i++ % paths.length]
          const t0 = performance.now()
          fetch(`${base}${path}`, { headers: { cookie } })
            .then(async (res) => {
              await res.arrayBuffer()
              if (res.status >= 400) apiErrors++
              latencies.push(performance.now() - t0)
              const ms = performance.now() - t0
              if (ms > 100) slow.push(`${path} ${ms.toFixed(0)}ms`)
            })
            .catch(() => apiErrors++)
          await new Promise((r) => setTimeout(r, 1000 / RPS))
        }
      })()
    }
    let final
    for (;;) {
      final = await api('GET', `/runs/${run.id}`)
      if (['completed', 'stopped', 'failed'].includes(final.status)) break
      await new Promise((r) => setTimeout(r, 200))
    }
    stopLoad = true
    for (const ac of controllers) ac.abort()
    latencies.sort((a, b) => a - b)
    return {
      runId: run.id,
      status: final.status,
      elapsedMs: final.elapsedMs,
      cellsPerSecond: ROWS / (final.elapsedMs / 1000),
      apiRequests: latencies.length,
      apiErrors,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      sseEvents,
      slow: slow.slice(0, 20),
      latencies,
    }
  }

  // Alternating runs without and with load, so machine noise hits both alike; medians compared.
  const baselines = []
  const loadeds = []
  for (let i = 0; i < Number(args.pairs); i++) {
    baselines.push(await runOnce(false))
    loadeds.push(await runOnce(true))
  }
  const median = (runs) => {
    const sorted = [...runs].sort((a, b) => a.cellsPerSecond - b.cellsPerSecond)
    return sorted[Math.floor((sorted.length - 1) / 2)]
  }
  const baseline = median(baselines)
  const loaded = median(loadeds)
  const allLatencies = loadeds.flatMap((r) => r.latencies).sort((a, b) => a - b)
  loaded.p50 = percentile(allLatencies, 50)
  loaded.p99 = percentile(allLatencies, 99)
  loaded.apiRequests = allLatencies.length
  loaded.apiErrors = loadeds.reduce((n, r) => n + r.apiErrors, 0)
  loaded.sseEvents = loadeds.reduce((n, r) => n + r.sseEvents, 0)
  const drop = 1 - loaded.cellsPerSecond / baseline.cellsPerSecond
  for (const r of [...baselines, ...loadeds]) delete r.latencies
  const report = {
    baselines: baselines.map((r) => r.cellsPerSecond),
    loadeds: loadeds.map((r) => r.cellsPerSecond),
    rows: ROWS,
    latencyMs: Number(args.latency),
    concurrency: Number(args.concurrency),
    sseClients: SSE_CLIENTS,
    rps: RPS,
    baseline,
    loaded,
    throughputDrop: drop,
  }
  console.log(JSON.stringify(report, null, 2))
  console.log(
    `\nbaseline ${baseline.cellsPerSecond.toFixed(1)} cells/s; under load ${loaded.cellsPerSecond.toFixed(1)} cells/s (drop ${(drop * 100).toFixed(1)}%); ` +
      `API p50 ${loaded.p50.toFixed(1)} ms, p99 ${loaded.p99.toFixed(1)} ms over ${loaded.apiRequests} requests (${loaded.apiErrors} errors); ${loaded.sseEvents} SSE events received`,
  )
  await stub.close()
}

main()
  .catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
  .finally(() => {
    killAll()
    rmSync(dir, { recursive: true, force: true })
  })
