// bench/results-query: the results table's read side (ResultsQueryRepository) on SQLite at
// table scale. Builds a 100k-row evaluation (3 data columns, ~250 bytes a row) with 2 evaluator
// columns (a 1..5 judge with threshold > 3 and a boolean one) holding results from 2 runs (every
// cell in run A, 60 % of them again in run B, some errors, some of them unparseable), through the
// real repositories (importRows, cellResults.putMany), then times the queries the server calls.
// Each query runs once to warm up, then REPEAT times; the median and min server times are shown.
// The offset cases are the scrollbar dragged far down: one page at a position, no cursor walk.
//
// Usage: npm run bench:results [-- ROWS]   (default 100000; BENCH_REPEAT, default 9)
// BENCH_KEEP_DB=1 keeps the database in bench/data/results-db and reuses it on the next run.
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createSqlRepositories, migrateToLatest, openDatabase } from '@assay/storage'
// The fakes' files, not @assay/core/testing (whose index brings in the vitest contract suites).
import { createFixedClock } from '../../packages/core/src/testing/fixed-clock.ts'
import { createPlainSecretBox } from '../../packages/core/src/testing/plain-secret-box.ts'
import { createSeqIds } from '../../packages/core/src/testing/seq-ids.ts'
import { rng, sentence } from '../lib/text.mjs'

const ROWS = Number(process.argv[2] ?? 100_000)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 9)
const keep = process.env.BENCH_KEEP_DB === '1'
const dir = join('bench', 'data', 'results-db')
const file = join(dir, `assay-${ROWS}.db`)
const reuse = keep && existsSync(file)
if (!reuse) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
}

const opened = openDatabase(file)
await migrateToLatest(opened.db, opened.dialect)
const clock = createFixedClock()
const repos = createSqlRepositories({
  db: opened.db,
  dialect: opened.dialect,
  ids: createSeqIds(),
  clock,
  secretBox: createPlainSecretBox(),
})

const VOCABULARY = [
  'the',
  'model',
  'answer',
  'question',
  'Paris',
  'capital',
  'of',
  'France',
  'is',
  'a',
  'city',
  'river',
  'mountain',
  'Einstein',
  'physics',
  'theory',
  'relativity',
  'quantum',
  'energy',
  'cat',
  'dog',
  'climate',
  'ocean',
  'population',
  'history',
  'empire',
  'Rome',
  'war',
  'peace',
  'music',
]

async function build() {
  const started = performance.now()
  const project = await repos.projects.create({ name: 'bench', createdBy: null })
  const evaluation = await repos.evaluations.create({
    projectId: project.id,
    name: `results-${ROWS}`,
    createdBy: null,
  })
  const r = rng(42)
  async function* batches() {
    for (let start = 0; start < ROWS; start += 5000) {
      const batch = []
      for (let i = start; i < Math.min(ROWS, start + 5000); i++) {
        batch.push([
          `Q${i}: ${sentence(r, VOCABULARY, 12)}?`,
          sentence(r, VOCABULARY, 20),
          sentence(r, VOCABULARY, 8),
        ])
      }
      yield batch
    }
  }
  await repos.rows.importRows(evaluation.id, ['question', 'answer', 'reference'], batches())
  const add = (name, threshold, evaluatorId) =>
    repos.columns.add({
      evaluationId: evaluation.id,
      name,
      config: {
        kind: 'evaluator',
        evaluator: {
          evaluatorId,
          connectionId: null,
          params: {},
          mapping: {},
          threshold,
          options: {},
          compareWithColumnId: null,
        },
      },
    })
  const judge = await add('coherence', { op: '>', value: 3 }, 'coherence')
  const safe = await add('bias', null, 'bias_detection')
  const draft = {
    evaluationId: evaluation.id,
    status: 'completed',
    scope: { mode: 'all', columnIds: null, rowIds: null },
    startedBy: null,
    createdAt: clock.isoNow(),
    segmentStartedAt: null,
    elapsedMs: 0,
    segments: 1,
    finishedAt: null,
    tokensIn: 0,
    tokensOut: 0,
    cost: 0,
    budget: null,
    stopReason: null,
  }
  const runA = await repos.runs.create(draft)
  const runB = await repos.runs.create(draft)
  const built = performance.now()
  let rowIndex = 0
  let pending = []
  const flush = async () => {
    if (pending.length > 0) await repos.cellResults.putMany(pending)
    pending = []
  }
  for await (const row of repos.rows.stream(evaluation.id, { pageSize: 5000 })) {
    for (const [run, second, share] of [
      [runA, '01', 1],
      [runB, '02', 0.6],
    ]) {
      if (r() >= share) continue
      for (const column of [judge, safe]) {
        const roll = r()
        const base = {
          runId: run.id,
          rowId: row.id,
          columnId: column.id,
          explanation: 'The answer is clear and stays on the question.',
          raw: '{"score":4,"explanation":"The answer is clear and stays on the question."}',
          tokensIn: 420,
          tokensOut: 38,
          cost: 0.00021,
          latencyMs: 640,
          attempts: 1,
          model: 'gpt-bench',
          promptHash: 'sha256:bench',
          cached: false,
          finishedAt: `2026-01-01T00:00:${second}.000Z`,
        }
        if (roll < 0.03) {
          const code = roll < 0.01 ? 'judge_unparseable' : 'timeout'
          pending.push({
            ...base,
            status: 'error',
            value: null,
            pass: null,
            error: { code, message: 'no answer', retryable: false },
          })
        } else {
          const score = column === judge ? 1 + Math.floor(r() * 5) : r() < 0.8 ? 1 : 0
          const pass = column === judge ? score > 3 : score === 1
          pending.push({ ...base, status: 'done', value: score, pass, error: null })
        }
      }
    }
    rowIndex++
    if (pending.length >= 2000) await flush()
  }
  await flush()
  const done = performance.now()
  process.stderr.write(
    `built ${rowIndex} rows in ${((built - started) / 1000).toFixed(1)} s, results in ` +
      `${((done - built) / 1000).toFixed(1)} s\n`,
  )
  return { evaluation, judge, safe, runA, runB }
}

async function existing() {
  const [project] = await repos.projects.list()
  const [evaluation] = await repos.evaluations.list(project.id)
  const columns = await repos.columns.list(evaluation.id)
  const [runA, runB] = await repos.runs.list(evaluation.id)
  return {
    evaluation,
    judge: columns.find((c) => c.name === 'coherence'),
    safe: columns.find((c) => c.name === 'bias'),
    runA,
    runB,
  }
}

const { evaluation, judge, safe, runA, runB } = reuse ? await existing() : await build()
const id = evaluation.id
const textFilter = { type: 'text', columnId: null, op: 'contains', value: 'einstein physics' }
const columns = await repos.columns.list(id)
textFilter.columnId = columns.find((c) => c.name === 'answer').id
const failFilter = { type: 'verdict', columnId: judge.id, values: ['fail'] }
const judgedFilter = { type: 'verdict', columnId: judge.id, values: ['pass', 'fail'] }
const questionId = columns.find((c) => c.name === 'question').id
const scales = { [judge.id]: { kind: 'score', min: 1, max: 5 } }
const secondPage = (await repos.resultsQuery.page(id, { filters: [textFilter], limit: 100 }))
  .nextCursor

const cases = [
  ['page: first 100 rows, no filter', () => repos.resultsQuery.page(id, { limit: 100 })],
  [
    'page: first 100, text filter (answer contains "einstein physics")',
    () => repos.resultsQuery.page(id, { filters: [textFilter], limit: 100 }),
  ],
  [
    'page: next 100, same text filter (cursor)',
    () => repos.resultsQuery.page(id, { filters: [textFilter], limit: 100, cursor: secondPage }),
  ],
  [
    'page: first 100, verdict filter (coherence = fail)',
    () => repos.resultsQuery.page(id, { filters: [failFilter], limit: 100 }),
  ],
  [
    'page: first 100, sorted by coherence score desc',
    () =>
      repos.resultsQuery.page(id, {
        sort: { columnId: judge.id, direction: 'desc' },
        limit: 100,
      }),
  ],
  [
    'page: first 100, text filter + sort by score',
    () =>
      repos.resultsQuery.page(id, {
        filters: [textFilter],
        sort: { columnId: judge.id, direction: 'desc' },
        limit: 100,
      }),
  ],
  [
    'page: first 100 of run A (given run), verdict filter',
    () => repos.resultsQuery.page(id, { filters: [failFilter], limit: 100, runId: runA.id }),
  ],
  ['page: first 500 rows, no filter', () => repos.resultsQuery.page(id, { limit: 500 })],
  [
    'page: 500 at offset 90,000, no filter',
    () => repos.resultsQuery.page(id, { offset: 90_000, limit: 500 }),
  ],
  [
    'page: 500 at offset 90,000, verdict filter (coherence = pass or fail)',
    () => repos.resultsQuery.page(id, { filters: [judgedFilter], offset: 90_000, limit: 500 }),
  ],
  [
    'page: 500 at offset 50,000, verdict filter (coherence = fail)',
    () => repos.resultsQuery.page(id, { filters: [failFilter], offset: 50_000, limit: 500 }),
  ],
  [
    'page: 500 at offset 90,000, sorted by coherence score desc',
    () =>
      repos.resultsQuery.page(id, {
        sort: { columnId: judge.id, direction: 'desc' },
        offset: 90_000,
        limit: 500,
      }),
  ],
  [
    'page: 500 at offset 90,000, sorted by question text',
    () =>
      repos.resultsQuery.page(id, {
        sort: { columnId: questionId, direction: 'asc' },
        offset: 90_000,
        limit: 500,
      }),
  ],
  ['aggregate: no filter', () => repos.resultsQuery.aggregate(id, {}, { scales })],
  [
    'aggregate: text filter',
    () => repos.resultsQuery.aggregate(id, { filters: [textFilter] }, { scales }),
  ],
  [
    'aggregate: verdict filter',
    () => repos.resultsQuery.aggregate(id, { filters: [failFilter] }, { scales }),
  ],
  [
    'agreement: coherence vs bias, no filter',
    () => repos.resultsQuery.agreement(id, judge.id, safe.id),
  ],
  ['compareRuns: A vs B, first 100 flips', () => repos.resultsQuery.compareRuns(runA.id, runB.id)],
]

const results = []
for (const [name, run] of cases) {
  const first = await run()
  const times = []
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const rows = first.rows?.length ?? first.changes?.length ?? first.n
  const total = first.total ?? first.rows ?? first.changedRows
  results.push({
    query: name,
    'median ms': +times[Math.floor(times.length / 2)].toFixed(1),
    'min ms': +times[0].toFixed(1),
    returned: Array.isArray(first.rows) ? first.rows.length : rows,
    matching: typeof total === 'number' ? total : '',
  })
}
console.table(results)
console.log(
  JSON.stringify({
    rows: ROWS,
    repeat: REPEAT,
    loadavg: loadavg().map((l) => +l.toFixed(2)),
    results,
  }),
)
await opened.close()
if (!keep) rmSync(dir, { recursive: true, force: true })
