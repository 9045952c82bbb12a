// Dev benchmark (not part of the suite): the judge run of `overhead` in this process, with CPU
// time measured from the run's start to its end only (no CLI start-up, no import).
// node --import tsx bench/engine/inproc-dev.ts ROWS CONCURRENCY LATENCY_MS [CAP_S]
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServices, loadConfig, runEvaluationFile } from '@assay/server'
import { generateEngineCsv } from './generate.mjs'
import { killAll, ROOT, startStub } from './processes.mjs'

const [rows = '20000', conc = '64', latency = '0', cap = '0'] = process.argv.slice(2)
const stub = await startStub({
  latencyMs: Number(latency),
  seed: 7,
  nodeArgs: process.env.STUB_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.STUB_PROF] : [],
})
/** The stub process's CPU time in ms (utime + stime from /proc, 10 ms ticks). */
const stubCpuMs = () => {
  const fields =
    readFileSync(`/proc/${stub.proc.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}
let stub0 = 0
const csv = join(ROOT, 'bench', 'data', `engine-${rows}.csv`)
if (!existsSync(csv)) await generateEngineCsv(csv, Number(rows))
const dir = mkdtempSync(join(tmpdir(), 'assay-inproc-'))
const yaml = join(dir, 'e.yaml')
writeFileSync(
  yaml,
  `project: bench\nevaluation: dev\ndataset: ${csv}\nconnections:\n  stub:\n    provider: openai-compatible\n    baseURL: ${stub.url}\n    model: stub-model\n    concurrency: ${conc}\nevaluators:\n  - name: coherence\n    use: coherence\n    connection: stub\n    map: { output: output }\n`,
)
// RUN_PROF=FILE: a CPU profile of the run alone (start to end), written to FILE.
const session = new Session()
async function startProfile() {
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
}
async function stopProfile(file: string) {
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(file, JSON.stringify(profile))
}
const env = { ...process.env, ASSAY_DATABASE_URL: join(dir, 'a.db') }
const services = await createServices(loadConfig(env))
let cpu0 = process.cpuUsage()
let t0 = performance.now()
let runId = ''
let capTimer: NodeJS.Timeout | undefined
const summary = await runEvaluationFile(services, yaml, {
  env,
  onRun: (run) => {
    runId = run.id
    cpu0 = process.cpuUsage()
    t0 = performance.now()
    stub0 = stubCpuMs()
    if (process.env.RUN_PROF) void startProfile()
    if (Number(cap) > 0)
      capTimer = setTimeout(() => void services.engine.stop(runId), Number(cap) * 1000)
  },
})
clearTimeout(capTimer)
if (process.env.RUN_PROF) await stopProfile(process.env.RUN_PROF)
const cpu = process.cpuUsage(cpu0)
const wall = performance.now() - t0
const done = summary.cells.done + summary.cells.error
const stats = (await stub.stats(false)) as { tokensBilled: { prompt: number; completion: number } }
console.log(
  JSON.stringify({
    cells: done,
    cellsPerSec: Math.round(done / (summary.elapsedMs / 1000)),
    cpuUsPerCell: Math.round((cpu.user + cpu.system) / done),
    cpuPerWall: +((cpu.user + cpu.system) / 1000 / wall).toFixed(2),
    stubCpuPerWall: +((stubCpuMs() - stub0) / wall).toFixed(2),
    tokensEqual:
      summary.tokens.input === stats.tokensBilled.prompt &&
      summary.tokens.output === stats.tokensBilled.completion,
    heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
  }),
)
{
  const st = (await stub.stats(true)) as unknown as { startedAt: number[]; finishedAt: number[] }
  const d = st.finishedAt.map((f, i) => f - (st.startedAt[i] ?? f)).sort((a, b) => a - b)
  console.log(
    'stub-side ms: mean',
    (d.reduce((a, b) => a + b, 0) / d.length).toFixed(2),
    'p50',
    d[d.length >> 1]?.toFixed(2),
    'p90',
    d[Math.floor(d.length * 0.9)]?.toFixed(2),
  )
}
{
  const results = await services.repos.cellResults.listForRun(runId)
  const lat = results.map((r) => r.latencyMs ?? 0).sort((a, b) => a - b)
  console.log(
    'latency ms: mean',
    (lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(1),
    'p50',
    lat[lat.length >> 1],
    'p90',
    lat[Math.floor(lat.length * 0.9)],
    'max',
    lat.at(-1),
  )
}
await services.close()
await stub.close()
killAll()
