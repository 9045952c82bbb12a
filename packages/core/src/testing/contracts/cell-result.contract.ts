import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CellResult } from '../../domain/cell.js'
import type { Column } from '../../domain/column.js'
import type { Evaluation } from '../../domain/evaluation.js'
import type { Row } from '../../domain/row.js'
import type { Run } from '../../domain/run.js'
import type { Repositories } from '../../ports/repositories.js'
import {
  batchesOf,
  expectCode,
  type MakeHarness,
  type RepositoriesHarness,
  uniqueName,
} from './harness.js'

const byKey = (a: CellResult, b: CellResult) =>
  `${a.columnId}/${a.rowId.padStart(12, '0')}` < `${b.columnId}/${b.rowId.padStart(12, '0')}`
    ? -1
    : 1

export function describeCellResultContract(make: MakeHarness): void {
  describe('CellResultRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    type Setup = { evaluation: Evaluation; rows: Row[]; judge: Column; generator: Column; run: Run }

    /** An evaluation with `n` rows, an evaluator and a generated column, and a running run. */
    async function setup(n = 3, cost: number | null = 0): Promise<Setup> {
      const project = await repos.projects.create({ name: uniqueName('results'), createdBy: null })
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: uniqueName('results evaluation'),
        createdBy: null,
      })
      const data = Array.from({ length: n }, (_, i) => [`in ${i}`])
      await repos.rows.importRows(evaluation.id, ['input'], batchesOf(data, 100))
      const rows = await repos.rows.list(evaluation.id, { limit: n })
      const generator = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'output',
        config: {
          kind: 'generated',
          generator: { type: 'prompt', connectionId: null, prompt: 'Answer {{input}}', params: {} },
        },
      })
      const judge = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'judge',
        config: {
          kind: 'evaluator',
          evaluator: {
            evaluatorId: 'coherence',
            connectionId: null,
            params: {},
            mapping: { output: generator.id },
            threshold: { op: '>', value: 3 },
            options: {},
            compareWithColumnId: null,
          },
        },
      })
      const run = await repos.runs.create({
        evaluationId: evaluation.id,
        status: 'running',
        scope: { mode: 'unfinished', columnIds: null, rowIds: null },
        startedBy: null,
        createdAt: '2026-01-01T00:00:00.000Z',
        segmentStartedAt: '2026-01-01T00:00:00.000Z',
        elapsedMs: 0,
        segments: 1,
        finishedAt: null,
        tokensIn: 0,
        tokensOut: 0,
        cost,
        budget: null,
        stopReason: null,
      })
      return { evaluation, rows, judge, generator, run }
    }

    function result(s: Setup, rowIndex: number, patch: Partial<CellResult> = {}): CellResult {
      return {
        runId: s.run.id,
        rowId: s.rows[rowIndex]!.id,
        columnId: s.judge.id,
        status: 'done',
        value: 4,
        pass: true,
        explanation: 'clear and correct',
        raw: '{"score":4,"explanation":"clear and correct"}',
        tokensIn: 100,
        tokensOut: 20,
        cost: 0.25,
        latencyMs: 812,
        attempts: 1,
        error: null,
        model: 'gpt-test',
        promptHash: 'sha256:abc',
        cached: false,
        finishedAt: '2026-01-01T00:00:05.000Z',
        ...patch,
      }
    }

    it('stores a result once and reads every field back', async () => {
      const s = await setup()
      const stored = result(s, 0)
      expect(await repos.cellResults.put(stored)).toBe(true)
      expect(await repos.cellResults.get(s.run.id, stored.rowId, s.judge.id)).toEqual(stored)
      expect(await repos.cellResults.get(s.run.id, stored.rowId, s.generator.id)).toBeUndefined()
      expect(await repos.cellResults.get(s.run.id, 'nope', s.judge.id)).toBeUndefined()
      expect(await repos.runs.get(s.run.id)).toMatchObject({
        tokensIn: 100,
        tokensOut: 20,
        cost: 0.25,
      })
    })

    it('keeps the kinds of values and the other fields apart', async () => {
      const s = await setup(6)
      const variants: CellResult[] = [
        result(s, 0, { value: 0, pass: false }),
        result(s, 1, { value: '0', pass: null, columnId: s.generator.id, explanation: null }),
        result(s, 2, { value: '', pass: null, raw: '', explanation: '' }),
        result(s, 3, {
          status: 'error',
          value: null,
          pass: null,
          explanation: null,
          raw: 'not json: "score" = ?\r\n😀',
          error: { code: 'unparseable', message: 'no score in the answer', retryable: false },
          latencyMs: null,
          attempts: 3,
          cost: null,
          tokensIn: 0,
          tokensOut: 0,
        }),
        result(s, 4, {
          value: 0.375,
          cached: true,
          tokensIn: 0,
          tokensOut: 0,
          cost: 0,
          model: null,
          promptHash: null,
        }),
        result(s, 5, { status: 'skipped', value: null, pass: null, raw: null, explanation: null }),
      ]
      for (const variant of variants) expect(await repos.cellResults.put(variant)).toBe(true)
      for (const variant of variants) {
        expect(await repos.cellResults.get(variant.runId, variant.rowId, variant.columnId)).toEqual(
          variant,
        )
      }
    })

    it('refuses a second result for the same cell without counting its usage again', async () => {
      const s = await setup()
      const first = result(s, 0)
      expect(await repos.cellResults.put(first)).toBe(true)
      const retry = result(s, 0, { value: 1, pass: false, tokensIn: 999, tokensOut: 999, cost: 9 })
      expect(await repos.cellResults.put(retry)).toBe(false)
      expect(await repos.cellResults.get(s.run.id, first.rowId, s.judge.id)).toEqual(first)
      expect(await repos.runs.get(s.run.id)).toMatchObject({
        tokensIn: 100,
        tokensOut: 20,
        cost: 0.25,
      })
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(1)
    })

    it('counts the usage of concurrent puts of one cell exactly once', async () => {
      const s = await setup()
      const puts = Array.from({ length: 8 }, (_, i) =>
        repos.cellResults.put(result(s, 1, { tokensIn: 10 + i, tokensOut: 1, cost: 0.5 })),
      )
      const outcomes = await Promise.all(puts)
      expect(outcomes.filter((o) => o).length).toBe(1)
      const stored = await repos.cellResults.get(s.run.id, s.rows[1]!.id, s.judge.id)
      const run = await repos.runs.get(s.run.id)
      expect(run).toMatchObject({ tokensIn: stored?.tokensIn, tokensOut: 1, cost: 0.5 })
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(1)
    })

    it('adds up the usage of concurrent puts of different cells', async () => {
      const s = await setup(10)
      const outcomes = await Promise.all(
        s.rows.flatMap((_, i) => [
          repos.cellResults.put(result(s, i, { tokensIn: 3, tokensOut: 2, cost: 0.125 })),
          repos.cellResults.put(
            result(s, i, {
              columnId: s.generator.id,
              value: 'text',
              tokensIn: 1,
              tokensOut: 1,
              cost: 0.125,
            }),
          ),
        ]),
      )
      expect(outcomes.every((o) => o)).toBe(true)
      expect(await repos.runs.get(s.run.id)).toMatchObject({
        tokensIn: 40,
        tokensOut: 30,
        cost: 2.5,
      })
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(20)
    })

    it('stores a batch in one call, in order, adding its usage once', async () => {
      const s = await setup(5)
      expect(await repos.cellResults.putMany([])).toEqual([])
      const earlier = result(s, 0)
      expect(await repos.cellResults.put(earlier)).toBe(true)
      const batch = [
        result(s, 1, { tokensIn: 3, tokensOut: 2, cost: 0.125 }),
        result(s, 0, { value: 1, tokensIn: 999, tokensOut: 999, cost: 9 }), // already stored
        result(s, 2, { columnId: s.generator.id, value: 'text', tokensIn: 5, tokensOut: 1 }),
        result(s, 1, { value: 2, tokensIn: 777, tokensOut: 777, cost: 7 }), // earlier in the batch
        result(s, 3, {
          status: 'error',
          value: null,
          pass: null,
          cost: 0,
          tokensIn: 0,
          tokensOut: 0,
        }),
      ]
      expect(await repos.cellResults.putMany(batch)).toEqual([true, false, true, false, true])
      expect(await repos.cellResults.get(s.run.id, earlier.rowId, s.judge.id)).toEqual(earlier)
      expect(await repos.cellResults.get(s.run.id, s.rows[1]!.id, s.judge.id)).toEqual(batch[0])
      expect(await repos.cellResults.get(s.run.id, s.rows[2]!.id, s.generator.id)).toEqual(batch[2])
      expect(await repos.runs.get(s.run.id)).toMatchObject({
        tokensIn: 100 + 3 + 5,
        tokensOut: 20 + 2 + 1,
        cost: 0.25 + 0.125 + 0.25,
      })
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(4)
    })

    it('adds a batch spanning several runs to each run, and keeps an unknown cost unknown', async () => {
      const s = await setup(3)
      const { id: _id, ...draft } = s.run
      // Finished: an evaluation has one active run at a time.
      const other = await repos.runs.create({
        ...draft,
        status: 'completed',
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
      })
      const batch = [
        result(s, 0, { tokensIn: 1, tokensOut: 1, cost: 0.5 }),
        result(s, 0, { runId: other.id, tokensIn: 2, tokensOut: 2, cost: 0.5 }),
        result(s, 1, { runId: other.id, tokensIn: 0, tokensOut: 4, cost: null }),
        result(s, 2, { runId: other.id, tokensIn: 8, tokensOut: 0, cost: 0.25 }),
        // No tokens and no price: the first run's cost stays known.
        result(s, 1, { tokensIn: 0, tokensOut: 0, cost: null }),
      ]
      expect(await repos.cellResults.putMany(batch)).toEqual([true, true, true, true, true])
      expect(await repos.runs.get(s.run.id)).toMatchObject({ tokensIn: 1, tokensOut: 1, cost: 0.5 })
      expect(await repos.runs.get(other.id)).toMatchObject({
        tokensIn: 10,
        tokensOut: 6,
        cost: null,
      })
    })

    it('stores a large batch (statement sizes and id lists are chunked)', async () => {
      const s = await setup(700)
      const batch = s.rows.flatMap((_, i) => [
        result(s, i, { value: i % 5, tokensIn: 1, tokensOut: 2, cost: 0.125 }),
        ...(i % 3 === 0
          ? [
              result(s, i, {
                columnId: s.generator.id,
                value: `out ${i}`,
                tokensIn: 1,
                tokensOut: 0,
              }),
            ]
          : []),
      ])
      const stored = await repos.cellResults.putMany(batch)
      expect(stored.every((x) => x)).toBe(true)
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(batch.length)
      const listed = await repos.cellResults.listForRun(s.run.id)
      expect([...listed].sort(byKey)).toEqual([...batch].sort(byKey))
      const generated = batch.filter((r) => r.columnId === s.generator.id).length
      expect(await repos.runs.get(s.run.id)).toMatchObject({
        tokensIn: 700 + generated,
        tokensOut: 1400,
      })
      // Once more: every one of them is already there.
      expect((await repos.cellResults.putMany(batch)).some((x) => x)).toBe(false)
      expect((await repos.runs.get(s.run.id))?.tokensIn).toBe(700 + generated)
    })

    it('stores nothing of a batch holding an invalid result or a missing row', async () => {
      const s = await setup(3)
      const good = result(s, 0)
      await expectCode(
        repos.cellResults.putMany([good, result(s, 1, { tokensIn: -1 })]),
        'invalid_input',
      )
      await expectCode(
        repos.cellResults.putMany([good, result(s, 1, { raw: 'a\u0000b' })]),
        'invalid_input',
      )
      await expectCode(
        repos.cellResults.putMany([good, result(s, 1, { rowId: 'nope' })]),
        'not_found',
      )
      await expectCode(
        repos.cellResults.putMany([good, result(s, 2, { runId: 'run_missing' })]),
        'not_found',
      )
      await expectCode(
        repos.cellResults.putMany([good, result(s, 2, { columnId: 'col_missing' })]),
        'not_found',
      )
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(0)
      expect(await repos.runs.get(s.run.id)).toMatchObject({ tokensIn: 0, tokensOut: 0, cost: 0 })
    })

    it('counts each cell once under concurrent, overlapping batches', async () => {
      const s = await setup(12)
      const batches = Array.from({ length: 6 }, (_, b) =>
        s.rows
          .filter((_, i) => (i + b) % 2 === 0 || i === b)
          .map((row) => ({ ...result(s, s.rows.indexOf(row), { tokensIn: 2, tokensOut: 1 }) })),
      )
      const outcomes = await Promise.all(batches.map((batch) => repos.cellResults.putMany(batch)))
      expect(outcomes.flat().filter((x) => x).length).toBe(12)
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(12)
      expect(await repos.runs.get(s.run.id)).toMatchObject({ tokensIn: 24, tokensOut: 12 })
    })

    it('makes the run cost unknown once a result used tokens at an unknown price', async () => {
      const s = await setup(4)
      await repos.cellResults.put(result(s, 0, { cost: 0.5 }))
      // No tokens and no price (e.g. a cached answer or a metric): the cost stays known.
      await repos.cellResults.put(result(s, 1, { cost: null, tokensIn: 0, tokensOut: 0 }))
      expect((await repos.runs.get(s.run.id))?.cost).toBe(0.5)
      await repos.cellResults.put(result(s, 2, { cost: null, tokensIn: 0, tokensOut: 7 }))
      expect((await repos.runs.get(s.run.id))?.cost).toBeNull()
      await repos.cellResults.put(result(s, 3, { cost: 0.5 }))
      expect(await repos.runs.get(s.run.id)).toMatchObject({
        cost: null,
        tokensIn: 200,
        tokensOut: 47,
      })
    })

    it('keeps a run cost unknown from the start', async () => {
      const s = await setup(1, null)
      await repos.cellResults.put(result(s, 0, { cost: 0.5 }))
      expect(await repos.runs.get(s.run.id)).toMatchObject({ cost: null, tokensIn: 100 })
    })

    it('lists the results of a run, all or of one column, and counts them', async () => {
      const s = await setup(5)
      const other = await repos.runs.create({ ...s.run, status: 'completed' })
      const written: CellResult[] = []
      for (const i of [3, 0, 4, 1]) {
        const judged = result(s, i, { value: i })
        const generated = result(s, i, { columnId: s.generator.id, value: `out ${i}` })
        await repos.cellResults.put(judged)
        await repos.cellResults.put(generated)
        written.push(judged, generated)
      }
      await repos.cellResults.put(result(s, 2, { runId: other.id }))

      const listed = await repos.cellResults.listForRun(s.run.id)
      expect([...listed].sort(byKey)).toEqual([...written].sort(byKey))
      const judged = await repos.cellResults.listForRun(s.run.id, { columnId: s.judge.id })
      expect(judged.map((r) => r.value)).toEqual([0, 1, 3, 4])
      expect(judged.every((r) => r.columnId === s.judge.id)).toBe(true)
      const generated = await repos.cellResults.listForRun(s.run.id, { columnId: s.generator.id })
      expect(generated.map((r) => r.value)).toEqual(['out 0', 'out 1', 'out 3', 'out 4'])
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(8)
      expect(await repos.cellResults.countForRun(other.id)).toBe(1)
      expect(await repos.cellResults.listForRun('run_missing')).toEqual([])
      expect(await repos.cellResults.countForRun('run_missing')).toBe(0)
    })

    it('counts a run’s results by status, with usage and finished rows, in one call', async () => {
      const s = await setup(12, null)
      const other = await repos.runs.create({ ...s.run, status: 'completed' })
      const error = { code: 'timeout', message: 'no answer', retryable: true }
      const written: CellResult[] = []
      for (let i = 0; i < 12; i++) {
        // The judge: every status, some cached, some errors with and without usage.
        const judged: Partial<CellResult>[] = [
          { value: 4, pass: true },
          { value: 2, pass: false, cached: true, tokensIn: 0, tokensOut: 0, cost: 0 },
          { status: 'error', value: null, pass: null, error },
          {
            status: 'error',
            value: null,
            pass: null,
            error,
            tokensIn: 0,
            tokensOut: 0,
            cost: null,
          },
          { value: 5, pass: true, cost: null },
          { status: 'stopped', value: null, pass: null, tokensIn: 0, tokensOut: 0, cost: null },
          { status: 'skipped', value: null, pass: null, tokensIn: 0, tokensOut: 0, cost: null },
          { value: 1, pass: false, cached: true, tokensIn: 7, tokensOut: 3, cost: 0.5 },
        ]
        const patch = judged[i % judged.length] as Partial<CellResult>
        written.push(result(s, i, patch))
        // The generator: rows 0..5 only, the odd ones errors.
        if (i < 6) {
          written.push(
            result(s, i, {
              columnId: s.generator.id,
              value: i % 2 === 0 ? `out ${i}` : null,
              pass: null,
              status: i % 2 === 0 ? 'done' : 'error',
              error: i % 2 === 0 ? null : error,
              tokensIn: 10 * i,
              tokensOut: i,
              cost: 0.125,
            }),
          )
        }
      }
      expect((await repos.cellResults.putMany(written)).every(Boolean)).toBe(true)
      await repos.cellResults.put(result(s, 2, { runId: other.id, cached: true }))

      function expected(runId: string, columnIds?: readonly string[]) {
        const mine = written.filter(
          (r) => r.runId === runId && (!columnIds || columnIds.includes(r.columnId)),
        )
        const byStatus = { pending: 0, running: 0, done: 0, error: 0, stopped: 0, skipped: 0 }
        for (const r of mine) byStatus[r.status]++
        const finished = mine.filter((r) => r.status === 'done' || r.status === 'error')
        const used = (r: CellResult) => r.tokensIn + r.tokensOut > 0
        const perRow = new Map<string, number>()
        for (const r of finished) perRow.set(r.rowId, (perRow.get(r.rowId) ?? 0) + 1)
        const every = columnIds ? columnIds.length : new Set(finished.map((r) => r.columnId)).size
        return {
          byStatus,
          cached: mine.filter((r) => r.status === 'done' && r.cached).length,
          generations: finished.filter(used).length,
          tokensIn: mine.reduce((n, r) => n + r.tokensIn, 0),
          tokensOut: mine.reduce((n, r) => n + r.tokensOut, 0),
          cost: mine.reduce((n, r) => n + (r.cost ?? 0), 0),
          unknownCost: mine.filter((r) => r.cost === null && used(r)).length,
          rows: perRow.size,
          finishedRows: [...perRow.values()].filter((n) => n >= every).length,
        }
      }
      const cases: (readonly string[] | undefined)[] = [
        undefined,
        [s.judge.id],
        [s.generator.id],
        [s.judge.id, s.generator.id],
        [s.generator.id, s.judge.id, s.generator.id],
      ]
      for (const columnIds of cases) {
        const counts = await repos.cellResults.countsForRun(s.run.id, { columnIds })
        const want = expected(s.run.id, columnIds && [...new Set(columnIds)])
        expect({ columnIds, ...counts, cost: counts.cost.toFixed(6) }).toEqual({
          columnIds,
          ...want,
          cost: want.cost.toFixed(6),
        })
      }
      // The numbers the cases above rest on, spelled out once.
      const all = await repos.cellResults.countsForRun(s.run.id)
      expect(all.byStatus).toEqual({
        pending: 0,
        running: 0,
        done: 9,
        error: 7,
        stopped: 1,
        skipped: 1,
      })
      expect(all.rows).toBe(11)
      expect(all.finishedRows).toBe(5)
      const none = {
        byStatus: { pending: 0, running: 0, done: 0, error: 0, stopped: 0, skipped: 0 },
        cached: 0,
        generations: 0,
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
        unknownCost: 0,
        rows: 0,
        finishedRows: 0,
      }
      expect(await repos.cellResults.countsForRun(s.run.id, { columnIds: [] })).toEqual(none)
      expect(
        await repos.cellResults.countsForRun(s.run.id, { columnIds: ['col_missing'] }),
      ).toEqual(none)
      expect(await repos.cellResults.countsForRun('run_missing')).toEqual(none)
      expect(await repos.cellResults.countsForRun(other.id)).toMatchObject({
        byStatus: { done: 1 },
        cached: 1,
        generations: 1,
        rows: 1,
        finishedRows: 1,
      })
      // A run with no finished cell has no finished row, whatever else it stored.
      const idle = await newRun(s)
      await repos.cellResults.put(result(s, 3, { runId: idle.id, status: 'stopped', value: null }))
      expect(await repos.cellResults.countsForRun(idle.id)).toMatchObject({
        byStatus: { stopped: 1 },
        rows: 0,
        finishedRows: 0,
      })
    })

    /** Another (finished) run of the setup's evaluation: one active run at a time. */
    async function newRun(s: Setup): Promise<Run> {
      const { id: _id, ...draft } = s.run
      return repos.runs.create({
        ...draft,
        status: 'completed',
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
      })
    }

    it('lists the results of a run for given rows, across pages of row ids', async () => {
      const s = await setup(1200)
      const other = await newRun(s)
      const picked = new Set([0, 1, 2, 498, 499, 500, 501, 777, 998, 999, 1000, 1001, 1198, 1199])
      for (let i = 0; i < 1200; i += 97) picked.add(i)
      const written: CellResult[] = []
      for (const i of picked) {
        const judged = result(s, i, { value: i })
        await repos.cellResults.put(judged)
        written.push(judged)
        if (i % 2 === 0) {
          const generated = result(s, i, { columnId: s.generator.id, value: `out ${i}` })
          await repos.cellResults.put(generated)
          written.push(generated)
        }
      }
      // The other run's results for the same rows are not this run's.
      for (const i of [0, 500, 1000, 1199, 3]) {
        await repos.cellResults.put(result(s, i, { runId: other.id, value: -1 }))
      }

      const allIds = s.rows.map((r) => r.id)
      const asked = [...allIds].reverse()
      const listed = await repos.cellResults.listForRunRows(s.run.id, [...asked, 'nope', asked[0]!])
      expect([...listed].sort(byKey)).toEqual([...written].sort(byKey))

      const some = [0, 3, 499, 500, 1001].map((i) => s.rows[i]!.id)
      const someListed = await repos.cellResults.listForRunRows(s.run.id, some)
      expect([...someListed].sort(byKey)).toEqual(
        written.filter((r) => some.includes(r.rowId)).sort(byKey),
      )

      const ofOther = await repos.cellResults.listForRunRows(other.id, allIds)
      expect(ofOther.map((r) => r.rowId).sort()).toEqual(
        [0, 3, 500, 1000, 1199].map((i) => s.rows[i]!.id).sort(),
      )
      expect(ofOther.every((r) => r.runId === other.id && r.value === -1)).toBe(true)
      expect(await repos.cellResults.listForRunRows(s.run.id, [])).toEqual([])
      expect(await repos.cellResults.listForRunRows(s.run.id, [s.rows[4]!.id])).toEqual([])
      expect(await repos.cellResults.listForRunRows('run_missing', allIds)).toEqual([])
    })

    it('finds the latest done result of each cell across runs', async () => {
      const s = await setup(6)
      const a = s.run
      const b = await newRun(s)
      const c = await newRun(s)
      const gen = (run: Run, i: number, finishedAt: string, patch: Partial<CellResult> = {}) =>
        result(s, i, {
          runId: run.id,
          columnId: s.generator.id,
          value: `${run.id} row ${i} at ${finishedAt}`,
          finishedAt,
          ...patch,
        })
      const failed = {
        status: 'error',
        value: null,
        pass: null,
        error: { code: 'timeout', message: 'too slow', retryable: true },
      } as const
      const at = (second: number) => `2026-01-01T00:00:0${second}.000Z`

      // Row 0: the later of two done results loses to a still later error.
      await repos.cellResults.put(gen(a, 0, at(1)))
      await repos.cellResults.put(gen(b, 0, at(3)))
      const row0 = gen(c, 0, at(5), failed)
      await repos.cellResults.put(row0)
      // Row 1: the same finishedAt in two runs: the greater run id wins.
      const row1a = gen(a, 1, at(2))
      const row1b = gen(b, 1, at(2))
      await repos.cellResults.put(row1a)
      await repos.cellResults.put(row1b)
      const row1 = a.id > b.id ? row1a : row1b
      // Row 2: an error, then a skipped cell, which does not count.
      const row2 = gen(a, 2, at(1), failed)
      await repos.cellResults.put(row2)
      await repos.cellResults.put(gen(b, 2, at(2), { status: 'skipped', value: null }))
      // Row 3: an older run that finished later beats a newer run.
      const row3 = gen(a, 3, at(4))
      await repos.cellResults.put(row3)
      await repos.cellResults.put(gen(b, 3, at(3)))
      // Row 4: nothing. Row 5: done, but it is not asked for.
      await repos.cellResults.put(gen(c, 5, at(1)))
      // Another column's results for the same rows.
      const judged0 = result(s, 0, { runId: c.id, finishedAt: at(9) })
      await repos.cellResults.put(judged0)
      await repos.cellResults.put(result(s, 3, { runId: a.id, finishedAt: at(9) }))

      const asked = [0, 1, 2, 3, 4].map((i) => s.rows[i]!.id)
      const latest = await repos.cellResults.latestForRows([s.generator.id], asked)
      expect([...latest].sort(byKey)).toEqual([row0, row1, row2, row3].sort(byKey))

      const both = await repos.cellResults.latestForRows(
        [s.judge.id, s.generator.id, 'col_missing'],
        [s.rows[0]!.id, s.rows[4]!.id, 'nope', s.rows[0]!.id],
      )
      expect([...both].sort(byKey)).toEqual([row0, judged0].sort(byKey))

      expect(await repos.cellResults.latestForRows([s.generator.id], [s.rows[4]!.id])).toEqual([])
      expect(await repos.cellResults.latestForRows([s.generator.id], [])).toEqual([])
      expect(await repos.cellResults.latestForRows([], asked)).toEqual([])
    })

    it('finds the latest done results for many rows and columns, across pages of ids', async () => {
      const s = await setup(1200)
      const later = await newRun(s)
      const expected: CellResult[] = []
      for (let i = 0; i < 1200; i += 37) {
        const first = result(s, i, {
          columnId: s.generator.id,
          value: `first ${i}`,
          finishedAt: '2026-01-01T00:00:01.000Z',
        })
        await repos.cellResults.put(first)
        if (i % 2 === 0) {
          const second = result(s, i, {
            runId: later.id,
            columnId: s.generator.id,
            value: `second ${i}`,
            finishedAt: '2026-01-01T00:00:02.000Z',
          })
          await repos.cellResults.put(second)
          expected.push(second)
        } else {
          expected.push(first)
        }
      }
      for (const i of [499, 500, 999, 1000, 1199]) {
        const judged = result(s, i, { value: i })
        await repos.cellResults.put(judged)
        expected.push(judged)
      }
      const columns = [
        ...Array.from({ length: 600 }, (_, i) => `col_absent_${i}`),
        s.judge.id,
        ...Array.from({ length: 600 }, (_, i) => `col_other_${i}`),
        s.generator.id,
      ]
      const latest = await repos.cellResults.latestForRows(
        columns,
        s.rows.map((r) => r.id),
      )
      expect([...latest].sort(byKey)).toEqual([...expected].sort(byKey))
    })

    it('refuses a result for a missing run, row or column, and a NUL character', async () => {
      const s = await setup(1)
      await expectCode(repos.cellResults.put(result(s, 0, { runId: 'run_missing' })), 'not_found')
      await expectCode(repos.cellResults.put(result(s, 0, { rowId: 'nope' })), 'not_found')
      await expectCode(repos.cellResults.put(result(s, 0, { rowId: '2147483000' })), 'not_found')
      await expectCode(
        repos.cellResults.put(result(s, 0, { columnId: 'col_missing' })),
        'not_found',
      )
      await expectCode(repos.cellResults.put(result(s, 0, { raw: 'a\u0000b' })), 'invalid_input')
      for (const patch of [
        { tokensIn: -1 },
        { tokensOut: 0.5 },
        { value: Number.NaN },
        { value: Number.POSITIVE_INFINITY },
        { cost: -0.01 },
        { status: 'maybe' },
        { finishedAt: 'soon' },
      ] as Partial<CellResult>[]) {
        await expectCode(repos.cellResults.put(result(s, 0, patch)), 'invalid_input')
      }
      await expectCode(repos.cellResults.put(result(s, 0, { value: '\u0000' })), 'invalid_input')
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(0)
      expect(await repos.runs.get(s.run.id)).toMatchObject({ tokensIn: 0, tokensOut: 0, cost: 0 })
    })

    it('removes the results with the run when the evaluation is deleted', async () => {
      const s = await setup(2)
      await repos.cellResults.put(result(s, 0))
      await repos.cellResults.put(result(s, 1))
      await repos.evaluations.delete(s.evaluation.id)
      expect(await repos.cellResults.countForRun(s.run.id)).toBe(0)
      expect(await repos.cellResults.listForRun(s.run.id)).toEqual([])
      expect(await repos.cellResults.get(s.run.id, s.rows[0]!.id, s.judge.id)).toBeUndefined()
      expect(
        await repos.cellResults.listForRunRows(
          s.run.id,
          s.rows.map((r) => r.id),
        ),
      ).toEqual([])
      expect(
        await repos.cellResults.latestForRows(
          [s.judge.id],
          s.rows.map((r) => r.id),
        ),
      ).toEqual([])
    })
  })
}
