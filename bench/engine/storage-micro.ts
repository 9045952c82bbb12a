// Dev micro-benchmark (not part of the suite): the engine's storage work per judge cell on SQLite.
// node --import tsx bench/engine/storage-micro.ts [BATCH] (ONLY=label-part runs one measure)
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqlRepositories, migrateToLatest, openDatabase } from '@assay/storage'

const createSeqIds = () => {
  let n = 0
  return { next: (p: string) => `${p}_${++n}` }
}
const createPlainSecretBox = () => ({ seal: (t: string) => t, open: (t: string) => t })

const dir = mkdtempSync(join(tmpdir(), 'assay-micro-'))
const opened = openDatabase(join(dir, 'a.db'))
await migrateToLatest(opened.db, opened.dialect)
const clock = {
  now: () => Date.now(),
  isoNow: () => new Date().toISOString(),
  sleep: async () => {},
}
const repos = createSqlRepositories({
  db: opened.db,
  dialect: opened.dialect,
  ids: createSeqIds(),
  clock,
  secretBox: createPlainSecretBox(),
})
const project = await repos.projects.create({ name: 'p', createdBy: null })
const evaluation = await repos.evaluations.create({
  projectId: project.id,
  name: 'e',
  createdBy: null,
})
const N = 20000
async function* batches() {
  for (let i = 0; i < N; i += 1000) yield Array.from({ length: 1000 }, (_, j) => [`row ${i + j}`])
}
await repos.rows.importRows(evaluation.id, ['input'], batches())
const rows = await repos.rows.list(evaluation.id, { limit: N })
const column = await repos.columns.add({
  evaluationId: evaluation.id,
  name: 'out',
  config: {
    kind: 'generated',
    generator: { type: 'prompt', connectionId: null, prompt: 'x {{input}}', params: {} },
  },
})
const run = await repos.runs.create({
  evaluationId: evaluation.id,
  status: 'running',
  scope: { mode: 'unfinished', columnIds: null, rowIds: null },
  startedBy: null,
  createdAt: clock.isoNow(),
  segmentStartedAt: clock.isoNow(),
  elapsedMs: 0,
  segments: 1,
  finishedAt: null,
  tokensIn: 0,
  tokensOut: 0,
  cost: 0,
  budget: null,
  stopReason: null,
})
const result = (i: number) => ({
  runId: run.id,
  rowId: rows[i]!.id,
  columnId: column.id,
  status: 'done' as const,
  value: 4,
  pass: true,
  explanation: 'The output is coherent and well organised, it reads fine.',
  raw: '{"score":4,"explanation":"The output is coherent and well organised, it reads fine."}',
  tokensIn: 300,
  tokensOut: 40,
  cost: null,
  latencyMs: 1,
  attempts: 1,
  error: null,
  model: 'stub-model',
  promptHash: 'a'.repeat(64),
  cached: false,
  finishedAt: clock.isoNow(),
})
const key = (i: number) => i.toString(16).padStart(64, '0')
const B = Number(process.argv[2] ?? 50)
const only = process.env.ONLY
const time = async (label: string, n: number, fn: (i: number) => Promise<unknown>) => {
  if (only && !label.includes(only)) return
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < n; i += B) await fn(i)
  const c = process.cpuUsage(c0)
  console.log(
    label,
    'µs CPU per cell',
    ((c.user + c.system) / n).toFixed(1),
    'wall',
    (((performance.now() - t0) * 1000) / n).toFixed(1),
  )
}
await time('cache get (miss)', 5000, async (i) => {
  for (let j = i; j < i + B; j++) await repos.modelCache.get(key(j))
})
await time(`cache putMany x${B}`, 5000, (i) =>
  repos.modelCache.putMany(
    Array.from({ length: B }, (_, j) => ({
      key: key(i + j),
      answer: { text: 'x'.repeat(80), inputTokens: 300, outputTokens: 40, model: 'stub-model' },
    })),
  ),
)
await time('cache get (hit)', 5000, async (i) => {
  for (let j = i; j < i + B; j++) await repos.modelCache.get(key(j))
})
await time(`results putMany x${B}`, 10000, (i) =>
  repos.cellResults.putMany(Array.from({ length: B }, (_, j) => result(i + j))),
)
await time('results put, one at a time', 2000, async (i) => {
  for (let j = i; j < i + B; j++) await repos.cellResults.put(result(10000 + j))
})
await time(`cache getMany x${B}`, 5000, (i) =>
  repos.modelCache.getMany(Array.from({ length: B }, (_, j) => key(i + j))),
)
const { CompiledQuery } = await import('kysely')
await time('kysely select 1', 5000, async (i) => {
  for (let j = i; j < i + B; j++) await opened.db.executeQuery(CompiledQuery.raw('select 1', []))
})
const { CellResultSchema } = await import('@assay/core')
await time('zod CellResult parse', 5000, async (i) => {
  for (let j = i; j < i + B; j++) CellResultSchema.safeParse(result(j))
})
await time('result() build', 5000, async (i) => {
  for (let j = i; j < i + B; j++) result(j)
})
await opened.close()
