import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Column } from '../../domain/column.js'
import type { Evaluation } from '../../domain/evaluation.js'
import type { Row } from '../../domain/row.js'
import type { Repositories } from '../../ports/repositories.js'
import {
  batchesOf,
  expectCode,
  type MakeHarness,
  type RepositoriesHarness,
  uniqueName,
} from './harness.js'

export function describeCellValueContract(make: MakeHarness): void {
  describe('CellValueRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    /** An evaluation with `n` imported rows and a manual column. */
    async function setup(
      n: number,
    ): Promise<{ evaluation: Evaluation; rows: Row[]; manual: Column }> {
      const project = await repos.projects.create({ name: uniqueName('cells'), createdBy: null })
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: uniqueName('cells evaluation'),
        createdBy: null,
      })
      const data = Array.from({ length: n }, (_, i) => [`input ${i}`])
      await repos.rows.importRows(evaluation.id, ['input'], batchesOf(data, 500))
      const rows = await repos.rows.list(evaluation.id, { limit: n })
      const manual = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'ground_truth',
        config: { kind: 'manual', valueType: 'text' },
      })
      return { evaluation, rows, manual }
    }

    async function newUser(): Promise<string> {
      const user = await repos.users.create({
        email: `${uniqueName('editor').replace(' ', '-')}@example.com`,
        name: 'Editor',
        isAdmin: false,
        passwordHash: null,
      })
      return user.id
    }

    it('sets a value with who and when, and reads it back', async () => {
      const { rows, manual } = await setup(2)
      const userId = await newUser()
      const row = rows[0]!
      const input = {
        rowId: row.id,
        columnId: manual.id,
        value: 'Paris',
        editedBy: userId,
        editedAt: '2026-01-02T03:04:05.678Z',
      }
      expect(await repos.cellValues.set(input)).toEqual(input)
      expect(await repos.cellValues.get(row.id, manual.id)).toEqual(input)
      expect(await repos.cellValues.get(rows[1]!.id, manual.id)).toBeUndefined()
    })

    it('replaces the value, the editor and the time on a second edit', async () => {
      const { rows, manual } = await setup(1)
      const first = await newUser()
      const second = await newUser()
      const row = rows[0]!
      await repos.cellValues.set({
        rowId: row.id,
        columnId: manual.id,
        value: 'old',
        editedBy: first,
        editedAt: '2026-01-01T00:00:00.000Z',
      })
      const next = {
        rowId: row.id,
        columnId: manual.id,
        value: 'new',
        editedBy: second,
        editedAt: '2026-01-01T00:05:00.000Z',
      }
      expect(await repos.cellValues.set(next)).toEqual(next)
      expect(await repos.cellValues.get(row.id, manual.id)).toEqual(next)
      const cleared = { ...next, value: null, editedBy: null, editedAt: '2026-01-01T00:06:00.000Z' }
      expect(await repos.cellValues.set(cleared)).toEqual(cleared)
      expect(await repos.cellValues.get(row.id, manual.id)).toEqual(cleared)
      expect(await repos.cellValues.listForRows(manual.id, [row.id])).toEqual([cleared])
    })

    it('round-trips tricky text and refuses a NUL character', async () => {
      const { rows, manual } = await setup(1)
      const row = rows[0]!
      const base = {
        rowId: row.id,
        columnId: manual.id,
        editedBy: null,
        editedAt: '2026-01-01T00:00:00.000Z',
      }
      for (const value of ['', 'a,"b"\r\nc\n', '😀 東京 \t', 'x'.repeat(50_000)]) {
        await repos.cellValues.set({ ...base, value })
        expect((await repos.cellValues.get(row.id, manual.id))?.value).toBe(value)
      }
      await expectCode(repos.cellValues.set({ ...base, value: 'a\u0000b' }), 'invalid_input')
      await expectCode(
        repos.cellValues.set({ ...base, value: 'x', editedAt: 'now' }),
        'invalid_input',
      )
      expect((await repos.cellValues.get(row.id, manual.id))?.value).toBe('x'.repeat(50_000))
    })

    it('lists the values of many rows in one call, in the order asked, skipping absent ones', async () => {
      const { rows, manual } = await setup(1200)
      const edited = rows.filter((_, i) => i % 3 === 0)
      for (const row of edited) {
        await repos.cellValues.set({
          rowId: row.id,
          columnId: manual.id,
          value: `v${row.index}`,
          editedBy: null,
          editedAt: '2026-01-01T00:00:00.000Z',
        })
      }
      const asked = [...rows].reverse().map((r) => r.id)
      const listed = await repos.cellValues.listForRows(manual.id, [...asked, 'nope', asked[0]!])
      expect(listed.map((v) => v.rowId)).toEqual([...edited].reverse().map((r) => r.id))
      expect(listed.every((v) => v.columnId === manual.id)).toBe(true)
      expect(listed.map((v) => v.value)).toEqual([...edited].reverse().map((r) => `v${r.index}`))
      expect(await repos.cellValues.listForRows(manual.id, [])).toEqual([])
      expect(await repos.cellValues.listForRows('col_missing', asked.slice(0, 10))).toEqual([])
    })

    it('refuses a missing row, column or editor, and a row and column of different evaluations', async () => {
      const { rows, manual } = await setup(1)
      const other = await setup(1)
      const row = rows[0]!
      const base = { value: 'x', editedBy: null, editedAt: '2026-01-01T00:00:00.000Z' }
      await expectCode(
        repos.cellValues.set({ ...base, rowId: 'nope', columnId: manual.id }),
        'not_found',
      )
      await expectCode(
        repos.cellValues.set({ ...base, rowId: '2147483000', columnId: manual.id }),
        'not_found',
      )
      await expectCode(
        repos.cellValues.set({ ...base, rowId: row.id, columnId: 'col_missing' }),
        'not_found',
      )
      await expectCode(
        repos.cellValues.set({
          ...base,
          rowId: row.id,
          columnId: manual.id,
          editedBy: 'usr_missing',
        }),
        'not_found',
      )
      await expectCode(
        repos.cellValues.set({ ...base, rowId: row.id, columnId: other.manual.id }),
        'invalid_input',
      )
      expect(await repos.cellValues.get(row.id, manual.id)).toBeUndefined()
      expect(await repos.cellValues.get('nope', manual.id)).toBeUndefined()
    })

    it('removes the values with their evaluation', async () => {
      const { evaluation, rows, manual } = await setup(3)
      for (const row of rows) {
        await repos.cellValues.set({
          rowId: row.id,
          columnId: manual.id,
          value: 'v',
          editedBy: null,
          editedAt: '2026-01-01T00:00:00.000Z',
        })
      }
      await repos.evaluations.delete(evaluation.id)
      expect(
        await repos.cellValues.listForRows(
          manual.id,
          rows.map((r) => r.id),
        ),
      ).toEqual([])
      expect(await repos.cellValues.get(rows[0]!.id, manual.id)).toBeUndefined()
    })
  })
}
