import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CellResult, CellValue } from '../../domain/cell.js'
import type { Column, ColumnConfig } from '../../domain/column.js'
import type { Evaluation } from '../../domain/evaluation.js'
import type { Scale } from '../../domain/evaluator.js'
import type { Row } from '../../domain/row.js'
import type { Run } from '../../domain/run.js'
import type { Repositories } from '../../ports/repositories.js'
import type {
  ResultsFilter,
  ResultsPage,
  ResultsQueryInput,
  ResultsRow,
} from '../../results/query.js'
import { type AggregateCell, aggregate } from '../../stats/aggregate.js'
import { agreement } from '../../stats/agreement.js'
import { passes } from '../../stats/threshold.js'
import {
  batchesOf,
  expectCode,
  type MakeHarness,
  type RepositoriesHarness,
  uniqueName,
} from './harness.js'

/*
 * The results table's read side. One evaluation is built once (deterministic pseudo-random data:
 * data, manual, human, generated and two evaluator columns, results from two runs with every
 * status), and every answer is checked against a plain model of that data computed here.
 */

/** A deterministic generator (no Math.random in core, tests included). */
function prng(seed: number) {
  let state = seed
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  return { next, pick }
}

/** Code point order, as SQLite (binary) and PostgreSQL (C collation) compare text. */
function codePointCompare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) ?? 0)
  const y = [...b].map((c) => c.codePointAt(0) ?? 0)
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number)
  }
  return x.length - y.length
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase())

const N = 150
const LONG = 'L'.repeat(700)
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`

type Model = {
  evaluation: Evaluation
  rows: Row[]
  col: Record<
    'question' | 'answer' | 'label' | 'notes' | 'output' | 'judge' | 'safe' | 'thumbs' | 'comment',
    Column
  >
  runA: Run
  runB: Run
  results: CellResult[]
  values: CellValue[]
}

export function describeResultsQueryContract(make: MakeHarness): void {
  describe('ResultsQueryRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories
    let m: Model

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
      m = await build(repos)
    })
    afterAll(async () => {
      await harness?.close()
    })

    // ---- the model: what each cell holds -----------------------------------------------------

    const later = (a: CellResult, b: CellResult) =>
      a.finishedAt > b.finishedAt || (a.finishedAt === b.finishedAt && a.runId > b.runId)

    function resultOf(columnId: string, rowId: string, runId: string | null) {
      let found: CellResult | undefined
      for (const r of m.results) {
        if (r.columnId !== columnId || r.rowId !== rowId) continue
        if (runId !== null) {
          if (r.runId === runId) found = r
        } else if ((r.status === 'done' || r.status === 'error') && (!found || later(r, found))) {
          found = r
        }
      }
      return found
    }
    const cellValueOf = (columnId: string, rowId: string) =>
      m.values.find((v) => v.columnId === columnId && v.rowId === rowId)
    const dataOf = (column: Column, row: Row) =>
      row.values[['question', 'answer', 'label'].indexOf(column.name)] ?? ''
    function textOf(column: Column, row: Row, runId: string | null): string | null {
      if (column.config.kind === 'data') return dataOf(column, row)
      if (column.config.kind === 'generated') {
        const r = resultOf(column.id, row.id, runId)
        return r?.status === 'done' && typeof r.value === 'string' ? r.value : null
      }
      return cellValueOf(column.id, row.id)?.value ?? null
    }
    function scoreOf(columnId: string, row: Row, runId: string | null): number | null {
      const r = resultOf(columnId, row.id, runId)
      return r?.status === 'done' && typeof r.value === 'number' ? r.value : null
    }
    function verdict(columnId: string, row: Row, runId: string | null) {
      const r = resultOf(columnId, row.id, runId)
      if (!r) return 'pending'
      if (r.status === 'done') return r.pass === null ? 'none' : r.pass ? 'pass' : 'fail'
      return r.status === 'error' ? 'error' : 'pending'
    }
    const thumbsOf = (row: Row) => {
      const v = cellValueOf(m.col.thumbs.id, row.id)?.value
      return v === '1' ? 'up' : v === '0' ? 'down' : 'none'
    }

    function holds(filter: ResultsFilter, row: Row, runId: string | null): boolean {
      const column = Object.values(m.col).find((c) => c.id === filter.columnId) as Column
      switch (filter.type) {
        case 'text': {
          const text = textOf(column, row, runId)
          if (filter.op === 'empty') return text === null || text === ''
          if (filter.op === 'not_empty') return text !== null && text !== ''
          if (filter.op === 'equals') return text === filter.value
          return text !== null && asciiLower(text).includes(asciiLower(filter.value ?? ''))
        }
        case 'score': {
          const s = scoreOf(column.id, row, runId)
          if (s === null) return false
          const v = filter.value
          return {
            '>': s > v,
            '>=': s >= v,
            '<': s < v,
            '<=': s <= v,
            '=': s === v,
            between: s >= v && s <= (filter.to ?? v),
          }[filter.op]
        }
        case 'verdict':
          return (filter.values as string[]).includes(verdict(column.id, row, runId))
        case 'thumbs':
          return (filter.values as string[]).includes(thumbsOf(row))
      }
    }

    const matching = (filters: ResultsFilter[], runId: string | null = null) =>
      m.rows.filter((row) => filters.every((f) => holds(f, row, runId)))

    /** Every page of a query, checking each page's size and total on the way. */
    async function allPages(query: ResultsQueryInput): Promise<ResultsRow[]> {
      const seen: ResultsRow[] = []
      let cursor: string | null = null
      let total: number | null = null
      for (let pages = 0; pages < 1000; pages++) {
        const page: ResultsPage = await repos.resultsQuery.page(m.evaluation.id, {
          ...query,
          cursor,
        })
        if (total === null) total = page.total
        expect(page.total).toBe(total)
        expect(page.rowCount).toBe(N)
        seen.push(...page.rows)
        if (page.nextCursor === null) {
          expect(seen.length).toBe(total)
          return seen
        }
        expect(page.rows.length).toBe(query.limit ?? 100)
        cursor = page.nextCursor
      }
      throw new Error('too many pages')
    }

    const indexes = (rows: { index: number }[]) => rows.map((r) => r.index)

    // ---- pages ---------------------------------------------------------------------------------

    it('pages through every row in row order with every kind of cell', async () => {
      const rows = await allPages({ limit: 40 })
      expect(indexes(rows)).toEqual(m.rows.map((r) => r.index))
      for (const [i, view] of rows.entries()) {
        const row = m.rows[i] as Row
        expect(view.id).toBe(row.id)
        expect(view.data).toEqual({
          [m.col.question.id]: row.values[0],
          [m.col.answer.id]: row.values[1],
          [m.col.label.id]: row.values[2],
        })
        for (const column of [m.col.notes, m.col.thumbs, m.col.comment]) {
          const value = cellValueOf(column.id, row.id)
          expect(view.values[column.id]).toEqual(
            value
              ? { value: value.value, editedBy: value.editedBy, editedAt: value.editedAt }
              : undefined,
          )
        }
        for (const column of [m.col.output, m.col.judge, m.col.safe]) {
          const result = resultOf(column.id, row.id, null)
          if (!result) {
            expect(view.results[column.id]).toBeUndefined()
            continue
          }
          const { raw: _raw, promptHash: _hash, rowId: _row, columnId: _col, ...shown } = result
          expect(view.results[column.id]).toEqual(shown)
        }
      }
    })

    it('shows one run’s results instead of the latest when asked', async () => {
      for (const run of [m.runA, m.runB]) {
        const rows = await allPages({ limit: 500, runId: run.id })
        for (const [i, view] of rows.entries()) {
          const row = m.rows[i] as Row
          for (const column of [m.col.output, m.col.judge, m.col.safe]) {
            const result = resultOf(column.id, row.id, run.id)
            expect(view.results[column.id]?.status).toBe(result?.status)
            expect(view.results[column.id]?.value).toEqual(result?.value)
            if (result) expect(view.results[column.id]?.runId).toBe(run.id)
          }
        }
      }
      // The latest differs from both runs somewhere, so the three views are really different.
      const latest = m.rows.map((r) => resultOf(m.col.judge.id, r.id, null)?.runId ?? '-')
      expect(new Set(latest).size).toBe(3)
    })

    it('filters by every kind of filter, alone and combined', async () => {
      const c = () => m.col
      const cases: ResultsFilter[][] = [
        [{ type: 'text', columnId: c().question.id, op: 'contains', value: 'alpha' }],
        [{ type: 'text', columnId: c().question.id, op: 'contains', value: 'GaMmA QUESTION 1' }],
        [{ type: 'text', columnId: c().question.id, op: 'contains', value: 'été' }],
        [{ type: 'text', columnId: c().question.id, op: 'contains', value: '100%_' }],
        [{ type: 'text', columnId: c().answer.id, op: 'equals', value: 'Paris' }],
        [{ type: 'text', columnId: c().answer.id, op: 'equals', value: 'paris' }],
        [{ type: 'text', columnId: c().answer.id, op: 'empty' }],
        [{ type: 'text', columnId: c().answer.id, op: 'not_empty' }],
        [{ type: 'text', columnId: c().notes.id, op: 'empty' }],
        [{ type: 'text', columnId: c().notes.id, op: 'not_empty' }],
        [{ type: 'text', columnId: c().notes.id, op: 'contains', value: 'check' }],
        [{ type: 'text', columnId: c().comment.id, op: 'equals', value: 'great' }],
        [{ type: 'text', columnId: c().output.id, op: 'contains', value: 'ANSWER 1' }],
        [{ type: 'text', columnId: c().output.id, op: 'empty' }],
        [{ type: 'score', columnId: c().judge.id, op: '>', value: 3 }],
        [{ type: 'score', columnId: c().judge.id, op: '>=', value: 3 }],
        [{ type: 'score', columnId: c().judge.id, op: '<', value: 2.5 }],
        [{ type: 'score', columnId: c().judge.id, op: '<=', value: 2.5 }],
        [{ type: 'score', columnId: c().judge.id, op: '=', value: 4 }],
        [{ type: 'score', columnId: c().judge.id, op: 'between', value: 2, to: 3.5 }],
        [{ type: 'verdict', columnId: c().judge.id, values: ['pass'] }],
        [{ type: 'verdict', columnId: c().judge.id, values: ['fail'] }],
        [{ type: 'verdict', columnId: c().judge.id, values: ['error'] }],
        [{ type: 'verdict', columnId: c().judge.id, values: ['pending'] }],
        [{ type: 'verdict', columnId: c().judge.id, values: ['fail', 'error', 'pending'] }],
        [{ type: 'verdict', columnId: c().safe.id, values: ['pass', 'pending'] }],
        [{ type: 'thumbs', columnId: c().thumbs.id, values: ['up'] }],
        [{ type: 'thumbs', columnId: c().thumbs.id, values: ['down'] }],
        [{ type: 'thumbs', columnId: c().thumbs.id, values: ['none'] }],
        [{ type: 'thumbs', columnId: c().thumbs.id, values: ['up', 'none'] }],
        [
          { type: 'text', columnId: c().question.id, op: 'contains', value: 'beta' },
          { type: 'verdict', columnId: c().judge.id, values: ['pass', 'fail'] },
          { type: 'thumbs', columnId: c().thumbs.id, values: ['up', 'down'] },
        ],
        [
          { type: 'score', columnId: c().judge.id, op: '>=', value: 2 },
          { type: 'verdict', columnId: c().safe.id, values: ['fail'] },
          { type: 'text', columnId: c().answer.id, op: 'not_empty' },
        ],
        [
          { type: 'verdict', columnId: c().judge.id, values: ['pending'] },
          { type: 'verdict', columnId: c().safe.id, values: ['pending'] },
        ],
      ]
      let nonEmpty = 0
      for (const filters of cases) {
        for (const runId of [null, m.runA.id]) {
          const expected = matching(filters, runId)
          const rows = await allPages({ filters, limit: 500, runId })
          expect({ filters, runId, rows: indexes(rows) }).toEqual({
            filters,
            runId,
            rows: indexes(expected),
          })
          if (expected.length > 0 && expected.length < N) nonEmpty++
        }
      }
      // The data is varied enough that most filters select some rows but not all.
      expect(nonEmpty).toBeGreaterThan(cases.length)
    })

    it('sorts by any column with row index as the tie-break, paging with no row twice or missing', async () => {
      const c = m.col
      for (const column of [c.judge, c.safe, c.question, c.answer, c.notes, c.output, c.thumbs]) {
        for (const direction of ['asc', 'desc'] as const) {
          for (const [filters, limit] of [
            [[], 7],
            [[{ type: 'verdict', columnId: c.judge.id, values: ['pass', 'fail', 'error'] }], 11],
          ] as [ResultsFilter[], number][]) {
            const key = (row: Row): number | string | null => {
              if (column.config.kind === 'evaluator') return scoreOf(column.id, row, null)
              if (column === c.thumbs) {
                const t = thumbsOf(row)
                return t === 'up' ? 1 : t === 'down' ? 0 : null
              }
              return textOf(column, row, null)
            }
            const expected = [...matching(filters)].sort((x, y) => {
              const a = key(x)
              const b = key(y)
              if (a !== b) {
                if (a === null) return 1
                if (b === null) return -1
                const order =
                  typeof a === 'number' && typeof b === 'number'
                    ? a - b
                    : codePointCompare(String(a), String(b))
                if (order !== 0) return direction === 'asc' ? order : -order
              }
              return x.index - y.index
            })
            const rows = await allPages({
              filters,
              sort: { columnId: column.id, direction },
              limit,
            })
            expect({ column: column.name, direction, rows: indexes(rows) }).toEqual({
              column: column.name,
              direction,
              rows: indexes(expected),
            })
          }
        }
      }
    })

    it('refuses a cursor made for another sort, a forged cursor and a bad filter', async () => {
      const first = await repos.resultsQuery.page(m.evaluation.id, {
        sort: { columnId: m.col.judge.id, direction: 'desc' },
        limit: 5,
      })
      expect(first.nextCursor).not.toBeNull()
      await expectCode(
        repos.resultsQuery.page(m.evaluation.id, { cursor: first.nextCursor, limit: 5 }),
        'invalid_input',
      )
      await expectCode(
        repos.resultsQuery.page(m.evaluation.id, {
          sort: { columnId: m.col.judge.id, direction: 'asc' },
          cursor: first.nextCursor,
        }),
        'invalid_input',
      )
      // A cursor belongs to its filters and run too.
      const filtered = await repos.resultsQuery.page(m.evaluation.id, {
        filters: [{ type: 'verdict', columnId: m.col.judge.id, values: ['fail', 'pending'] }],
        limit: 5,
      })
      expect(filtered.nextCursor).not.toBeNull()
      for (const other of [
        { filters: [{ type: 'verdict', columnId: m.col.judge.id, values: ['fail'] }] },
        {
          filters: [{ type: 'verdict', columnId: m.col.judge.id, values: ['fail', 'pending'] }],
          runId: m.runA.id,
        },
      ] as ResultsQueryInput[]) {
        await expectCode(
          repos.resultsQuery.page(m.evaluation.id, { ...other, cursor: filtered.nextCursor }),
          'invalid_input',
        )
      }
      for (const cursor of ['nope!', 'eyJ4IjoxfQ', '']) {
        await expectCode(repos.resultsQuery.page(m.evaluation.id, { cursor }), 'invalid_input')
      }
      const bad: unknown[] = [
        { type: 'score', columnId: m.col.question.id, op: '>', value: 1 },
        { type: 'verdict', columnId: m.col.output.id, values: ['pass'] },
        { type: 'thumbs', columnId: m.col.comment.id, values: ['up'] },
        { type: 'text', columnId: m.col.judge.id, op: 'contains', value: 'x' },
        { type: 'text', columnId: m.col.question.id, op: 'contains' },
        { type: 'text', columnId: 'col_missing', op: 'empty' },
        { type: 'score', columnId: m.col.judge.id, op: 'between', value: 3 },
        { type: 'verdict', columnId: m.col.judge.id, values: [] },
        { type: 'colour', columnId: m.col.judge.id },
      ]
      for (const filter of bad) {
        await expectCode(
          repos.resultsQuery.page(m.evaluation.id, { filters: [filter] as ResultsFilter[] }),
          'invalid_input',
        )
        await expectCode(
          repos.resultsQuery.aggregate(m.evaluation.id, { filters: [filter] as ResultsFilter[] }),
          'invalid_input',
        )
      }
      await expectCode(repos.resultsQuery.page(m.evaluation.id, { limit: 501 }), 'invalid_input')
      await expectCode(repos.resultsQuery.page(m.evaluation.id, { limit: 0 }), 'invalid_input')
      await expectCode(
        repos.resultsQuery.page(m.evaluation.id, { sort: { columnId: 'col_missing' } }),
        'invalid_input',
      )
      await expectCode(repos.resultsQuery.page('eval_missing'), 'not_found')
      await expectCode(repos.resultsQuery.aggregate('eval_missing'), 'not_found')
      await expectCode(
        repos.resultsQuery.page(m.evaluation.id, { runId: 'run_missing' }),
        'not_found',
      )
    })

    it('starts a page at any offset: the rows, total and next cursor of walking with the cursor', async () => {
      const c = m.col
      const judgeSet: ResultsFilter = {
        type: 'verdict',
        columnId: c.judge.id,
        values: ['pass', 'fail', 'error'],
      }
      const beta: ResultsFilter = {
        type: 'text',
        columnId: c.question.id,
        op: 'contains',
        value: 'beta',
      }
      const listings: ResultsQueryInput[] = [
        {},
        { filters: [judgeSet] },
        { filters: [beta] },
        { sort: { columnId: c.judge.id, direction: 'desc' } },
        { sort: { columnId: c.judge.id, direction: 'asc' }, filters: [judgeSet] },
        { sort: { columnId: c.question.id, direction: 'asc' } },
        { sort: { columnId: c.output.id, direction: 'desc' }, filters: [beta] },
        { sort: { columnId: c.thumbs.id, direction: 'asc' }, runId: m.runA.id },
      ]
      const limit = 9
      for (const listing of listings) {
        const all = await allPages({ ...listing, limit: 500 })
        const total = all.length
        for (const offset of [0, 1, 8, 9, 40, total - 10, total - 1, total, total + 3, 100_000]) {
          if (offset < 0) continue
          const page = await repos.resultsQuery.page(m.evaluation.id, {
            ...listing,
            offset,
            limit,
          })
          const expected = all.slice(offset, offset + limit)
          const label = { listing, offset }
          expect({ ...label, rows: page.rows }).toEqual({ ...label, rows: expected })
          expect({ ...label, total: page.total, rowCount: page.rowCount }).toEqual({
            ...label,
            total,
            rowCount: N,
          })
          if (offset + limit >= total) {
            expect({ ...label, nextCursor: page.nextCursor }).toEqual({
              ...label,
              nextCursor: null,
            })
            continue
          }
          // The cursor continues the listing from there, carrying the same total.
          const next = await repos.resultsQuery.page(m.evaluation.id, {
            ...listing,
            cursor: page.nextCursor,
            limit,
          })
          expect({ ...label, rows: indexes(next.rows), total: next.total }).toEqual({
            ...label,
            rows: indexes(all.slice(offset + limit, offset + 2 * limit)),
            total,
          })
        }
      }
    })

    it('refuses an offset with a cursor, and an offset that is not a whole number ≥ 0', async () => {
      const first = await repos.resultsQuery.page(m.evaluation.id, { limit: 5 })
      expect(first.nextCursor).not.toBeNull()
      await expect(
        repos.resultsQuery.page(m.evaluation.id, { cursor: first.nextCursor, offset: 10 }),
      ).rejects.toMatchObject({ code: 'invalid_input', position: { field: 'offset' } })
      for (const offset of [-1, 1.5, Number.NaN, 2 ** 31]) {
        await expectCode(repos.resultsQuery.page(m.evaluation.id, { offset }), 'invalid_input')
      }
      // A null offset is no offset.
      const again = await repos.resultsQuery.page(m.evaluation.id, {
        cursor: first.nextCursor,
        offset: null,
        limit: 5,
      })
      expect(indexes(again.rows)).toEqual(m.rows.slice(5, 10).map((r) => r.index))
    })

    it('answers an evaluation without rows or results', async () => {
      const project = await repos.projects.create({ name: uniqueName('empty'), createdBy: null })
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: uniqueName('empty evaluation'),
        createdBy: null,
      })
      expect(await repos.resultsQuery.page(evaluation.id)).toEqual({
        rows: [],
        nextCursor: null,
        total: 0,
        rowCount: 0,
      })
      expect(await repos.resultsQuery.aggregate(evaluation.id)).toEqual({
        rows: 0,
        rowCount: 0,
        columns: [],
      })
    })

    // ---- aggregates ----------------------------------------------------------------------------

    const judgeScale: Scale = { kind: 'score', min: 1, max: 5 }

    function expectedCells(columnId: string, rows: Row[], runId: string | null): AggregateCell[] {
      return rows.map((row) => {
        if (columnId === m.col.thumbs.id) {
          const t = thumbsOf(row)
          return t === 'none'
            ? { status: 'pending', score: null, pass: null }
            : { status: 'done', score: t === 'up' ? 1 : 0, pass: t === 'up' }
        }
        const r = resultOf(columnId, row.id, runId)
        if (!r) return { status: 'pending', score: null, pass: null }
        return {
          status: r.status,
          score: typeof r.value === 'number' ? r.value : null,
          pass: r.pass,
        }
      })
    }

    it('aggregates each evaluator and thumbs column exactly as core does, over any filter', async () => {
      const random = prng(99)
      const c = m.col
      const filterPool: ResultsFilter[] = [
        { type: 'text', columnId: c.question.id, op: 'contains', value: 'beta' },
        { type: 'text', columnId: c.answer.id, op: 'not_empty' },
        { type: 'verdict', columnId: c.judge.id, values: ['pass', 'error'] },
        { type: 'verdict', columnId: c.safe.id, values: ['fail', 'pending'] },
        { type: 'score', columnId: c.judge.id, op: '<=', value: 3.5 },
        { type: 'thumbs', columnId: c.thumbs.id, values: ['up', 'none'] },
        { type: 'text', columnId: c.notes.id, op: 'empty' },
      ]
      const trials: ResultsFilter[][] = [[]]
      for (let t = 0; t < 10; t++) {
        trials.push(filterPool.filter(() => random.next() < 0.3))
      }
      for (const filters of trials) {
        for (const runId of [null, m.runA.id, m.runB.id]) {
          const rows = matching(filters, runId)
          const result = await repos.resultsQuery.aggregate(
            m.evaluation.id,
            { filters, runId },
            { scales: { [c.judge.id]: judgeScale } },
          )
          expect(result.rows).toBe(rows.length)
          expect(result.rowCount).toBe(N)
          expect(result.columns.map((col) => col.columnId)).toEqual([
            c.judge.id,
            c.safe.id,
            c.thumbs.id,
          ])
          for (const column of result.columns) {
            const scale = column.columnId === c.judge.id ? judgeScale : { kind: 'boolean' as const }
            const expected = aggregate(expectedCells(column.columnId, rows, runId), scale)
            const { avg, ...rest } = expected
            expect(column).toMatchObject(rest)
            if (avg === null) expect(column.avg).toBeNull()
            else expect(column.avg).toBeCloseTo(avg, 9)
            expect(column.scale).toEqual(scale)
            // Health: unparseable answers, tokens and cost of the results counted.
            const counted =
              column.columnId === c.thumbs.id
                ? []
                : rows
                    .map((row) => resultOf(column.columnId, row.id, runId))
                    .filter((r): r is CellResult => r !== undefined)
            expect(column.unparseable).toBe(
              counted.filter((r) => r.status === 'error' && r.error?.code === 'judge_unparseable')
                .length,
            )
            expect(column.tokensIn).toBe(counted.reduce((s, r) => s + r.tokensIn, 0))
            expect(column.tokensOut).toBe(counted.reduce((s, r) => s + r.tokensOut, 0))
            const unknown = counted.some((r) => r.cost === null && r.tokensIn + r.tokensOut > 0)
            if (unknown) expect(column.cost).toBeNull()
            else
              expect(column.cost).toBeCloseTo(
                counted.reduce((s, r) => s + (r.cost ?? 0), 0),
                9,
              )
          }
        }
      }
    })

    it('gives the threshold and a fallback scale when none is passed', async () => {
      const result = await repos.resultsQuery.aggregate(m.evaluation.id)
      const [judge, safe, thumbs] = result.columns
      expect(judge).toMatchObject({
        kind: 'evaluator',
        threshold: { op: '>', value: 3 },
        scale: { kind: 'score', min: 1, max: 5 },
      })
      expect(safe).toMatchObject({ kind: 'evaluator', threshold: null, scale: { kind: 'boolean' } })
      expect(thumbs).toMatchObject({ kind: 'human', threshold: null, scale: { kind: 'boolean' } })
      // Some judge cells are unknown-cost and some unparseable: both show up in the health.
      expect(judge?.unparseable).toBeGreaterThan(0)
      expect(judge?.error).toBeGreaterThan(judge?.unparseable ?? 0)
    })

    // ---- agreement -----------------------------------------------------------------------------

    it('measures agreement against thumbs, a label column and another judge', async () => {
      const c = m.col
      const judgeThreshold = { op: '>' as const, value: 3 }
      const label = (row: Row, columnId: string): number | null => {
        if (columnId === c.thumbs.id) {
          const t = thumbsOf(row)
          return t === 'up' ? 1 : t === 'down' ? 0 : null
        }
        if (columnId === c.safe.id) return scoreOf(c.safe.id, row, null)
        const text = (row.values[2] ?? '').trim().toLowerCase()
        return text === '1' || text === 'yes' ? 1 : text === '0' || text === 'no' ? 0 : null
      }
      for (const filters of [
        [],
        [{ type: 'text', columnId: c.question.id, op: 'contains', value: 'a' }],
      ] as ResultsFilter[][]) {
        for (const labelColumn of [c.thumbs, c.label, c.safe]) {
          const rows = matching(filters)
          const pairs = rows.map(
            (row) => [scoreOf(c.judge.id, row, null), label(row, labelColumn.id)] as const,
          )
          const expected = agreement(pairs, {
            judgeVerdict: (score) => passes(score, judgeThreshold),
          })
          const got = await repos.resultsQuery.agreement(
            m.evaluation.id,
            c.judge.id,
            labelColumn.id,
            { filters },
          )
          expect(got).toMatchObject({
            evaluatorColumnId: c.judge.id,
            labelColumnId: labelColumn.id,
            mode: 'verdict',
            rows: rows.length,
            n: expected.n,
          })
          expect(got.n).toBeGreaterThan(5)
          for (const stat of ['accuracy', 'kappa', 'spearman', 'pearson'] as const) {
            if (expected[stat] === null) expect(got[stat]).toBeNull()
            else expect(got[stat]).toBeCloseTo(expected[stat] as number, 9)
          }
        }
      }
      // A boolean judge against thumbs compares the values themselves.
      const safe = await repos.resultsQuery.agreement(m.evaluation.id, c.safe.id, c.thumbs.id)
      expect(safe.mode).toBe('value')
      await expectCode(
        repos.resultsQuery.agreement(m.evaluation.id, c.question.id, c.thumbs.id),
        'invalid_input',
      )
      await expectCode(
        repos.resultsQuery.agreement(m.evaluation.id, c.judge.id, 'col_missing'),
        'invalid_input',
      )
    })

    // ---- compare runs --------------------------------------------------------------------------

    it('compares two runs: pass rates, their change and the rows that flipped', async () => {
      const c = m.col
      for (const filters of [
        [],
        [{ type: 'text', columnId: c.question.id, op: 'contains', value: 'beta' }],
      ] as ResultsFilter[][]) {
        const rows = matching(filters)
        const flipped = new Map<number, string[]>()
        const expectedColumns = [c.judge, c.safe].map((column) => {
          const rate = (runId: string) => {
            const v = rows.map((row) => verdict(column.id, row, runId))
            const pass = v.filter((x) => x === 'pass').length
            const fail = v.filter((x) => x === 'fail').length
            const error = v.filter((x) => x === 'error').length
            return { pass, fail, error, passRate: pass + fail ? pass / (pass + fail) : null }
          }
          let fixed = 0
          let broken = 0
          for (const row of rows) {
            const va = verdict(column.id, row, m.runA.id)
            const vb = verdict(column.id, row, m.runB.id)
            if ((va === 'pass' && vb === 'fail') || (va === 'fail' && vb === 'pass')) {
              if (va === 'fail') fixed++
              else broken++
              flipped.set(row.index, [...(flipped.get(row.index) ?? []), column.id])
            }
          }
          const a = rate(m.runA.id)
          const b = rate(m.runB.id)
          return { columnId: column.id, a, b, fixed, broken }
        })
        const seen: number[] = []
        let cursor: string | null = null
        for (let guard = 0; guard < 100; guard++) {
          const got = await repos.resultsQuery.compareRuns(m.runA.id, m.runB.id, {
            filters,
            cursor,
            limit: 4,
          })
          expect(got.rows).toBe(rows.length)
          expect(got.changedRows).toBe(flipped.size)
          expect(got.columns.map(({ change: _c, ...rest }) => rest)).toEqual(
            expectedColumns.map((col) => ({
              ...col,
              a: { ...col.a, passRate: expect.closeTo(col.a.passRate ?? 0, 9) },
              b: { ...col.b, passRate: expect.closeTo(col.b.passRate ?? 0, 9) },
            })),
          )
          for (const col of got.columns) {
            expect(col.change).toBeCloseTo((col.b.passRate ?? 0) - (col.a.passRate ?? 0), 9)
          }
          for (const change of got.changes) {
            seen.push(change.index)
            const row = m.rows[change.index] as Row
            expect(change.rowId).toBe(row.id)
            expect(change.cells.map((cell) => cell.columnId)).toEqual(flipped.get(change.index))
            for (const cell of change.cells) {
              expect(cell.a).toBe(verdict(cell.columnId, row, m.runA.id))
              expect(cell.b).toBe(verdict(cell.columnId, row, m.runB.id))
              expect(cell.scoreA).toBe(scoreOf(cell.columnId, row, m.runA.id))
              expect(cell.scoreB).toBe(scoreOf(cell.columnId, row, m.runB.id))
            }
          }
          if (got.nextCursor === null) break
          cursor = got.nextCursor
        }
        expect(seen).toEqual([...flipped.keys()].sort((x, y) => x - y))
        expect(seen.length).toBeGreaterThan(3)
      }
      const only = await repos.resultsQuery.compareRuns(m.runA.id, m.runB.id, {
        columnIds: [c.safe.id],
      })
      expect(only.columns.map((col) => col.columnId)).toEqual([c.safe.id])
      expect(
        only.changes.every((ch) => ch.cells.every((cell) => cell.columnId === c.safe.id)),
      ).toBe(true)
      await expectCode(
        repos.resultsQuery.compareRuns(m.runA.id, m.runB.id, { columnIds: [c.output.id] }),
        'invalid_input',
      )
      await expectCode(repos.resultsQuery.compareRuns(m.runA.id, 'run_missing'), 'not_found')
      const other = await otherEvaluationRun(repos)
      await expectCode(repos.resultsQuery.compareRuns(m.runA.id, other.id), 'not_found')
      await expectCode(repos.resultsQuery.page(m.evaluation.id, { runId: other.id }), 'not_found')
    })

    it('follows new results: the latest result of a cell replaces the one shown', async () => {
      const row = m.rows[0] as Row
      const before = await repos.resultsQuery.page(m.evaluation.id, { limit: 1 })
      const runC = await repos.runs.create({ ...runDraft(m.evaluation.id), status: 'running' })
      const newer: CellResult = {
        ...baseResult(runC.id, row.id, m.col.judge.id),
        value: 1,
        pass: false,
        finishedAt: at(59),
      }
      await repos.cellResults.put(newer)
      m.results.push(newer)
      const after = await repos.resultsQuery.page(m.evaluation.id, { limit: 1 })
      expect(after.rows[0]?.results[m.col.judge.id]).toMatchObject({ runId: runC.id, value: 1 })
      expect(before.rows[0]?.results[m.col.judge.id]?.runId).not.toBe(runC.id)
      // A later skipped result does not replace it; an older done one neither. (runD is stopped:
      // an evaluation has one active run at a time.)
      const runD = await repos.runs.create({ ...runDraft(m.evaluation.id), status: 'stopped' })
      const skipped: CellResult = {
        ...baseResult(runD.id, row.id, m.col.judge.id),
        status: 'skipped',
        value: null,
        pass: null,
        finishedAt: at(59),
      }
      await repos.cellResults.put(skipped)
      const older: CellResult = {
        ...baseResult(runD.id, m.rows[1]!.id, m.col.judge.id),
        value: 5,
        pass: true,
        finishedAt: at(0),
      }
      await repos.cellResults.put(older)
      m.results.push(skipped, older)
      const rows = await allPages({ limit: 500 })
      for (const [i, view] of rows.slice(0, 2).entries()) {
        const expected = resultOf(m.col.judge.id, (m.rows[i] as Row).id, null)
        expect(view.results[m.col.judge.id]?.runId).toBe(expected?.runId)
      }
      const filtered = await allPages({
        filters: [{ type: 'verdict', columnId: m.col.judge.id, values: ['fail'] }],
        limit: 500,
      })
      expect(indexes(filtered)).toEqual(
        indexes(matching([{ type: 'verdict', columnId: m.col.judge.id, values: ['fail'] }])),
      )
    })
  })
}

function runDraft(evaluationId: string): Omit<Run, 'id'> {
  return {
    evaluationId,
    status: 'completed',
    scope: { mode: 'all', columnIds: null, rowIds: null },
    startedBy: null,
    createdAt: at(0),
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
}

function baseResult(runId: string, rowId: string, columnId: string): CellResult {
  return {
    runId,
    rowId,
    columnId,
    status: 'done',
    value: 3,
    pass: false,
    explanation: 'because',
    raw: '{"score":3}',
    tokensIn: 10,
    tokensOut: 5,
    cost: 0.001,
    latencyMs: 100,
    attempts: 1,
    error: null,
    model: 'gpt-test',
    promptHash: 'h',
    cached: false,
    finishedAt: at(1),
  }
}

async function otherEvaluationRun(repos: Repositories): Promise<Run> {
  const project = await repos.projects.create({ name: uniqueName('other'), createdBy: null })
  const evaluation = await repos.evaluations.create({
    projectId: project.id,
    name: uniqueName('other evaluation'),
    createdBy: null,
  })
  return repos.runs.create(runDraft(evaluation.id))
}

async function build(repos: Repositories): Promise<Model> {
  const random = prng(12345)
  const project = await repos.projects.create({ name: uniqueName('table'), createdBy: null })
  const evaluation = await repos.evaluations.create({
    projectId: project.id,
    name: uniqueName('table evaluation'),
    createdBy: null,
  })
  const user = await repos.users.create({
    email: `${uniqueName('reviewer').replace(' ', '-')}@example.com`,
    name: 'Reviewer',
    isAdmin: false,
    passwordHash: null,
  })
  const words = ['Alpha', 'beta', 'GAMMA', 'delta', 'Été', 'été', 'ÉTÉ', 'Beta', '100%_off']
  const answers = ['Paris', 'paris', '', 'Lyon', 'Zürich', 'apple', 'Apple', LONG, `${LONG}a`]
  const labels = ['1', '0', 'yes', 'no', '', 'maybe', ' 1 ']
  const data = Array.from({ length: N }, (_, i) => [
    `${random.pick(words)} question ${i}`,
    random.pick(answers),
    random.pick(labels),
  ])
  await repos.rows.importRows(evaluation.id, ['question', 'answer', 'label'], batchesOf(data, 64))
  // Rows of another evaluation, which must never show up.
  const other = await repos.evaluations.create({
    projectId: project.id,
    name: uniqueName('noise'),
    createdBy: null,
  })
  await repos.rows.importRows(
    other.id,
    ['question', 'answer', 'label'],
    batchesOf(
      data.map((d) => [...d]),
      64,
    ),
  )
  const rows = await repos.rows.list(evaluation.id, { limit: N })
  const [question, answer, label] = (await repos.columns.list(evaluation.id)) as [
    Column,
    Column,
    Column,
  ]
  const add = (name: string, config: ColumnConfig) =>
    repos.columns.add({ evaluationId: evaluation.id, name, config })
  const notes = await add('notes', { kind: 'manual', valueType: 'text' })
  const output = await add('output', {
    kind: 'generated',
    generator: { type: 'prompt', connectionId: null, prompt: 'Answer {{question}}', params: {} },
  })
  const evaluator = (evaluatorId: string, threshold: { op: '>'; value: number } | null) =>
    ({
      kind: 'evaluator',
      evaluator: {
        evaluatorId,
        connectionId: null,
        params: {},
        mapping: { output: output.id },
        threshold,
        options: {},
        compareWithColumnId: null,
      },
    }) as const
  const judge = await add('judge', evaluator('coherence', { op: '>', value: 3 }))
  const safe = await add('safe', evaluator('bias_detection', null))
  const thumbs = await add('thumbs', { kind: 'human', feedback: 'thumbs' })
  const comment = await add('comment', { kind: 'human', feedback: 'comment' })

  const runA = await repos.runs.create(runDraft(evaluation.id))
  const runB = await repos.runs.create(runDraft(evaluation.id))
  const results: CellResult[] = []
  const values: CellValue[] = []
  const put = async (result: CellResult) => {
    expect(await repos.cellResults.put(result)).toBe(true)
    results.push(result)
  }
  const set = async (value: CellValue) => {
    values.push(await repos.cellValues.set(value))
  }
  const scores = [1, 2, 2.5, 3, 3, 3.5, 4, 4, 5]
  for (const row of rows) {
    // Manual and human cells.
    const note = random.pick([undefined, undefined, '', 'check this', 'Check later', 'ok'])
    if (note !== undefined) {
      await set({
        rowId: row.id,
        columnId: notes.id,
        value: note,
        editedBy: user.id,
        editedAt: at(10),
      })
    }
    const thumb = random.pick([undefined, '1', '1', '0', '', null])
    if (thumb !== undefined) {
      await set({
        rowId: row.id,
        columnId: thumbs.id,
        value: thumb,
        editedBy: null,
        editedAt: at(11),
      })
    }
    const remark = random.pick([undefined, undefined, 'great', 'Great', 'meh'])
    if (remark !== undefined) {
      await set({
        rowId: row.id,
        columnId: comment.id,
        value: remark,
        editedBy: null,
        editedAt: at(12),
      })
    }
    // The generator's output, from run A.
    const gen = random.next()
    if (gen < 0.8) {
      await put({
        ...baseResult(runA.id, row.id, output.id),
        value: random.pick([`Answer ${row.index}`, `answer ${row.index} again`, '']),
        pass: null,
        finishedAt: at(2),
      })
    } else if (gen < 0.9) {
      await put({
        ...baseResult(runA.id, row.id, output.id),
        status: 'error',
        value: null,
        pass: null,
        error: { code: 'timeout', message: 'too slow', retryable: true },
        finishedAt: at(2),
      })
    }
    // The judges, in both runs, with every status; some of run A finish after run B.
    for (const [run, second] of [
      [runA, random.next() < 0.2 ? 30 : 20],
      [runB, 25],
    ] as const) {
      for (const column of [judge, safe]) {
        const roll = random.next()
        const base = { ...baseResult(run.id, row.id, column.id), finishedAt: at(second) }
        if (roll < 0.15) continue
        if (roll < 0.65) {
          const score = column === judge ? random.pick(scores) : random.pick([0, 1, 1])
          await put({
            ...base,
            value: score,
            pass: passes(score, column === judge ? { op: '>', value: 3 } : null),
            cost: random.next() < 0.1 ? null : 0.002,
            cached: random.next() < 0.1,
          })
        } else if (roll < 0.75) {
          await put({
            ...base,
            status: 'error',
            value: null,
            pass: null,
            error: { code: 'judge_unparseable', message: 'no JSON', retryable: false },
          })
        } else if (roll < 0.82) {
          await put({
            ...base,
            status: 'error',
            value: null,
            pass: null,
            error: { code: 'timeout', message: 'too slow', retryable: true },
            tokensIn: 0,
            tokensOut: 0,
            cost: null,
          })
        } else if (roll < 0.9) {
          await put({
            ...base,
            status: 'skipped',
            value: null,
            pass: null,
            tokensIn: 0,
            tokensOut: 0,
          })
        } else {
          await put({
            ...base,
            status: 'stopped',
            value: null,
            pass: null,
            tokensIn: 0,
            tokensOut: 0,
          })
        }
      }
    }
  }
  return {
    evaluation,
    rows,
    col: { question, answer, label, notes, output, judge, safe, thumbs, comment },
    runA,
    runB,
    results,
    values,
  }
}
