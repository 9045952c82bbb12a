// bench/engine: the run engine end to end. Each benchmark runs the real CLI as its own process
// (`assay run FILE.yaml --json`, fresh SQLite database) against the stub LLM, also its own
// process (real HTTP on 127.0.0.1, real AI SDK), then checks the summary against the stub's
// counters and the database.
// Usage: node bench/engine/run.mjs [throughput|overhead|stop|rss|faults ...]   (default: all)
// BENCH_CPU_PROF_DIR=DIR adds `--cpu-prof --cpu-prof-dir DIR` to every CLI process (and copies
// the CLI bundle there, for bench/engine/profile-summary.mjs).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { generateEngineCsv } from './generate.mjs'
import { HOST, killAll, now, ROOT, startStub, track } from './processes.mjs'

const DATA = join(ROOT, 'bench', 'data')
const CLI = join(ROOT, 'apps', 'cli', 'bin', 'assay.js')
const BUNDLE = join(ROOT, 'apps', 'cli', 'dist', 'assay.mjs')
const RSS = join(ROOT, 'bench', 'lib', 'report-rss.mjs')

// ---------------------------------------------------------------- child processes

/**
 * Runs `assay run YAML --json` as its own process with a fresh database; resolves on exit with
 * the parsed summary, the wall time from spawn to exit and the peak RSS.
 */
function runCli(yamlPath, dbPath, { onSpawn } = {}) {
  rmSync(join(dbPath, '..'), { recursive: true, force: true })
  mkdirSync(join(dbPath, '..'), { recursive: true })
  const nodeArgs = ['--import', RSS]
  if (process.env.BENCH_CPU_PROF_DIR) {
    mkdirSync(process.env.BENCH_CPU_PROF_DIR, { recursive: true })
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR)
  }
  const spawnedAt = now()
  const proc = track(
    spawn(process.execPath, [...nodeArgs, CLI, 'run', yamlPath, '--json'], {
      cwd: ROOT,
      env: { ...process.env, ASSAY_DATABASE_URL: dbPath, NO_PROXY: HOST, no_proxy: HOST },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
  let stdout = ''
  let stderr = ''
  const stderrEvents = []
  proc.stdout.on('data', (chunk) => {
    stdout += chunk
  })
  proc.stderr.on('data', (chunk) => {
    stderr += chunk
    stderrEvents.push({ at: now(), text: String(chunk) })
  })
  onSpawn?.(proc)
  return new Promise((done, fail) => {
    proc.once('error', fail)
    // 'close' (not 'exit') so that every byte of stdout/stderr has been read.
    let exitedAt
    proc.once('exit', () => {
      exitedAt = now()
    })
    proc.once('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? ''
      let summary = null
      try {
        summary = JSON.parse(last)
      } catch {}
      const rssKb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1])
      done({
        code,
        signal,
        summary,
        stdout,
        stderr,
        stderrEvents,
        spawnedAt,
        exitedAt,
        wallMs: exitedAt - spawnedAt,
        peakRssMB: Number.isFinite(rssKb) ? Math.round(rssKb / 1024) : null,
      })
    })
  })
}

function requireSummary(name, result, okCodes = [0]) {
  if (!result.summary || !okCodes.includes(result.code)) {
    process.stderr.write(result.stderr.slice(-4000))
    throw new Error(`${name}: the CLI exited with ${result.code ?? result.signal} and no summary`)
  }
  return result.summary
}

/** What the database holds for a run: results by status, errors lacking a reason, token sums. */
function inspectDb(dbPath, runId) {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    const run = db
      .prepare(
        'SELECT status, finished_at, elapsed_ms, tokens_in, tokens_out FROM runs WHERE id = ?',
      )
      .get(runId)
    const byStatus = Object.fromEntries(
      db
        .prepare('SELECT status, count(*) AS n FROM cell_results WHERE run_id = ? GROUP BY status')
        .all(runId)
        .map((r) => [r.status, r.n]),
    )
    const totals = db
      .prepare(
        'SELECT count(*) AS n, count(DISTINCT column_id || char(0) || row_id) AS distinctCells, coalesce(sum(tokens_in), 0) AS tokensIn, coalesce(sum(tokens_out), 0) AS tokensOut FROM cell_results WHERE run_id = ?',
      )
      .get(runId)
    const errors = db
      .prepare("SELECT error FROM cell_results WHERE run_id = ? AND status = 'error'")
      .all(runId)
    const reasons = {}
    let errorsWithoutReason = 0
    for (const { error } of errors) {
      let parsed = null
      try {
        parsed = JSON.parse(error)
      } catch {}
      if (!parsed || typeof parsed.message !== 'string' || parsed.message.trim() === '') {
        errorsWithoutReason++
        continue
      }
      const key = `${parsed.code}: ${parsed.message.replace(/\d+/g, 'N').slice(0, 80)}`
      reasons[key] = (reasons[key] ?? 0) + 1
    }
    return { run, byStatus, ...totals, errorsWithoutReason, reasons }
  } finally {
    db.close()
  }
}

// ---------------------------------------------------------------- datasets and files

async function dataset(rows) {
  mkdirSync(DATA, { recursive: true })
  const path = join(DATA, `engine-${rows}.csv`)
  if (!existsSync(path)) {
    process.stderr.write(`generating ${path}…\n`)
    await generateEngineCsv(path, rows)
  }
  return path
}

/** Writes bench/data/engine-NAME.yaml; its dataset path is relative to the YAML file. */
async function evaluationFile(
  name,
  { rows, stubUrl, concurrency, judge = true, metric = false, timeoutMs, maxAttempts, cache },
) {
  await dataset(rows)
  const lines = [`project: bench`, `evaluation: engine-${name}`, `dataset: engine-${rows}.csv`]
  if (cache !== undefined) lines.push(`cache: ${cache}`)
  if (judge) {
    lines.push(
      'connections:',
      '  stub:',
      '    provider: openai-compatible',
      `    baseURL: ${stubUrl}`,
      '    model: stub-model',
      `    concurrency: ${concurrency}`,
    )
  }
  lines.push('evaluators:')
  if (judge)
    lines.push(
      '  - name: coherence',
      '    use: coherence',
      '    connection: stub',
      '    map: { output: output }',
    )
  if (metric)
    lines.push(
      '  - name: exact',
      '    use: exact-match',
      '    map: { output: output, expected: expected }',
    )
  const run = []
  if (timeoutMs) run.push(`  timeoutMs: ${timeoutMs}`)
  if (maxAttempts) run.push(`  maxAttempts: ${maxAttempts}`)
  if (run.length) lines.push('run:', ...run)
  const path = join(DATA, `engine-${name}.yaml`)
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

const dbFor = (name) => join(DATA, `engine-db-${name}`, 'assay.db')

function cleanup(name) {
  if (!process.env.BENCH_KEEP_DB)
    rmSync(join(DATA, `engine-db-${name}`), { recursive: true, force: true })
}

// ---------------------------------------------------------------- benchmarks

const rows = []
const details = {}
const round = (x, digits = 0) =>
  x === null || x === undefined || Number.isNaN(x) ? null : +x.toFixed(digits)
function record(bench, metric, value, target = '', met = null) {
  rows.push({ bench, metric, value, target, met: met === null ? '' : met ? 'met' : 'NOT MET' })
}

/** Tokens the run counted (summary) vs tokens the stub billed. */
function tokenCheck(summary, stats) {
  const counted = summary.tokens.input + summary.tokens.output
  const billed = stats.tokensBilled.prompt + stats.tokensBilled.completion
  return {
    counted,
    billed,
    equal:
      summary.tokens.input === stats.tokensBilled.prompt &&
      summary.tokens.output === stats.tokensBilled.completion,
  }
}

async function judgeRun(name, { rows: n, latencyMs, concurrency, ...rest }) {
  const stub = await startStub({ latencyMs, seed: 7 })
  try {
    const yaml = await evaluationFile(name, { rows: n, stubUrl: stub.url, concurrency, ...rest })
    const result = await runCli(yaml, dbFor(name))
    const summary = requireSummary(name, result)
    const stats = await stub.stats(false)
    const db = inspectDb(dbFor(name), summary.runId)
    const finished = summary.cells.done + summary.cells.error
    return {
      result,
      summary,
      stats,
      db,
      finished,
      cellsPerSec: finished / (summary.elapsedMs / 1000),
    }
  } finally {
    await stub.close()
    cleanup(name)
  }
}

const BENCHMARKS = {
  async throughput() {
    const concurrency = 16
    const latencyMs = 50
    const r = await judgeRun('throughput', { rows: 2000, latencyMs, concurrency })
    const ideal = concurrency / (latencyMs / 1000)
    const efficiency = r.cellsPerSec / ideal
    const tokens = tokenCheck(r.summary, r.stats)
    record(
      'throughput',
      `cells/s (2,000 judge cells, conc ${concurrency}, ${latencyMs} ms)`,
      round(r.cellsPerSec, 1),
      `ideal ${ideal}`,
    )
    record('throughput', 'efficiency', round(efficiency, 3), '≥ 0.95', efficiency >= 0.95)
    record(
      'throughput',
      'run elapsed s / CLI wall s',
      `${round(r.summary.elapsedMs / 1000, 2)} / ${round(r.result.wallMs / 1000, 2)}`,
    )
    record('throughput', 'stub max in flight', r.stats.maxInFlight, `${concurrency}`)
    record(
      'throughput',
      'cells done / error / cached',
      `${r.summary.cells.done} / ${r.summary.cells.error} / ${r.summary.cells.cached}`,
    )
    record(
      'throughput',
      'tokens counted == billed',
      `${tokens.counted} vs ${tokens.billed}`,
      'equal',
      tokens.equal,
    )
    details.throughput = {
      elapsedMs: r.summary.elapsedMs,
      wallMs: round(r.result.wallMs),
      cellsPerSec: round(r.cellsPerSec, 1),
      efficiency: round(efficiency, 4),
      maxInFlight: r.stats.maxInFlight,
      cells: r.summary.cells,
      tokens,
      peakRssMB: r.result.peakRssMB,
    }
  },

  async overhead() {
    const concurrency = 64
    const r = await judgeRun('overhead', { rows: 20_000, latencyMs: 0, concurrency })
    const tokens = tokenCheck(r.summary, r.stats)
    record(
      'overhead',
      `cells/s (20,000 judge cells, conc ${concurrency}, 0 ms)`,
      round(r.cellsPerSec),
      '≥ 5,000',
      r.cellsPerSec >= 5000,
    )
    record(
      'overhead',
      'run elapsed s / CLI wall s',
      `${round(r.summary.elapsedMs / 1000, 2)} / ${round(r.result.wallMs / 1000, 2)}`,
    )
    record('overhead', 'stub max in flight', r.stats.maxInFlight, `${concurrency}`)
    record(
      'overhead',
      'tokens counted == billed',
      `${tokens.counted} vs ${tokens.billed}`,
      'equal',
      tokens.equal,
    )

    const name = 'metric-only'
    const yaml = await evaluationFile(name, { rows: 100_000, judge: false, metric: true })
    const m = await runCli(yaml, dbFor(name))
    const ms = requireSummary(name, m)
    const mFinished = ms.cells.done + ms.cells.error
    const mRate = mFinished / (ms.elapsedMs / 1000)
    record('overhead', 'metric-only cells/s (100,000 exact-match)', round(mRate), 'ceiling (info)')
    record(
      'overhead',
      'metric-only run elapsed s / CLI wall s',
      `${round(ms.elapsedMs / 1000, 2)} / ${round(m.wallMs / 1000, 2)}`,
    )
    cleanup(name)
    details.overhead = {
      judge: {
        elapsedMs: r.summary.elapsedMs,
        wallMs: round(r.result.wallMs),
        cellsPerSec: round(r.cellsPerSec),
        maxInFlight: r.stats.maxInFlight,
        cells: r.summary.cells,
        tokens,
        peakRssMB: r.result.peakRssMB,
      },
      metricOnly: {
        elapsedMs: ms.elapsedMs,
        wallMs: round(m.wallMs),
        cellsPerSec: round(mRate),
        cells: ms.cells,
        peakRssMB: m.peakRssMB,
      },
    }
  },

  async stop() {
    const name = 'stop'
    const concurrency = 16
    const stub = await startStub({ latencyMs: 100, seed: 7 })
    try {
      const yaml = await evaluationFile(name, { rows: 2000, stubUrl: stub.url, concurrency })
      let sigintAt = 0
      let sigintSent
      const result = await runCli(yaml, dbFor(name), {
        onSpawn: (proc) => {
          // The stop lands ~1 s after the first request reached the stub (start-up and import
          // vary with the machine), so the run is in full flight.
          sigintSent = (async () => {
            for (;;) {
              if (proc.exitCode !== null) throw new Error('stop: the CLI ended before the signal')
              const s = await stub.stats(false)
              if (s.requestsStarted > 0) break
              await sleep(20)
            }
            await sleep(1000)
            sigintAt = now()
            proc.kill('SIGINT')
          })()
        },
      })
      await sigintSent
      const summary = requireSummary(name, result, [0, 130])
      await sleep(200) // the stub has seen every aborted request by now
      const stats = await stub.stats(true)
      const db = inspectDb(dbFor(name), summary.runId)
      const startedAfter = stats.startedAt.filter((t) => t > sigintAt)
      const lastStartBefore = Math.max(...stats.startedAt.filter((t) => t <= sigintAt))
      const finishedAfter = stats.finishedAt.filter((t) => t > sigintAt).length
      const stoppedAt = Date.parse(db.run.finished_at)
      const stoppingLine = result.stderrEvents.find((e) => e.text.includes('Stopping'))
      const toExit = result.exitedAt - sigintAt
      const toStopped = stoppedAt - sigintAt
      const tokens = tokenCheck(summary, stats)
      record(
        'stop',
        'SIGINT → run stopped (runs.finished_at)',
        `${round(toStopped)} ms`,
        '≤ 100 ms',
        toStopped <= 100,
      )
      record(
        'stop',
        'SIGINT → CLI process exit',
        `${round(toExit)} ms`,
        '(info: includes summary + DB close + exit)',
      )
      record(
        'stop',
        'SIGINT → "Stopping" line on stderr',
        stoppingLine ? `${round(stoppingLine.at - sigintAt)} ms` : 'none',
      )
      record(
        'stop',
        'requests started after SIGINT',
        startedAfter.length,
        '0',
        startedAfter.length === 0,
      )
      record(
        'stop',
        'tokens counted == billed',
        `${tokens.counted} vs ${tokens.billed}`,
        'equal',
        tokens.equal,
      )
      record(
        'stop',
        'status / exit code',
        `${summary.status} / ${result.code}`,
        'stopped / 130',
        summary.status === 'stopped' && result.code === 130,
      )
      record(
        'stop',
        'cells done / error / stopped / pending',
        `${summary.cells.done} / ${summary.cells.error} / ${summary.cells.stopped} / ${summary.cells.pending}`,
      )
      record(
        'stop',
        'stub: finished / aborted / failed',
        `${stats.requestsFinished} / ${stats.requestsAborted} / ${stats.requestsFailed}`,
      )
      details.stop = {
        sigintToStoppedMs: round(toStopped, 1),
        sigintToExitMs: round(toExit, 1),
        sigintToStoppingLineMs: stoppingLine ? round(stoppingLine.at - sigintAt, 1) : null,
        requestsStartedAfterSigint: startedAfter.length,
        firstStartAfterSigintMs: startedAfter.length
          ? round(Math.min(...startedAfter) - sigintAt, 2)
          : null,
        lastStartBeforeSigintMs: round(sigintAt - lastStartBefore, 2),
        responsesFinishedAfterSigint: finishedAfter,
        tokens,
        runElapsedMs: summary.elapsedMs,
        status: summary.status,
        exitCode: result.code,
        cells: summary.cells,
        dbResults: db.byStatus,
        stub: {
          started: stats.requestsStarted,
          finished: stats.requestsFinished,
          aborted: stats.requestsAborted,
          failed: stats.requestsFailed,
          inFlight: stats.inFlight,
        },
      }
    } finally {
      await stub.close()
      cleanup(name)
    }
  },

  async rss() {
    const concurrency = 64
    const r = await judgeRun('rss', { rows: 100_000, latencyMs: 0, concurrency, metric: true })
    const tokens = tokenCheck(r.summary, r.stats)
    record(
      'rss',
      'peak RSS (100,000 rows × judge + exact-match)',
      `${r.result.peakRssMB} MB`,
      '≤ 300 MB',
      r.result.peakRssMB <= 300,
    )
    record(
      'rss',
      'cells done / error',
      `${r.summary.cells.done} / ${r.summary.cells.error}`,
      `${r.summary.cells.total}`,
      r.finished === r.summary.cells.total,
    )
    record(
      'rss',
      'cells/s, run elapsed s / CLI wall s',
      `${round(r.cellsPerSec)}, ${round(r.summary.elapsedMs / 1000, 1)} / ${round(r.result.wallMs / 1000, 1)}`,
    )
    record(
      'rss',
      'tokens counted == billed',
      `${tokens.counted} vs ${tokens.billed}`,
      'equal',
      tokens.equal,
    )
    details.rss = {
      peakRssMB: r.result.peakRssMB,
      elapsedMs: r.summary.elapsedMs,
      wallMs: round(r.result.wallMs),
      cellsPerSec: round(r.cellsPerSec),
      cells: r.summary.cells,
      tokens,
    }
  },

  async faults() {
    const name = 'faults'
    const concurrency = 64
    const faults = { 500: 0.1, 429: 0.1, malformed: 0.05, hang: 0.02 }
    // Retry-After 0.25 s (the engine's floor): every 429 pauses the whole connection, and the
    // stub's default of 1 s would make this benchmark several minutes long.
    const stub = await startStub({ latencyMs: 0, seed: 42, faults, retryAfterS: 0.25 })
    try {
      const yaml = await evaluationFile(name, {
        rows: 10_000,
        stubUrl: stub.url,
        concurrency,
        timeoutMs: 2000,
      })
      const result = await runCli(yaml, dbFor(name))
      const summary = requireSummary(name, result, [0, 1])
      await sleep(200)
      const stats = await stub.stats(false)
      const db = inspectDb(dbFor(name), summary.runId)
      const c = summary.cells
      const tokens = tokenCheck(summary, stats)
      const dbTokensEqual =
        db.tokensIn === summary.tokens.input && db.tokensOut === summary.tokens.output
      const allEnded = c.done + c.error === c.total && c.stopped === 0 && c.pending === 0
      record(
        'faults',
        'cells done + error == total, stopped 0, pending 0',
        `${c.done} + ${c.error} of ${c.total}; ${c.stopped}, ${c.pending}`,
        'all ended',
        allEnded,
      )
      record(
        'faults',
        'error cells without a reason',
        db.errorsWithoutReason,
        '0',
        db.errorsWithoutReason === 0,
      )
      record(
        'faults',
        'cell_results rows (distinct cells) for the run',
        `${db.n} (${db.distinctCells})`,
        `${c.total}`,
        db.n === c.total && db.distinctCells === c.total,
      )
      record(
        'faults',
        'tokens counted == billed',
        `${tokens.counted} vs ${tokens.billed}`,
        'equal',
        tokens.equal,
      )
      record(
        'faults',
        'tokens in cell_results == run totals',
        `${db.tokensIn + db.tokensOut}`,
        'equal',
        dbTokensEqual,
      )
      record(
        'faults',
        'run elapsed s / CLI wall s',
        `${round(summary.elapsedMs / 1000, 1)} / ${round(result.wallMs / 1000, 1)}`,
      )
      record(
        'faults',
        'stub requests / injected faults',
        `${stats.requestsStarted} / ${JSON.stringify(stats.byFault)}`,
      )
      details.faults = {
        status: summary.status,
        cells: c,
        db: {
          rows: db.n,
          distinctCells: db.distinctCells,
          byStatus: db.byStatus,
          errorsWithoutReason: db.errorsWithoutReason,
          tokensIn: db.tokensIn,
          tokensOut: db.tokensOut,
          reasons: db.reasons,
        },
        tokens: { ...tokens, summary: summary.tokens, billed: stats.tokensBilled },
        stub: {
          started: stats.requestsStarted,
          finished: stats.requestsFinished,
          failed: stats.requestsFailed,
          aborted: stats.requestsAborted,
          byFault: stats.byFault,
        },
        generations: summary.generations,
        elapsedMs: summary.elapsedMs,
        wallMs: round(result.wallMs),
      }
    } finally {
      await stub.close()
      cleanup(name)
    }
  },
}

// ---------------------------------------------------------------- main

const selected = process.argv.slice(2)
for (const name of selected) {
  if (!(name in BENCHMARKS)) {
    console.error(`unknown benchmark "${name}"; choose from ${Object.keys(BENCHMARKS).join(', ')}`)
    process.exit(2)
  }
}
const names = selected.length ? selected : Object.keys(BENCHMARKS)

// Builds the CLI bundle now if a source changed, so no benchmark pays for it.
const warm = spawnSync(process.execPath, [CLI, '--help'], { cwd: ROOT, encoding: 'utf8' })
if (warm.status !== 0) throw new Error(`the CLI does not start: ${warm.stderr}`)

const startedAt = Date.now()
let failed = false
try {
  for (const name of names) {
    const t0 = now()
    process.stderr.write(`engine bench: ${name}…\n`)
    try {
      await BENCHMARKS[name]()
    } catch (error) {
      failed = true
      record(name, 'FAILED', String(error?.message ?? error).slice(0, 200), '', false)
      details[name] = { error: String(error?.stack ?? error) }
    }
    process.stderr.write(`engine bench: ${name} took ${round((now() - t0) / 1000, 1)} s\n`)
  }
} finally {
  killAll()
}
console.table(rows)
console.log(
  JSON.stringify({
    date: new Date(startedAt).toISOString(),
    node: process.version,
    seconds: round((Date.now() - startedAt) / 1000, 1),
    benchmarks: names,
    results: rows,
    details,
  }),
)
if (failed) process.exitCode = 1
