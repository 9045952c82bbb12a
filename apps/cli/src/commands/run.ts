import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { AssayError } from '@assay/core'
import { parseEvaluationFile, type RunSummary, runEvaluationFile } from '@assay/server'
import type { Command } from 'commander'
import { EXIT } from '../exit-codes.js'
import type { Io } from '../io.js'
import { duration, progressLine } from '../render/progress-line.js'
import { withServices } from '../with-services.js'

type RunFlags = { json?: boolean; resume?: string }

export function runCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('run')
    .description('run an evaluation file (YAML): import, columns, evaluators, run, gates')
    .argument('<file>', 'evaluation file (see README: Evaluation as code)')
    .option('--json', 'print one JSON summary at the end (progress goes to stderr)')
    .option(
      '--resume <runId>',
      'resume this stopped or interrupted run instead of starting a new one',
    )
    .action(async (file: string, flags: RunFlags) => {
      const path = resolve(io.cwd, file)
      const text = await readFile(path, 'utf8').catch(() => {
        throw new AssayError('invalid_input', `cannot read ${file}`)
      })
      // Parsed once here for the engine settings; runEvaluationFile parses it again with the same env.
      const settings = parseEvaluationFile(text, io.env, file).run
      let interrupted = false
      let summary: RunSummary | undefined
      await withServices(
        io,
        async (services) => {
          let runId: string | undefined
          let lastDraw = 0
          let lastLine = ''
          const draw = (line: string, force = false) => {
            const now = Date.now()
            if (!force && now - lastDraw < (io.isTty ? 100 : 5000)) return
            lastDraw = now
            lastLine = line
            io.progress(line)
          }
          // Ctrl+C is a confirmed stop: nothing new starts, in-flight requests are aborted, and
          // everything finished so far is kept. A second Ctrl+C leaves at once.
          const onSigint = () => {
            if (interrupted || !runId) {
              io.err('\nassay: interrupted again, leaving now\n')
              io.exit(EXIT.interrupted)
              return
            }
            interrupted = true
            io.err('\nStopping: no new requests; waiting for in-flight ones to abort…\n')
            void services.engine
              .stop(runId, 'user')
              .catch((error: unknown) => io.err(`assay: ${String(error)}\n`))
          }
          const removeSigint = io.onInterrupt(onSigint)
          try {
            summary = await runEvaluationFile(services, path, {
              env: io.env,
              resumeRunId: flags.resume,
              onRun: (run) => {
                runId = run.id
                if (!flags.json) io.err(`Run ${run.id} started\n`)
              },
              onEvent: (event) => {
                if (event.type === 'progress')
                  draw(
                    progressLine(event.progress, Date.now()),
                    event.progress.status !== 'running',
                  )
              },
            })
          } finally {
            removeSigint()
            if (lastLine) io.progressDone()
          }
        },
        {
          ...(settings.timeoutMs ? { requestTimeoutMs: settings.timeoutMs } : {}),
          ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
        },
      )
      if (!summary) return
      if (flags.json) io.out(`${JSON.stringify(jsonSummary(summary))}\n`)
      else io.out(textSummary(summary, file))
      if (summary.status === 'stopped' && interrupted) {
        if (flags.json) io.err(resumeHint(summary, file))
        setCode(EXIT.interrupted)
      } else if (summary.status === 'failed') setCode(EXIT.infrastructure)
      else setCode(summary.gatesMissed.length > 0 ? EXIT.gateMissed : EXIT.ok)
    })
}

function jsonSummary(s: RunSummary) {
  return {
    runId: s.runId,
    status: s.status,
    rows: s.rows,
    cells: s.cells,
    generations: s.generations,
    tokens: s.tokens,
    cost: s.cost,
    elapsedMs: s.elapsedMs,
    evaluators: s.evaluators,
  }
}

function resumeHint(s: RunSummary, file: string): string {
  return `Resume with: npx assay run ${file} --resume ${s.runId}\n`
}

function textSummary(s: RunSummary, file: string): string {
  const lines = [
    `Run ${s.runId}: ${s.status}${s.stopReason ? ` (${s.stopReason})` : ''} in ${duration(s.elapsedMs)}`,
    `  rows ${s.rows.processed}/${s.rows.total} · cells done ${s.cells.done}, errors ${s.cells.error}, stopped ${s.cells.stopped}, pending ${s.cells.pending}, cached ${s.cells.cached}`,
    `  generations ${s.generations} · tokens ${s.tokens.input} in / ${s.tokens.output} out · cost ${s.cost === null ? 'unknown' : s.cost.toFixed(6)}`,
  ]
  for (const [name, e] of Object.entries(s.evaluators)) {
    const rate = e.passRate === null ? 'n/a' : `${(e.passRate * 100).toFixed(1)}%`
    let line = `  ${name}: pass ${e.pass}, fail ${e.fail}, error ${e.error}, pass rate ${rate}`
    if (e.agreement) {
      const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3))
      line += ` · agreement n=${e.agreement.n} accuracy ${f(e.agreement.accuracy)} kappa ${f(e.agreement.kappa)} spearman ${f(e.agreement.spearman)}`
    }
    lines.push(line)
  }
  for (const gate of s.gatesMissed) {
    lines.push(
      `  GATE MISSED: ${gate.evaluator} pass rate ${gate.passRate === null ? 'n/a' : gate.passRate.toFixed(3)} < ${gate.minimum}`,
    )
  }
  if (s.status === 'stopped') {
    lines.push(`  Kept everything finished before the stop. ${resumeHint(s, file).trim()}`)
  }
  return `${lines.join('\n')}\n`
}
