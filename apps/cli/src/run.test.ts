import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { type StubLlm, startStubLlm } from '@assay/stub-llm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Io } from './io.js'
import { main } from './main.js'

const REPO = resolve(import.meta.dirname, '../../..')
const SAMPLE = join(REPO, 'data/truthfulqa/truthfulqa_sample.csv')
const BIN = join(REPO, 'apps/cli/bin/assay.js')

let dir: string
let stub: StubLlm
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assay-run-'))
  stub = await startStubLlm()
})
afterAll(async () => {
  await stub?.close()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => {
  stub.configure({ latencyMs: 0, jitterMs: 0, faults: {} })
  stub.resetStats()
})

type StubStats = ReturnType<StubLlm['stats']>

/** The stub in a child process, reached over HTTP only. */
async function startStubProcess(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'packages/stub-llm/src/main.ts'), '--port', '0', ...args],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const url = await new Promise<string>((done, fail) => {
    let text = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const match = /listening on (\S+)/.exec(text)
      if (match) done(match[1] as string)
    })
    child.on('exit', (code) => fail(new Error(`stub exited with ${code}`)))
  })
  const base = url.replace(/\/v1$/, '')
  return {
    url,
    stats: async (): Promise<StubStats> =>
      (await fetch(`${base}/stats?timestamps=0`)).json() as Promise<StubStats>,
    close: async () => {
      child.kill('SIGTERM')
      await new Promise((done) => child.once('exit', done))
    },
  }
}

type Outcome = { code: number; out: string; err: string }

async function assay(
  args: string[],
  options: {
    db: string
    env?: Record<string, string>
    onProgress?: (line: string, interrupt: () => void) => void
  },
): Promise<Outcome> {
  let out = ''
  let err = ''
  let interrupt: () => void = () => {}
  const io: Io = {
    out: (t) => {
      out += t
    },
    err: (t) => {
      err += t
    },
    progress: (line) => options.onProgress?.(line, interrupt),
    progressDone: () => {},
    isTty: true,
    onInterrupt: (handler) => {
      interrupt = handler
      return () => {
        interrupt = () => {}
      }
    },
    exit: () => {},
    stdout: new PassThrough(),
    env: {
      ASSAY_DATABASE_URL: join(dir, options.db),
      STUB_URL: stub.url,
      ASSAY_RUN_HEARTBEAT_MS: '100',
      ...options.env,
    },
    cwd: dir,
  }
  const code = await main(['node', 'assay', ...args], io)
  return { code, out, err }
}

function evaluationFile(name: string, extra = '', evaluation = name): string {
  const path = join(dir, `${name}.yaml`)
  writeFileSync(
    path,
    `project: demo
evaluation: ${evaluation}
dataset: ${SAMPLE}
cache: false
connections:
  judge: { provider: openai-compatible, baseURL: "\${STUB_URL}", model: judge-1, concurrency: 8, prices: { input: 1, output: 2 } }
columns:
  - { name: answer, type: prompt, connection: judge, prompt: "Answer briefly ({{row_id}}): {{question}}" }
evaluators:
  - name: relevance
    use: query-relevance
    connection: judge
    map: { query: question, input: question, output: answer }
    threshold: "> 2.5"
  - { name: exact, use: exact-match, map: { output: candidate_answer, expected: best_answer }, compareWith: is_true }
${extra}`,
  )
  return path
}

describe('assay run', () => {
  it('runs generators, judges and metrics and prints the JSON summary; tokens equal what the stub billed', async () => {
    const file = evaluationFile('full', 'gate: { relevance: 0.1, exact: 0.05 }')
    const result = await assay(['run', file, '--json'], { db: 'full.db' })
    expect(result.err).not.toMatch(/assay:/)
    expect(result.code).toBe(0)
    const summary = JSON.parse(result.out)
    expect(summary).toMatchObject({
      status: 'completed',
      rows: { total: 200, processed: 200 },
      cells: { total: 600, done: 600, error: 0, stopped: 0, pending: 0, cached: 0 },
      generations: 400,
    })
    const billed = stub.stats().tokensBilled
    expect(summary.tokens).toEqual({ input: billed.prompt, output: billed.completion })
    expect(summary.cost).toBeCloseTo((billed.prompt * 1 + billed.completion * 2) / 1e6, 10)
    expect(stub.stats().requestsStarted).toBe(400)
    const { relevance, exact } = summary.evaluators
    expect(relevance.pass + relevance.fail + relevance.error).toBe(200)
    expect(exact.agreement.n).toBe(200)
    expect(exact.agreement.accuracy).toBeGreaterThan(0)
    // Running the same file again has nothing unfinished: no request is made.
    stub.resetStats()
    const again = await assay(['run', file, '--json'], { db: 'full.db' })
    expect(JSON.parse(again.out).cells.total).toBe(0)
    expect(stub.stats().requestsStarted).toBe(0)
  })

  it('tests a column on chosen rows without storing anything', async () => {
    const file = evaluationFile('tested')
    const result = await assay(['test', file, '--column', 'answer', '--rows', '1,3', '--json'], {
      db: 'tested.db',
    })
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
    const outcomes = JSON.parse(result.out)
    expect(
      outcomes.map((o: { row: number; outcome: { status: string } }) => [o.row, o.outcome.status]),
    ).toEqual([
      [1, 'done'],
      [3, 'done'],
    ])
    expect(outcomes[0].tokens.input).toBeGreaterThan(0)
    expect(stub.stats().requestsStarted).toBe(2)
    // Nothing was stored: the run that follows still generates every row.
    const run = await assay(['run', file, '--json'], { db: 'tested.db' })
    expect(JSON.parse(run.out).cells.total).toBe(600)
    const missing = await assay(['test', file, '--column', 'nope'], { db: 'tested.db' })
    expect(missing.code).toBe(2)
    expect(missing.err).toMatch(/no column named "nope"/)
  })

  it('exits 1 when a gate is missed, and says which', async () => {
    const file = evaluationFile('gated', 'gate: { exact: 0.99 }')
    const result = await assay(['run', file], { db: 'gated.db' })
    expect(result.code).toBe(1)
    expect(result.out).toMatch(/GATE MISSED: exact pass rate 0\.\d+ < 0\.99/)
  })

  it.each([
    [
      'an unset environment variable',
      'demo',
      'budget: { tokens: 10 }\n',
      (text: string) => text.replace('$'.concat('{STUB_URL}'), '$'.concat('{NOPE_URL}')),
      /line 6.*environment variable NOPE_URL is not set/,
    ],
    [
      'a threshold outside the scale',
      'demo',
      '',
      (text: string) => text.replace('"> 2.5"', '"> 9"'),
      /line 15 \(evaluators\[0\]|threshold/,
    ],
    ['an unknown key', 'demo', 'colums: []\n', (text: string) => text, /colums/],
    [
      'an unknown evaluator',
      'demo',
      '',
      (text: string) => text.replace('use: query-relevance', 'use: relevancy'),
      /unknown evaluator "relevancy"/,
    ],
    [
      'a mapping to a missing column',
      'demo',
      '',
      (text: string) => text.replace('output: answer }', 'output: answr }'),
      /no such column: \{\{output\}\} → "answr"/,
    ],
    ['broken YAML', 'demo', '', (text: string) => `${text}\n  - [unclosed`, /line \d+/],
  ])('refuses %s with exit code 2 and says where', async (_name, _p, extra, edit, message) => {
    const base = evaluationFile(`bad-${Math.random().toString(36).slice(2)}`, extra)
    const { readFileSync } = await import('node:fs')
    writeFileSync(base, edit(readFileSync(base, 'utf8')))
    const result = await assay(['run', base], { db: 'bad.db' })
    expect(result.code).toBe(2)
    expect(result.err).toMatch(message)
    expect(stub.stats().requestsStarted).toBe(0)
  })

  it('stops on Ctrl+C keeping what was done, then resumes the same run without asking twice', async () => {
    // The stub runs in its own process here, as a provider would: its billing then sees our
    // aborts the way a real server does, not through this process's event loop.
    const external = await startStubProcess(['--latency', '40'])
    try {
      const file = evaluationFile('stop')
      let interrupted = false
      const env = { STUB_URL: external.url }
      const first = await assay(['run', file, '--json'], {
        db: 'stop.db',
        env,
        onProgress: (line, interrupt) => {
          const done = Number(/cells (\d+)\//.exec(line)?.[1] ?? 0)
          if (!interrupted && done >= 40) {
            interrupted = true
            interrupt()
          }
        },
      })
      expect(first.code).toBe(130)
      expect(first.err).toMatch(/Resume with: npx assay run .*stop\.yaml --resume run_/)
      const stopped = JSON.parse(first.out)
      expect(stopped.status).toBe('stopped')
      expect(stopped.cells.done).toBeGreaterThanOrEqual(40)
      expect(stopped.cells.done).toBeLessThan(600)
      const atStop = await external.stats()
      expect(atStop.requestsAborted + atStop.requestsFinished).toBe(atStop.requestsStarted)
      // Every answer this process received is stored and counted. An answer the stub finished
      // writing but this process had not read yet when the stop aborted it (a loaded machine can
      // starve the event loop past the stop's drain window) is the only possible gap: at most
      // one per request in flight, and only then may the counts differ.
      const unread = atStop.requestsFinished - stopped.generations
      expect(unread).toBeGreaterThanOrEqual(0)
      expect(unread).toBeLessThanOrEqual(8)
      if (unread === 0) {
        expect(stopped.tokens).toEqual({
          input: atStop.tokensBilled.prompt,
          output: atStop.tokensBilled.completion,
        })
      } else expect(stopped.tokens.input).toBeLessThan(atStop.tokensBilled.prompt)

      const second = await assay(['run', file, '--json', '--resume', stopped.runId], {
        db: 'stop.db',
        env,
      })
      expect(second.code).toBe(0)
      const resumed = JSON.parse(second.out)
      expect(resumed).toMatchObject({
        runId: stopped.runId,
        status: 'completed',
        cells: { total: 600, done: 600 },
      })
      expect(resumed.elapsedMs).toBeGreaterThan(stopped.elapsedMs)
      const end = await external.stats()
      // Nothing stored ran twice: one received answer per model cell over both segments.
      expect(stopped.generations + resumed.generations).toBe(400)
      expect(end.requestsFinished).toBe(400 + unread)
      if (unread === 0) {
        expect(resumed.tokens).toEqual({
          input: end.tokensBilled.prompt,
          output: end.tokensBilled.completion,
        })
      }
    } finally {
      await external.close()
    }
  })

  it('resumes a run whose process was killed with SIGKILL, without running a stored cell again', async () => {
    stub.configure({ latencyMs: 30 })
    const file = evaluationFile('killed')
    const env = {
      ...process.env,
      ASSAY_DATABASE_URL: join(dir, 'killed.db'),
      STUB_URL: stub.url,
      ASSAY_RUN_HEARTBEAT_MS: '100',
    }
    const child: ChildProcess = spawn(process.execPath, [BIN, 'run', file], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise((done) => child.on('exit', done))
    const deadline = Date.now() + 20_000
    while (stub.stats().requestsFinished < 60 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGKILL')
    await exited
    const runId = /Run (run_\w+) started/.exec(stderr)?.[1]
    expect(runId).toBeDefined()
    await new Promise((r) => setTimeout(r, 400)) // the heartbeat goes stale
    // A new run of the same evaluation is refused, naming the run to resume; nothing is called.
    const started = stub.stats().requestsStarted
    const fresh = await assay(['run', file, '--json'], { db: 'killed.db' })
    expect(fresh.code).toBe(2)
    expect(fresh.err).toContain(
      `run ${runId} of this evaluation is queued and not finished; continue it with: npx assay run ${file} --resume ${runId}`,
    )
    expect(stub.stats().requestsStarted).toBe(started)
    const before = stub.stats()
    const resumed = await assay(['run', file, '--json', '--resume', runId as string], {
      db: 'killed.db',
    })
    expect(resumed.err).not.toMatch(/assay:/)
    expect(resumed.code).toBe(0)
    const summary = JSON.parse(resumed.out)
    expect(summary).toMatchObject({ status: 'completed', cells: { total: 600, done: 600 } })
    // The killed process may have lost in-flight answers (at most its concurrency per column
    // level), but every cell stored before the kill was not asked again.
    const after = stub.stats()
    const secondSegment = after.requestsFinished - before.requestsFinished
    expect(before.requestsFinished + secondSegment).toBeLessThanOrEqual(400 + 16)
    expect(secondSegment).toBeLessThan(400)
  })
})
