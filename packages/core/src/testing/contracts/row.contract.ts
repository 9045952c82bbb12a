import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Evaluation } from '../../domain/evaluation.js'
import type { Row } from '../../domain/row.js'
import type { Repositories } from '../../ports/repositories.js'
import {
  batchesOf,
  expectCode,
  type MakeHarness,
  type RepositoriesHarness,
  rejection,
  uniqueName,
} from './harness.js'

/** `n` rows of `width` values, `r<i>c<j>`, optionally offset. */
function table(n: number, width: number, from = 0): string[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: width }, (_, j) => `r${from + i}c${j}`),
  )
}

async function all(iterable: AsyncIterable<Row>): Promise<Row[]> {
  const rows: Row[] = []
  for await (const row of iterable) rows.push(row)
  return rows
}

export function describeRowContract(make: MakeHarness): void {
  describe('RowRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    async function newEvaluation(): Promise<Evaluation> {
      const project = await repos.projects.create({ name: uniqueName('rows'), createdBy: null })
      return repos.evaluations.create({
        projectId: project.id,
        name: uniqueName('rows evaluation'),
        createdBy: null,
      })
    }

    /** Every row, the data columns and the stored row count, to compare before and after. */
    async function snapshot(evaluationId: string) {
      const rows = await all(repos.rows.stream(evaluationId))
      const columns = (await repos.columns.list(evaluationId)).map((c) => ({
        id: c.id,
        name: c.name,
        kind: c.config.kind,
        position: c.position,
      }))
      const evaluation = await repos.evaluations.get(evaluationId)
      return {
        rows,
        columns,
        rowCount: evaluation?.rowCount,
        count: await repos.rows.count(evaluationId),
      }
    }

    it('creates the data columns in header order and keeps the values in order', async () => {
      const evaluation = await newEvaluation()
      const header = ['question', 'answer', 'label']
      const rows = table(25, 3)
      const result = await repos.rows.importRows(evaluation.id, header, batchesOf(rows, 10))
      expect(result.rows).toBe(25)
      expect(result.columns.map((c) => c.name)).toEqual(header)
      expect(result.columns.every((c) => c.config.kind === 'data')).toBe(true)
      expect(result.columns.every((c) => c.evaluationId === evaluation.id)).toBe(true)
      const positions = result.columns.map((c) => c.position)
      expect([...positions].sort((a, b) => a - b)).toEqual(positions)
      expect(new Set(positions).size).toBe(3)

      const listed = await repos.columns.list(evaluation.id)
      expect(listed.map((c) => c.name)).toEqual(header)
      expect(listed.map((c) => c.id)).toEqual(result.columns.map((c) => c.id))
      expect(listed.every((c) => c.config.kind === 'data')).toBe(true)

      const stored = await all(repos.rows.stream(evaluation.id))
      expect(stored.map((r) => r.values)).toEqual(rows)
      expect(stored.map((r) => r.index)).toEqual(rows.map((_, i) => i))
      expect(stored.every((r) => r.evaluationId === evaluation.id)).toBe(true)
      expect(new Set(stored.map((r) => r.id)).size).toBe(25)
      expect(await repos.rows.count(evaluation.id)).toBe(25)
      expect((await repos.evaluations.get(evaluation.id))?.rowCount).toBe(25)
    })

    it('imports a header with no rows: columns, and a row count of 0', async () => {
      const evaluation = await newEvaluation()
      const result = await repos.rows.importRows(evaluation.id, ['only'], batchesOf([], 10))
      expect(result.rows).toBe(0)
      expect(result.columns.map((c) => c.name)).toEqual(['only'])
      expect(await repos.rows.count(evaluation.id)).toBe(0)
      expect(await repos.rows.list(evaluation.id, { limit: 10 })).toEqual([])
    })

    it('round-trips tricky strings byte for byte', async () => {
      const evaluation = await newEvaluation()
      const tricky = [
        '',
        ' ',
        '"',
        '""quoted""',
        "it's",
        'a,b,,c',
        'line1\r\nline2',
        'line1\nline2\n',
        '\r',
        'tab\there',
        '\\ back\\slash \\u0000 \\n',
        'Zürich naïve café',
        '東京 データ',
        '😀👩‍👩‍👧‍👦🏳️‍🌈',
        '\u200b\ufeffzero width and BOM',
        'null',
        '[1,2]',
        '{"json":true}',
        'x'.repeat(100_000),
        '\u0001\u001f\u007f controls',
        '<script>alert(1)</script>',
        '=SUM(A1)',
      ]
      const rows = tricky.map((value, i) => [String(i), value, `${value}|${value}`])
      await repos.rows.importRows(evaluation.id, ['n', 'value', 'twice'], batchesOf(rows, 7))
      const stored = await all(repos.rows.stream(evaluation.id, { pageSize: 5 }))
      expect(stored.length).toBe(rows.length)
      stored.forEach((row, i) => {
        expect(row.values).toStrictEqual(rows[i])
      })
      const one = stored[13]
      expect(one && (await repos.rows.get(one.id))?.values).toStrictEqual(rows[13])
    })

    it('refuses a NUL character on every adapter, naming the row, and writes nothing', async () => {
      const evaluation = await newEvaluation()
      const rows = [
        ['a', 'b'],
        ['c', 'd\u0000e'],
      ]
      const error = await expectCode(
        repos.rows.importRows(evaluation.id, ['x', 'y'], batchesOf(rows, 1)),
        'invalid_input',
      )
      expect(error.message).toContain('row 2')
      expect(error.message).toContain('"y"')
      expect(await snapshot(evaluation.id)).toEqual({
        rows: [],
        columns: [],
        rowCount: 0,
        count: 0,
      })
    })

    it('is all or nothing: a source that throws after two batches leaves nothing', async () => {
      const evaluation = await newEvaluation()
      const boom = new Error('the file broke')
      let pulled = 0
      async function* failing(): AsyncGenerator<string[][]> {
        pulled += 1
        yield table(3000, 4)
        pulled += 1
        yield table(3000, 4, 3000)
        throw boom
      }
      const error = await rejection(
        repos.rows.importRows(evaluation.id, ['a', 'b', 'c', 'd'], failing()),
      )
      expect(error).toBe(boom)
      expect(pulled).toBe(2)
      expect(await snapshot(evaluation.id)).toEqual({
        rows: [],
        columns: [],
        rowCount: 0,
        count: 0,
      })
    })

    it('is all or nothing when appending: earlier rows stay, none of the failed import does', async () => {
      const evaluation = await newEvaluation()
      await repos.rows.importRows(evaluation.id, ['a', 'b'], batchesOf(table(5, 2), 2))
      const before = await snapshot(evaluation.id)
      const boom = new Error('disk on fire')
      async function* failing(): AsyncGenerator<string[][]> {
        yield table(2500, 2, 5)
        yield table(2500, 2, 2505)
        throw boom
      }
      expect(await rejection(repos.rows.importRows(evaluation.id, ['a', 'b'], failing()))).toBe(
        boom,
      )
      expect(await snapshot(evaluation.id)).toEqual(before)
      expect(before.count).toBe(5)
    })

    it('is all or nothing when the signal aborts mid-import', async () => {
      const evaluation = await newEvaluation()
      const controller = new AbortController()
      let pulled = 0
      async function* source(): AsyncGenerator<string[][]> {
        for (let i = 0; i < 10; i++) {
          pulled += 1
          if (i === 2) controller.abort(new Error('user cancelled'))
          yield table(2000, 2, i * 2000)
        }
      }
      await expectCode(
        repos.rows.importRows(evaluation.id, ['a', 'b'], source(), { signal: controller.signal }),
        'cancelled',
      )
      expect(pulled).toBeLessThan(10)
      expect(await snapshot(evaluation.id)).toEqual({
        rows: [],
        columns: [],
        rowCount: 0,
        count: 0,
      })
    })

    it('refuses an already aborted signal without reading the source', async () => {
      const evaluation = await newEvaluation()
      const controller = new AbortController()
      controller.abort()
      let pulled = 0
      async function* source(): AsyncGenerator<string[][]> {
        pulled += 1
        yield table(1, 1)
      }
      await expectCode(
        repos.rows.importRows(evaluation.id, ['a'], source(), { signal: controller.signal }),
        'cancelled',
      )
      expect(pulled).toBe(0)
      expect(await snapshot(evaluation.id)).toEqual({
        rows: [],
        columns: [],
        rowCount: 0,
        count: 0,
      })
    })

    it('appends a second import whose header names the same columns in another order', async () => {
      const evaluation = await newEvaluation()
      const first = await repos.rows.importRows(
        evaluation.id,
        ['q', 'a', 'ref'],
        batchesOf(
          [
            ['q0', 'a0', 'ref0'],
            ['q1', 'a1', 'ref1'],
          ],
          1,
        ),
      )
      const second = await repos.rows.importRows(
        evaluation.id,
        ['ref', 'q', 'a'],
        batchesOf(
          [
            ['ref2', 'q2', 'a2'],
            ['ref3', 'q3', 'a3'],
            ['ref4', 'q4', 'a4'],
          ],
          2,
        ),
      )
      expect(second.rows).toBe(3)
      expect(second.columns.map((c) => c.id)).toEqual(first.columns.map((c) => c.id))
      expect(second.columns.map((c) => c.name)).toEqual(['q', 'a', 'ref'])
      expect((await repos.columns.list(evaluation.id)).map((c) => c.name)).toEqual([
        'q',
        'a',
        'ref',
      ])
      const stored = await all(repos.rows.stream(evaluation.id))
      expect(stored.map((r) => r.index)).toEqual([0, 1, 2, 3, 4])
      expect(stored.map((r) => r.values)).toEqual(
        [0, 1, 2, 3, 4].map((i) => [`q${i}`, `a${i}`, `ref${i}`]),
      )
      expect(await repos.rows.count(evaluation.id)).toBe(5)
      expect((await repos.evaluations.get(evaluation.id))?.rowCount).toBe(5)
    })

    it('refuses a second import with a different header, naming the names, and writes nothing', async () => {
      const evaluation = await newEvaluation()
      await repos.rows.importRows(evaluation.id, ['q', 'a'], batchesOf([['1', '2']], 1))
      const before = await snapshot(evaluation.id)
      let pulled = 0
      async function* source(): AsyncGenerator<string[][]> {
        pulled += 1
        yield [['x', 'y']]
      }
      const error = await expectCode(
        repos.rows.importRows(evaluation.id, ['q', 'answer'], source()),
        'invalid_input',
      )
      expect(error.message).toContain('"a"')
      expect(error.message).toContain('"answer"')
      expect(pulled).toBe(0)
      await expectCode(
        repos.rows.importRows(evaluation.id, ['q', 'a', 'extra'], batchesOf([['1', '2', '3']], 1)),
        'invalid_input',
      )
      await expectCode(
        repos.rows.importRows(evaluation.id, ['q'], batchesOf([['1']], 1)),
        'invalid_input',
      )
      expect(await snapshot(evaluation.id)).toEqual(before)
    })

    it('refuses a ragged row, naming its 1-based row number, and writes nothing', async () => {
      const evaluation = await newEvaluation()
      const rows = table(1500, 3)
      rows[1234] = ['only', 'two']
      const error = await expectCode(
        repos.rows.importRows(evaluation.id, ['a', 'b', 'c'], batchesOf(rows, 100)),
        'invalid_input',
      )
      expect(error.message).toContain('row 1235')
      expect(await snapshot(evaluation.id)).toEqual({
        rows: [],
        columns: [],
        rowCount: 0,
        count: 0,
      })
      const long = [['1', '2', '3', '4']]
      const tooLong = await expectCode(
        repos.rows.importRows(evaluation.id, ['a', 'b', 'c'], batchesOf(long, 1)),
        'invalid_input',
      )
      expect(tooLong.message).toContain('row 1')
    })

    it('refuses empty, duplicate and invalid header names', async () => {
      const evaluation = await newEvaluation()
      for (const header of [[], ['a', ''], ['a', 'b', 'a'], ['{{x}}'], [' padded']]) {
        await expectCode(
          repos.rows.importRows(evaluation.id, header, batchesOf([], 1)),
          'invalid_input',
        )
      }
      expect(await snapshot(evaluation.id)).toEqual({
        rows: [],
        columns: [],
        rowCount: 0,
        count: 0,
      })
    })

    it('refuses an import into an evaluation that does not exist', async () => {
      await expectCode(
        repos.rows.importRows('evl_missing', ['a'], batchesOf([['1']], 1)),
        'not_found',
      )
    })

    it('refuses data columns whose names clash with an existing column', async () => {
      const evaluation = await newEvaluation()
      await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'ground_truth',
        config: { kind: 'manual', valueType: 'text' },
      })
      await expectCode(
        repos.rows.importRows(evaluation.id, ['input', 'ground_truth'], batchesOf([['1', '2']], 1)),
        'conflict',
      )
      expect((await repos.columns.list(evaluation.id)).map((c) => c.name)).toEqual(['ground_truth'])
      expect(await repos.rows.count(evaluation.id)).toBe(0)

      const result = await repos.rows.importRows(
        evaluation.id,
        ['input', 'output'],
        batchesOf([['1', '2']], 1),
      )
      const manual = (await repos.columns.list(evaluation.id)).find(
        (c) => c.name === 'ground_truth',
      )
      expect(result.columns.every((c) => c.position > (manual?.position ?? -1))).toBe(true)
    })

    it('serialises two imports into one evaluation started together', async () => {
      const evaluation = await newEvaluation()
      const [one, two] = await Promise.all([
        repos.rows.importRows(evaluation.id, ['a', 'b'], batchesOf(table(1200, 2), 300)),
        repos.rows.importRows(evaluation.id, ['b', 'a'], batchesOf(table(800, 2, 5000), 300)),
      ])
      expect(one.columns.map((c) => c.id)).toEqual(two.columns.map((c) => c.id))
      const stored = await all(repos.rows.stream(evaluation.id))
      expect(stored.map((r) => r.index)).toEqual(stored.map((_, i) => i))
      expect(stored.length).toBe(2000)
      expect(await repos.rows.count(evaluation.id)).toBe(2000)
      expect((await repos.columns.list(evaluation.id)).length).toBe(2)
    })

    it('pages with a keyset on the index, covering every row exactly once', async () => {
      const evaluation = await newEvaluation()
      const rows = table(103, 2)
      await repos.rows.importRows(evaluation.id, ['a', 'b'], batchesOf(rows, 17))
      const seen: Row[] = []
      let afterIndex: number | undefined
      for (;;) {
        const page = await repos.rows.list(evaluation.id, { afterIndex, limit: 10 })
        expect(page.length).toBeLessThanOrEqual(10)
        seen.push(...page)
        const last = page[page.length - 1]
        if (!last) break
        afterIndex = last.index
      }
      expect(seen.map((r) => r.index)).toEqual(rows.map((_, i) => i))
      expect(seen.map((r) => r.values)).toEqual(rows)
      expect(new Set(seen.map((r) => r.id)).size).toBe(103)
      expect(
        (await repos.rows.list(evaluation.id, { afterIndex: 50, limit: 2 })).map((r) => r.index),
      ).toEqual([51, 52])
      expect(await repos.rows.list(evaluation.id, { afterIndex: 102, limit: 5 })).toEqual([])
      await expectCode(repos.rows.list(evaluation.id, { limit: 0 }), 'invalid_input')
    })

    it('streams every row in import order, whatever the page size', async () => {
      const evaluation = await newEvaluation()
      const rows = table(2345, 1)
      await repos.rows.importRows(evaluation.id, ['v'], batchesOf(rows, 1000))
      for (const pageSize of [undefined, 1, 7, 1000, 5000]) {
        const stored = await all(repos.rows.stream(evaluation.id, pageSize ? { pageSize } : {}))
        expect(stored.length).toBe(2345)
        expect(stored.every((r, i) => r.index === i && r.values[0] === rows[i]?.[0])).toBe(true)
      }
      expect(await all(repos.rows.stream('evl_missing'))).toEqual([])
    })

    it('gets a row by id, and nothing for unknown ids', async () => {
      const evaluation = await newEvaluation()
      await repos.rows.importRows(evaluation.id, ['a'], batchesOf([['x'], ['y']], 5))
      const [first, second] = await repos.rows.list(evaluation.id, { limit: 2 })
      expect(first && (await repos.rows.get(first.id))).toEqual(first)
      expect(second && (await repos.rows.get(second.id))).toEqual({
        id: second?.id,
        evaluationId: evaluation.id,
        index: 1,
        values: ['y'],
      })
      for (const id of ['nope', '0', '-1', '1.5', '99999999999999999999', '2147483646']) {
        expect(await repos.rows.get(id)).toBeUndefined()
      }
      expect(await repos.rows.count('evl_missing')).toBe(0)
    })

    it('keeps the rows of different evaluations apart', async () => {
      const one = await newEvaluation()
      const two = await newEvaluation()
      await repos.rows.importRows(one.id, ['a'], batchesOf([['1'], ['2']], 5))
      await repos.rows.importRows(two.id, ['b', 'c'], batchesOf([['3', '4']], 5))
      expect((await all(repos.rows.stream(one.id))).map((r) => r.values)).toEqual([['1'], ['2']])
      expect((await all(repos.rows.stream(two.id))).map((r) => r.values)).toEqual([['3', '4']])
      expect((await repos.rows.list(two.id, { limit: 5 }))[0]?.index).toBe(0)
    })

    it('removes the rows with their evaluation', async () => {
      const evaluation = await newEvaluation()
      await repos.rows.importRows(evaluation.id, ['a'], batchesOf(table(20, 1), 5))
      const [row] = await repos.rows.list(evaluation.id, { limit: 1 })
      await repos.evaluations.delete(evaluation.id)
      expect(await repos.rows.list(evaluation.id, { limit: 100 })).toEqual([])
      expect(row && (await repos.rows.get(row.id))).toBeUndefined()
      expect(await repos.rows.count(evaluation.id)).toBe(0)
    })
  })
}
