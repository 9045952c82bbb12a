#!/usr/bin/env node
// bench/ui: the evaluation page of a 100,000-row evaluation in Chromium (playwright-core).
//   npm run bench:ui            (= node bench/ui/run.mjs [--rows 100000])
// Measures: time from navigation to the first rendered rows (median of 5 loads), scroll frame
// times while scrolling the virtualized table (p50/p95/p99 of requestAnimationFrame intervals
// with the frame-rate limit off, so an interval is the real cost of a frame), and how long a
// cell result takes to appear in the open page after the server stored it.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const rowsArg = process.argv.indexOf('--rows')
const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 100_000
const ADMIN = { email: 'bench@example.com', password: 'bench-password-1' }
const chromiumPath = process.env.ASSAY_CHROMIUM ?? '/usr/bin/chromium'

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}
const median = (values) => quantile(values, 0.5)
const ms = (v) => `${v.toFixed(1)} ms`

// The web app, built as `npm start` serves it (a production build, whatever NODE_ENV says).
spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
  cwd: join(root, 'apps', 'web'),
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'production' },
})

const dir = mkdtempSync(join(tmpdir(), 'assay-bench-ui-'))
const server = spawn(process.execPath, [join(root, 'apps', 'cli', 'bin', 'assay.js'), 'start'], {
  cwd: root,
  env: {
    ...process.env,
    PORT: '0',
    ASSAY_DATABASE_URL: join(dir, 'assay.db'),
    ASSAY_ADMIN_EMAIL: ADMIN.email,
    ASSAY_ADMIN_PASSWORD: ADMIN.password,
    ASSAY_SAMPLE_PROJECT: '0',
    ASSAY_OLLAMA_URL: 'off',
    ASSAY_WEB_DIR: join(root, 'apps', 'web', 'dist'),
    ASSAY_IMPORT_MAX_FILE_BYTES: String(512 * 1024 * 1024),
  },
  stdio: ['ignore', 'pipe', 'pipe'],
})
const base = await new Promise((resolve, reject) => {
  let text = ''
  const onData = (chunk) => {
    text += chunk
    const found = /listening on (http:\/\/\S+)/.exec(text)
    if (found) resolve(found[1])
  }
  server.stdout.on('data', onData)
  server.stderr.on('data', onData)
  server.once('exit', (code) => reject(new Error(`server exited ${code}: ${text}`)))
})

let cookie = ''
let csrf = ''
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

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-dev-shm-usage',
    '--disable-frame-rate-limit',
    '--disable-gpu-vsync',
  ],
})
try {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  csrf = (await login.json()).csrfToken

  const project = await call('POST', '/api/v1/projects', { name: 'bench ui' })
  const evaluation = await call('POST', `/api/v1/projects/${project.id}/evaluations`, {
    name: `${ROWS} rows`,
  })
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']
  const lines = ['question,answer,expected']
  for (let i = 0; i < ROWS; i++) {
    const w = (k) => words[(i * 7 + k * 3) % words.length]
    lines.push(
      `question ${i} about ${w(1)},${w(2)} ${w(3)} answer ${i},${w(2)} ${w(4)} answer ${i}`,
    )
  }
  let started = Date.now()
  await call(
    'POST',
    `/api/v1/evaluations/${evaluation.id}/imports?format=csv`,
    `${lines.join('\n')}\n`,
    'text/csv',
  )
  console.log(`imported ${ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const { columns } = await call('GET', `/api/v1/evaluations/${evaluation.id}`)
  const id = (name) => columns.find((c) => c.name === name).id
  for (const [name, metric] of [
    ['token F1', 'metric:token-f1'],
    ['ROUGE-L', 'metric:rouge-l'],
  ]) {
    await call('POST', `/api/v1/evaluations/${evaluation.id}/columns`, {
      name,
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId: metric,
          mapping: { output: id('answer'), expected: id('expected') },
          threshold: { op: '>', value: 0.5 },
        },
      },
    })
  }

  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  await context.addCookies(
    cookie.split('; ').map((pair) => {
      const [name, ...value] = pair.split('=')
      return { name, value: value.join('='), url: base }
    }),
  )
  const page = await context.newPage()
  const url = `${base}/evaluations/${evaluation.id}`
  const firstRows = async () => {
    const t0 = Date.now()
    await page.goto(url, { waitUntil: 'commit' })
    await page.waitForFunction(
      () => {
        const row = document.querySelector('.gr[data-index="0"]')
        return row !== null && row.querySelector('.skeleton') === null
      },
      null,
      { timeout: 30_000, polling: 'raf' },
    )
    return Date.now() - t0
  }

  // 1. A cell result appears in the open page how long after it was stored?
  await firstRows()
  await page.evaluate(() => {
    window.__seen = {}
    const observer = new MutationObserver(() => {
      for (const chip of document.querySelectorAll('.gr [data-verdict]')) {
        const verdict = chip.getAttribute('data-verdict')
        if (verdict === 'pass' || verdict === 'fail') {
          const row = chip.closest('.gr')?.getAttribute('data-index')
          const key = `${row}:${chip.getAttribute('aria-label')?.split(',')[0]}`
          window.__seen[key] ??= Date.now()
        }
      }
    })
    observer.observe(document.body, { subtree: true, childList: true, attributes: true })
  })
  // Run opens the estimate dialog; its Run button (focused) starts the run.
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await page.getByTestId('run-dialog').waitFor()
  started = Date.now()
  await page.getByTestId('run-dialog').getByRole('button', { name: 'Run', exact: true }).click()
  const run = await (async () => {
    for (;;) {
      const { runs } = await call('GET', `/api/v1/evaluations/${evaluation.id}/runs`)
      if (runs[0]) return runs[0]
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  await page.waitForFunction(() => Object.keys(window.__seen).length >= 40, null, {
    timeout: 60_000,
  })
  const seen = await page.evaluate(() => window.__seen)
  const page0 = await call('POST', `/api/v1/evaluations/${evaluation.id}/results/query`, {
    limit: 30,
  })
  const names = new Map(
    (await call('GET', `/api/v1/evaluations/${evaluation.id}`)).columns.map((c) => [c.id, c.name]),
  )
  const delays = []
  for (const row of page0.rows) {
    for (const [columnId, result] of Object.entries(row.results)) {
      const at = seen[`${row.index}:${names.get(columnId)}`]
      if (at && result.finishedAt) delays.push(at - Date.parse(result.finishedAt))
    }
  }
  console.log(
    `cell visible after stored: n=${delays.length} p50 ${ms(median(delays))} p95 ${ms(quantile(delays, 0.95))} max ${ms(Math.max(...delays))}`,
  )

  // Let the run finish so the table holds 100k rows × 2 scored columns.
  for (;;) {
    const r = await call('GET', `/api/v1/runs/${run.id}`)
    if (r.status === 'completed' || r.status === 'failed') break
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  console.log(`run of ${2 * ROWS} metric cells: ${((Date.now() - started) / 1000).toFixed(1)} s`)

  // 2. First rows after navigation (the page, its script and the first page of results).
  const loads = []
  for (let i = 0; i < 5; i++) loads.push(await firstRows())
  console.log(
    `first rows after navigation: median ${ms(median(loads))} (runs: ${loads.join(', ')} ms)`,
  )

  // 3. Scroll frame times: 600 frames, 96 px (about 2.7 rows) a frame, then a fast fling.
  const scroll = async (pxPerFrame, frames) =>
    page.evaluate(
      ({ pxPerFrame, frames }) =>
        new Promise((resolve) => {
          const grid = document.querySelector('[data-testid="results-grid"]')
          const times = []
          let last = performance.now()
          let n = 0
          const step = (now) => {
            times.push(now - last)
            last = now
            grid.scrollTop += pxPerFrame
            if (++n < frames) requestAnimationFrame(step)
            else resolve({ times: times.slice(2), top: grid.scrollTop })
          }
          requestAnimationFrame(step)
        }),
      { pxPerFrame, frames },
    )
  await page.evaluate(() => {
    window.__long = []
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__long.push(entry.duration)
    }).observe({ type: 'longtask', buffered: false })
  })
  const tiny = await scroll(1, 300)
  const steady = await scroll(96, 600)
  const fling = await scroll(1200, 300)
  const long = await page.evaluate(() => window.__long)
  for (const [label, result] of [
    ['tiny (1 px/frame)', tiny],
    ['steady (96 px/frame)', steady],
    ['fling (1200 px/frame)', fling],
  ]) {
    console.log(
      `scroll ${label}: frames ${result.times.length}, p50 ${ms(median(result.times))}, p95 ${ms(quantile(result.times, 0.95))}, p99 ${ms(quantile(result.times, 0.99))}, reached row ~${Math.round(result.top / 36)}`,
    )
  }
  console.log(
    `long tasks (> 50 ms) during the scrolls: ${long.length}${long.length ? ` (max ${ms(Math.max(...long))})` : ''}`,
  )

  // 4. A jump to the last row: rows come a page of 500 after the other through the cursor.
  const jump = Date.now()
  await page.evaluate(() => {
    const grid = document.querySelector('[data-testid="results-grid"]')
    grid.scrollTop = grid.scrollHeight
  })
  await page.waitForFunction(
    (last) => {
      const row = document.querySelector(`.gr[data-index="${last}"]`)
      return row !== null && row.querySelector('.skeleton') === null
    },
    ROWS - 1,
    { timeout: 180_000, polling: 100 },
  )
  console.log(
    `jump to the last row, until it shows its data: ${((Date.now() - jump) / 1000).toFixed(1)} s`,
  )
} finally {
  await browser.close()
  server.kill('SIGTERM')
  await new Promise((resolve) => server.once('exit', resolve))
  rmSync(dir, { recursive: true, force: true })
}
