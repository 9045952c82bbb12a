#!/usr/bin/env node
// bench/estimate: the pre-run estimate (POST /evaluations/{id}/runs/estimate) and a finished
// run's counts (GET /runs/{id}) on a 100,000-row evaluation, through the real HTTP server.
//   npm run bench:estimate      (= node bench/estimate/run.mjs [--rows 100000] [--run-rows N])
// The evaluation holds three runnable columns: a prompt generator and an LLM judge (coherence,
// on the generated column) on a stub model connection, and a metric (token F1, answer vs
// expected). Timed, median and min of 5 after a warm-up: the estimate of mode `all` with the
// model cache on and off, and of mode `column` for the metric column. The figures are checked
// against what the data implies. Then the metric column is run to completion (on a second
// evaluation of --run-rows rows, default the same number of rows) and GET /runs/{id} is timed:
// the request that first sees the run completed, then after a server restart (counts read from
// storage, nothing kept in memory) the first request and repeated ones.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'run-rows': { type: 'string' },
    repeats: { type: 'string', default: '5' },
  },
})
const ROWS = Number(args.rows)
const RUN_ROWS = Number(args['run-rows'] ?? args.rows)
const REPEATS = Number(args.repeats)
const ADMIN = { email: 'bench@example.com', password: 'bench-password-1' }
const PROMPT = 'Answer briefly: {{question}}'
const PRICES = { inputPerMillion: 0.15, outputPerMillion: 0.6 }

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}
const f1 = (v) => v.toFixed(1)
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const dir = mkdtempSync(join(tmpdir(), 'assay-bench-estimate-'))
const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

/** Spawns `args` with node, resolves with the URL it prints once it listens. */
async function spawnListening(nodeArgs, env) {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let text = ''
  const url = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      text += chunk
      const found = /listening on (http:\/\/\S+)/.exec(text)
      if (found) resolve(found[1])
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`${nodeArgs.join(' ')} exited ${code}: ${text}`)))
  })
  // Keep reading so a full pipe never blocks the child.
  child.stdout.resume()
  child.stderr.resume()
  return { url, child }
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await Promise.race([exited, sleep(10_000)])
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

const startServer = () =>
  spawnListening([join(root, 'apps', 'cli', 'bin', 'assay.js'), 'start'], {
    PORT: '0',
    ASSAY_DATABASE_URL: join(dir, 'assay.db'),
    ASSAY_ADMIN_EMAIL: ADMIN.email,
    ASSAY_ADMIN_PASSWORD: ADMIN.password,
    ASSAY_SAMPLE_PROJECT: '0',
    ASSAY_OLLAMA_URL: 'off',
    ASSAY_IMPORT_MAX_FILE_BYTES: String(512 * 1024 * 1024),
  })

let base = ''
let cookie = ''
let csrf = ''
async function signIn() {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  if (!login.ok) throw new Error(`sign-in: ${login.status} ${await login.text()}`)
  cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  csrf = (await login.json()).csrfToken
}

async function call(method, path, body, type = 'application/json') {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      cookie,
      ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }),
      ...(body === undefined ? {} : { 'content-type': type }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return text ? JSON.parse(text) : {}
}

/** `fn` timed by the client (wall ms, HTTP included); resolves with its value and the time. */
async function timed(fn) {
  const t0 = performance.now()
  const value = await fn()
  return { value, ms: performance.now() - t0 }
}

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']
const question = (i) => `question ${i} about ${words[(i * 7 + 3) % words.length]}`
function csvOf(rows) {
  const w = (i, k) => words[(i * 7 + k * 3) % words.length]
  const lines = ['question,answer,expected']
  for (let i = 0; i < rows; i++) {
    lines.push(`${question(i)},${w(i, 2)} ${w(i, 3)} answer ${i},${w(i, 2)} ${w(i, 4)} answer ${i}`)
  }
  return `${lines.join('\n')}\n`
}

/** An evaluation of `rows` rows with the three columns; resolves with its ids. */
async function setUp(projectId, connectionId, rows) {
  const evaluation = await call('POST', `/api/v1/projects/${projectId}/evaluations`, {
    name: `${rows} rows`,
  })
  const imported = await timed(() =>
    call(
      'POST',
      `/api/v1/evaluations/${evaluation.id}/imports?format=csv`,
      csvOf(rows),
      'text/csv',
    ),
  )
  console.log(`imported ${rows} rows in ${f1(imported.ms / 1000)} s`)
  const { columns } = await call('GET', `/api/v1/evaluations/${evaluation.id}`)
  const id = (name) => columns.find((c) => c.name === name).id
  // Adding a column answers every column added (a RAG endpoint adds two): the first is ours.
  const add = async (body) =>
    (await call('POST', `/api/v1/evaluations/${evaluation.id}/columns`, body)).columns[0]
  const generated = await add({
    name: 'generated',
    config: {
      kind: 'generated',
      generator: { type: 'prompt', connectionId, prompt: PROMPT, params: {} },
    },
  })
  const judge = await add({
    name: 'coherence',
    config: {
      kind: 'evaluator',
      evaluator: {
        evaluatorId: 'coherence',
        connectionId,
        mapping: { output: generated.id },
        threshold: { op: '>', value: 3 },
      },
    },
  })
  const metric = await add({
    name: 'token F1',
    config: {
      kind: 'evaluator',
      evaluator: {
        evaluatorId: 'metric:token-f1',
        mapping: { output: id('answer'), expected: id('expected') },
        threshold: { op: '>', value: 0.5 },
      },
    },
  })
  return {
    evaluationId: evaluation.id,
    generated: generated.id,
    judge: judge.id,
    metric: metric.id,
  }
}

const checks = []
function check(label, actual, expected) {
  const ok = Object.is(actual, expected) || (typeof expected === 'function' && expected(actual))
  checks.push(ok)
  console.log(
    `  ${ok ? 'ok  ' : 'FAIL'} ${label}: ${actual}${typeof expected === 'function' ? '' : ` (expected ${expected})`}`,
  )
}

/** A warm-up then REPEATS estimates of `body`; prints client and server (tookMs) times. */
async function benchEstimate(label, evaluationId, body) {
  const estimate = () => call('POST', `/api/v1/evaluations/${evaluationId}/runs/estimate`, body)
  await estimate()
  const wall = []
  const took = []
  let last
  for (let i = 0; i < REPEATS; i++) {
    const { value, ms } = await timed(estimate)
    wall.push(ms)
    took.push(value.tookMs)
    last = value
  }
  console.log(
    `${label}: median ${f1(median(wall))} ms, min ${f1(Math.min(...wall))} ms (server tookMs median ${median(took)}, min ${Math.min(...took)}; runs ${wall.map(f1).join(', ')} ms) [load ${load()}]`,
  )
  return last
}

const started = performance.now()
const stub = await spawnListening(
  [
    '--import',
    'tsx',
    join(root, 'packages', 'stub-llm', 'src', 'main.ts'),
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--latency',
    '1',
  ],
  {},
)
let server = await startServer()
try {
  base = server.url
  await signIn()
  console.log(`Node ${process.version}, load average at start: ${load()}`)
  const project = await call('POST', '/api/v1/projects', { name: 'bench estimate' })
  const connection = await call('POST', `/api/v1/projects/${project.id}/connections`, {
    name: 'stub',
    provider: 'openai-compatible',
    baseUrl: stub.url,
    model: 'judge-1',
    limits: { concurrency: 64, requestsPerMinute: null, tokensPerMinute: null },
    prices: PRICES,
  })
  const big = await setUp(project.id, connection.id, ROWS)

  // 1. The estimate of a run of everything, the cache on (the default) and off; one column.
  const all = await benchEstimate(`estimate all, cache on (${ROWS} rows)`, big.evaluationId, {
    mode: 'all',
  })
  await call('PATCH', `/api/v1/evaluations/${big.evaluationId}`, { cacheEnabled: false })
  const off = await benchEstimate(`estimate all, cache off (${ROWS} rows)`, big.evaluationId, {
    mode: 'all',
  })
  await call('PATCH', `/api/v1/evaluations/${big.evaluationId}`, { cacheEnabled: true })
  const column = await benchEstimate(
    `estimate column (metric only, ${ROWS} rows)`,
    big.evaluationId,
    { mode: 'column', columnIds: [big.metric] },
  )

  // 2. The figures, against what the data implies.
  let promptTokens = 0
  for (let i = 0; i < ROWS; i++)
    promptTokens += Math.ceil((PROMPT.length - 12 + question(i).length) / 4)
  const byId = (estimate, id) => estimate.columns.find((c) => c.columnId === id)
  for (const [label, estimate, cacheEnabled] of [
    ['all, cache on', all, true],
    ['all, cache off', off, false],
  ]) {
    console.log(`figures, ${label}:`)
    console.log(
      `  cells ${estimate.cells}, modelCalls ${estimate.modelCalls}, cachedCalls ${estimate.cachedCalls}, inputTokens ${estimate.inputTokens}, outputTokens ${estimate.outputTokens}, cost ${estimate.cost}, cacheCheckedRows ${estimate.cacheCheckedRows}`,
    )
    for (const c of estimate.columns) {
      console.log(
        `    ${c.columnName} (${c.kind}): cells ${c.cells}, modelCalls ${c.modelCalls}, cached ${c.cachedCalls}, in ${c.inputTokens}, out ${c.outputTokens}, cost ${c.cost}`,
      )
    }
    check('rows', estimate.rows, ROWS)
    check('cells (3 columns × rows)', estimate.cells, 3 * ROWS)
    check('modelCalls (generator + judge, empty cache)', estimate.modelCalls, 2 * ROWS)
    check('cachedCalls', estimate.cachedCalls, 0)
    check('cacheEnabled', estimate.cacheEnabled, cacheEnabled)
    check('outputTokens (256 a call)', estimate.outputTokens, 2 * ROWS * 256)
    check(
      'prompt column inputTokens (Σ ceil(prompt chars / 4))',
      byId(estimate, big.generated).inputTokens,
      promptTokens,
    )
    check('metric column modelCalls', byId(estimate, big.metric).modelCalls, 0)
    check('metric column cost', byId(estimate, big.metric).cost, 0)
    const judge = byId(estimate, big.judge)
    check(
      'judge inputTokens a call (the generated value assumed 1,024 characters)',
      judge.inputTokens / judge.modelCalls,
      (v) => Number.isInteger(v) && v > 256,
    )
    const cost =
      (estimate.inputTokens * PRICES.inputPerMillion +
        estimate.outputTokens * PRICES.outputPerMillion) /
      1e6
    check(
      'cost = in × 0.15 + out × 0.6 per million',
      estimate.cost,
      (v) => Math.abs(v - cost) < 1e-6,
    )
  }
  console.log('figures, column (metric only):')
  check('cells', column.cells, ROWS)
  check('modelCalls', column.modelCalls, 0)
  check('cost', column.cost, 0)

  // 3. Run the metric column to completion, then GET /runs/{id}.
  const target = RUN_ROWS === ROWS ? big : await setUp(project.id, connection.id, RUN_ROWS)
  const runStarted = performance.now()
  const run = await call('POST', `/api/v1/evaluations/${target.evaluationId}/runs`, {
    mode: 'column',
    columnIds: [target.metric],
  })
  let seen
  for (;;) {
    const { value, ms } = await timed(() => call('GET', `/api/v1/runs/${run.id}`))
    if (['completed', 'failed', 'stopped'].includes(value.status)) {
      seen = { value, ms }
      break
    }
    await sleep(500)
  }
  const runWall = (performance.now() - runStarted) / 1000
  const p = seen.value.progress
  console.log(
    `run of the metric column, ${RUN_ROWS} rows: ${seen.value.status} in ${f1(runWall)} s wall (elapsedMs ${seen.value.elapsedMs}, ${Math.round(RUN_ROWS / (seen.value.elapsedMs / 1000))} cells/s) [load ${load()}]`,
  )
  console.log(
    `GET /runs/{id}, the request that first saw it ${seen.value.status}: ${f1(seen.ms)} ms (progressLive ${seen.value.progressLive}; cells done ${p.cells.done}, error ${p.cells.error}, total ${p.cells.total})`,
  )
  const again = []
  for (let i = 0; i < REPEATS; i++)
    again.push((await timed(() => call('GET', `/api/v1/runs/${run.id}`))).ms)
  console.log(
    `GET /runs/{id} repeated, same server: median ${f1(median(again))} ms, min ${f1(Math.min(...again))} ms`,
  )

  // Restart: nothing kept in memory, the counts come from storage.
  await stop(server.child)
  server = await startServer()
  base = server.url
  await signIn()
  const first = await timed(() => call('GET', `/api/v1/runs/${run.id}`))
  const repeated = []
  let last
  for (let i = 0; i < REPEATS; i++) {
    const { value, ms } = await timed(() => call('GET', `/api/v1/runs/${run.id}`))
    repeated.push(ms)
    last = value
  }
  const q = first.value.progress
  console.log(
    `after a restart, GET /runs/{id} first: ${f1(first.ms)} ms (progressLive ${first.value.progressLive}; cells done ${q.cells.done}, error ${q.cells.error}, pending ${q.cells.pending}, total ${q.cells.total}; rows ${q.rows.processed}/${q.rows.total})`,
  )
  console.log(
    `after a restart, GET /runs/{id} repeated: median ${f1(median(repeated))} ms, min ${f1(Math.min(...repeated))} ms [load ${load()}]`,
  )
  console.log('figures, finished run (from storage):')
  check('cells.done + cells.error', q.cells.done + q.cells.error, RUN_ROWS)
  check('cells.total', q.cells.total, RUN_ROWS)
  check(
    'same counts on a repeated call',
    JSON.stringify(last.progress.cells),
    JSON.stringify(q.cells),
  )
  console.log(
    `total ${f1((performance.now() - started) / 1000)} s; checks failed: ${checks.filter((ok) => !ok).length}`,
  )
  if (checks.includes(false)) process.exitCode = 1
} finally {
  await stop(server.child)
  await stop(stub.child)
  rmSync(dir, { recursive: true, force: true })
}
