import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ColumnConfig } from '../../domain/column.js'
import type { Evaluation } from '../../domain/evaluation.js'
import type { Repositories } from '../../ports/repositories.js'
import { type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

const manual: ColumnConfig = { kind: 'manual', valueType: 'text' }

function judge(mapping: Record<string, string>): ColumnConfig {
  return {
    kind: 'evaluator',
    evaluator: {
      evaluatorId: 'coherence',
      connectionId: null,
      params: { temperature: 0 },
      mapping,
      threshold: { op: '>', value: 3 },
      options: {},
      compareWithColumnId: null,
    },
  }
}

async function* oneBatch(rows: string[][]): AsyncGenerator<string[][]> {
  yield rows
}

export function describeColumnContract(make: MakeHarness): void {
  describe('ColumnRepository', () => {
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
      const project = await repos.projects.create({ name: uniqueName('columns'), createdBy: null })
      return repos.evaluations.create({
        projectId: project.id,
        name: uniqueName('evaluation'),
        createdBy: null,
      })
    }

    it('appends columns at the next position and reads them back', async () => {
      const evaluation = await newEvaluation()
      const a = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'ground truth',
        config: manual,
      })
      expect(a).toEqual({
        id: expect.any(String),
        evaluationId: evaluation.id,
        name: 'ground truth',
        position: 0,
        config: manual,
        createdAt: harness.clock.isoNow(),
      })
      const b = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'thumbs',
        config: { kind: 'human', feedback: 'thumbs' },
      })
      const c = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'judge',
        config: judge({ output: a.id }),
      })
      expect([b.position, c.position]).toEqual([1, 2])
      expect(new Set([a.id, b.id, c.id]).size).toBe(3)
      expect(await repos.columns.get(b.id)).toEqual(b)
      expect(await repos.columns.list(evaluation.id)).toEqual([a, b, c])
      expect(await repos.columns.get('col_missing')).toBeUndefined()
      expect(await repos.columns.list('evl_missing')).toEqual([])
    })

    it('appends after imported data columns, and imports after added ones', async () => {
      const evaluation = await newEvaluation()
      const notes = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'notes',
        config: manual,
      })
      const imported = await repos.rows.importRows(
        evaluation.id,
        ['input', 'output'],
        oneBatch([['1', '2']]),
      )
      const after = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'after',
        config: manual,
      })
      const positions = [notes, ...imported.columns, after].map((c) => c.position)
      expect([...positions].sort((x, y) => x - y)).toEqual(positions)
      expect(new Set(positions).size).toBe(4)
      expect((await repos.columns.list(evaluation.id)).map((c) => c.name)).toEqual([
        'notes',
        'input',
        'output',
        'after',
      ])
    })

    it('gives concurrent adds distinct positions', async () => {
      const evaluation = await newEvaluation()
      const added = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          repos.columns.add({ evaluationId: evaluation.id, name: `c${i}`, config: manual }),
        ),
      )
      expect(new Set(added.map((c) => c.position)).size).toBe(8)
      expect((await repos.columns.list(evaluation.id)).map((c) => c.position)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7,
      ])
    })

    it('keeps names unique within an evaluation, but not across evaluations', async () => {
      const one = await newEvaluation()
      const two = await newEvaluation()
      const first = await repos.columns.add({ evaluationId: one.id, name: 'label', config: manual })
      const clash = repos.columns.add({
        evaluationId: one.id,
        name: 'label',
        config: { kind: 'human', feedback: 'comment' },
      })
      await expect(clash).rejects.toMatchObject({ code: 'conflict' })
      await expect(clash.catch((e: Error) => e.message)).resolves.toContain('"label"')
      const other = await repos.columns.add({ evaluationId: two.id, name: 'label', config: manual })
      expect(other.id).not.toBe(first.id)
      expect(await repos.columns.list(one.id)).toEqual([first])
      // Names are case-sensitive, as `{{variables}}` are.
      await repos.columns.add({ evaluationId: one.id, name: 'Label', config: manual })
    })

    it('refuses invalid names, invalid configurations, data columns and missing evaluations', async () => {
      const evaluation = await newEvaluation()
      for (const name of [
        '',
        ' padded',
        'padded ',
        '{{x}}',
        'a}b',
        'tab\there',
        'x'.repeat(201),
        'nul\u0000',
      ]) {
        await expect(
          repos.columns.add({ evaluationId: evaluation.id, name, config: manual }),
        ).rejects.toMatchObject({
          code: 'invalid_input',
        })
      }
      const bad = [
        { kind: 'unknown' },
        { kind: 'human', feedback: 'stars' },
        { kind: 'generated', generator: { type: 'prompt', connectionId: null, prompt: '' } },
        {
          ...judge({}),
          evaluator: {
            ...(judge({}) as { evaluator: object }).evaluator,
            threshold: { op: '=', value: 1 },
          },
        },
      ] as unknown as ColumnConfig[]
      for (const config of bad) {
        await expect(
          repos.columns.add({ evaluationId: evaluation.id, name: 'bad', config }),
        ).rejects.toMatchObject({
          code: 'invalid_input',
        })
      }
      await expect(
        repos.columns.add({ evaluationId: evaluation.id, name: 'data', config: { kind: 'data' } }),
      ).rejects.toMatchObject({ code: 'invalid_input' })
      await expect(
        repos.columns.add({ evaluationId: 'evl_missing', name: 'x', config: manual }),
      ).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.columns.list(evaluation.id)).toEqual([])
      const longest = 'z'.repeat(200)
      expect(
        (await repos.columns.add({ evaluationId: evaluation.id, name: longest, config: manual }))
          .name,
      ).toBe(longest)
    })

    it('stores every kind of configuration with its defaults filled in', async () => {
      const evaluation = await newEvaluation()
      const input = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'input',
        config: manual,
      })
      const configs: [ColumnConfig, ColumnConfig][] = [
        [{ kind: 'manual' } as ColumnConfig, { kind: 'manual', valueType: 'text' }],
        [
          { kind: 'manual', valueType: 'number' },
          { kind: 'manual', valueType: 'number' },
        ],
        [
          { kind: 'human', feedback: 'better_output' },
          { kind: 'human', feedback: 'better_output' },
        ],
        [
          {
            kind: 'generated',
            generator: { type: 'prompt', connectionId: 'con_1', prompt: 'Answer {{input}}' },
          } as ColumnConfig,
          {
            kind: 'generated',
            generator: {
              type: 'prompt',
              connectionId: 'con_1',
              prompt: 'Answer {{input}}',
              params: {},
            },
          },
        ],
        [
          {
            kind: 'generated',
            generator: {
              type: 'api',
              method: 'POST',
              url: 'http://127.0.0.1:9999/answer',
              outputPath: '$.answer',
              contextsPath: '$.contexts',
            },
          } as ColumnConfig,
          {
            kind: 'generated',
            generator: {
              type: 'api',
              method: 'POST',
              url: 'http://127.0.0.1:9999/answer',
              headers: [],
              body: '',
              outputPath: '$.answer',
              contextsPath: '$.contexts',
              timeoutMs: 60_000,
            },
          },
        ],
        [
          { kind: 'generated', generator: { type: 'rag-contexts', sourceColumnId: input.id } },
          { kind: 'generated', generator: { type: 'rag-contexts', sourceColumnId: input.id } },
        ],
        [
          {
            kind: 'evaluator',
            evaluator: {
              evaluatorId: 'metric:bleu',
              mapping: { output: input.id },
              threshold: null,
            },
          } as unknown as ColumnConfig,
          {
            kind: 'evaluator',
            evaluator: {
              evaluatorId: 'metric:bleu',
              connectionId: null,
              params: {},
              mapping: { output: input.id },
              threshold: null,
              options: {},
              compareWithColumnId: null,
            },
          },
        ],
        [
          {
            kind: 'evaluator',
            evaluator: {
              evaluatorId: 'banned-topics',
              connectionId: 'con_2',
              params: { temperature: 0.2, maxOutputTokens: 512, topP: 0.9 },
              mapping: { output: input.id, 'with space': input.id },
              threshold: { op: '<', value: 2.5 },
              options: {
                topics: ['politics', 'sport'],
                strict: true,
                nested: { quote: 'a "b" \\ ü 🚀' },
              },
              compareWithColumnId: input.id,
            },
          },
          {
            kind: 'evaluator',
            evaluator: {
              evaluatorId: 'banned-topics',
              connectionId: 'con_2',
              params: { temperature: 0.2, maxOutputTokens: 512, topP: 0.9 },
              mapping: { output: input.id, 'with space': input.id },
              threshold: { op: '<', value: 2.5 },
              options: {
                topics: ['politics', 'sport'],
                strict: true,
                nested: { quote: 'a "b" \\ ü 🚀' },
              },
              compareWithColumnId: input.id,
            },
          },
        ],
      ]
      for (const [i, [config, stored]] of configs.entries()) {
        const column = await repos.columns.add({
          evaluationId: evaluation.id,
          name: `kind ${i}`,
          config,
        })
        expect(column.config).toEqual(stored)
        expect((await repos.columns.get(column.id))?.config).toEqual(stored)
      }
    })

    it('renames a column in place, and refuses a taken, invalid or missing one', async () => {
      const evaluation = await newEvaluation()
      const a = await repos.columns.add({ evaluationId: evaluation.id, name: 'a', config: manual })
      const b = await repos.columns.add({ evaluationId: evaluation.id, name: 'b', config: manual })
      const renamed = await repos.columns.rename(a.id, 'alpha')
      expect(renamed).toEqual({ ...a, name: 'alpha' })
      expect(await repos.columns.list(evaluation.id)).toEqual([renamed, b])
      expect(await repos.columns.rename(a.id, 'alpha')).toEqual(renamed)
      await expect(repos.columns.rename(a.id, 'b')).rejects.toMatchObject({ code: 'conflict' })
      await expect(repos.columns.rename(a.id, '{{b}}')).rejects.toMatchObject({
        code: 'invalid_input',
      })
      await expect(repos.columns.rename('col_missing', 'c')).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.columns.get(a.id)).toEqual(renamed)
    })

    it('renames an imported data column, keeping its place among the data', async () => {
      const evaluation = await newEvaluation()
      const { columns } = await repos.rows.importRows(
        evaluation.id,
        ['q', 'a'],
        oneBatch([['1', '2']]),
      )
      const [q] = columns
      if (!q) throw new Error('expected a column')
      expect(await repos.columns.rename(q.id, 'question')).toEqual({ ...q, name: 'question' })
      expect((await repos.columns.list(evaluation.id)).map((c) => c.name)).toEqual([
        'question',
        'a',
      ])
      const [row] = await repos.rows.list(evaluation.id, { limit: 1 })
      expect(row?.values).toEqual(['1', '2'])
    })

    it('updates a configuration, keeping name and position, and refuses bad ones', async () => {
      const evaluation = await newEvaluation()
      const source = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'output',
        config: manual,
      })
      const column = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'judge',
        config: judge({ output: source.id }),
      })
      const next = judge({ output: source.id, context: source.id })
      const updated = await repos.columns.updateConfig(column.id, next)
      expect(updated).toEqual({ ...column, config: next })
      expect(await repos.columns.get(column.id)).toEqual(updated)
      // Another kind is fine, as long as it is not data.
      const human = await repos.columns.updateConfig(column.id, {
        kind: 'human',
        feedback: 'thumbs',
      })
      expect(human.config).toEqual({ kind: 'human', feedback: 'thumbs' })

      await expect(
        repos.columns.updateConfig(column.id, {
          kind: 'human',
          feedback: 'nope',
        } as unknown as ColumnConfig),
      ).rejects.toMatchObject({ code: 'invalid_input' })
      await expect(repos.columns.updateConfig(column.id, { kind: 'data' })).rejects.toMatchObject({
        code: 'invalid_input',
      })
      await expect(repos.columns.updateConfig('col_missing', manual)).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.columns.get(column.id)).toEqual(human)

      const { columns } = await repos.rows.importRows(evaluation.id, ['input'], oneBatch([['x']]))
      const data = columns[0]
      if (!data) throw new Error('expected a data column')
      await expect(repos.columns.updateConfig(data.id, manual)).rejects.toMatchObject({
        code: 'invalid_input',
      })
      expect(await repos.columns.get(data.id)).toEqual(data)
    })

    it('deletes a column with its cell values and results, leaving the rest in place', async () => {
      const evaluation = await newEvaluation()
      await repos.rows.importRows(evaluation.id, ['input'], oneBatch([['hello'], ['world']]))
      const [row] = await repos.rows.list(evaluation.id, { limit: 1 })
      if (!row) throw new Error('expected a row')
      const label = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'label',
        config: manual,
      })
      const kept = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'kept',
        config: manual,
      })
      const scored = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'scored',
        config: judge({}),
      })
      const when = harness.clock.isoNow()
      await repos.cellValues.set({
        rowId: row.id,
        columnId: label.id,
        value: 'yes',
        editedBy: null,
        editedAt: when,
      })
      await repos.cellValues.set({
        rowId: row.id,
        columnId: kept.id,
        value: 'keep',
        editedBy: null,
        editedAt: when,
      })
      const run = await repos.runs.create({
        evaluationId: evaluation.id,
        status: 'running',
        scope: { mode: 'all', columnIds: null, rowIds: null },
        startedBy: null,
        createdAt: when,
        segmentStartedAt: when,
        elapsedMs: 0,
        segments: 1,
        finishedAt: null,
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
        budget: null,
        stopReason: null,
      })
      const result = {
        runId: run.id,
        rowId: row.id,
        status: 'done',
        value: 4,
        pass: true,
        explanation: 'fine',
        raw: null,
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
        latencyMs: 1,
        attempts: 1,
        error: null,
        model: null,
        promptHash: null,
        cached: false,
        finishedAt: when,
      } as const
      await repos.cellResults.put({ ...result, columnId: scored.id })
      await repos.cellResults.put({ ...result, columnId: kept.id })

      await repos.columns.delete(label.id)
      await repos.columns.delete(scored.id)

      expect(await repos.columns.get(label.id)).toBeUndefined()
      expect((await repos.columns.list(evaluation.id)).map((c) => c.name)).toEqual([
        'input',
        'kept',
      ])
      expect(await repos.columns.get(kept.id)).toEqual(kept)
      expect(await repos.cellValues.get(row.id, label.id)).toBeUndefined()
      expect(await repos.cellValues.get(row.id, kept.id)).toMatchObject({ value: 'keep' })
      expect(await repos.cellResults.get(run.id, row.id, scored.id)).toBeUndefined()
      expect(await repos.cellResults.get(run.id, row.id, kept.id)).toBeDefined()
      expect(await repos.rows.count(evaluation.id)).toBe(2)
      await expect(repos.columns.delete(label.id)).rejects.toMatchObject({ code: 'not_found' })

      // The name is free again, and a new column goes after the remaining ones.
      const again = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'label',
        config: manual,
      })
      expect(again.position).toBeGreaterThan(kept.position)
    })

    it('refuses to delete an imported data column, whose values live in the rows', async () => {
      const evaluation = await newEvaluation()
      const { columns } = await repos.rows.importRows(
        evaluation.id,
        ['q', 'a'],
        oneBatch([['1', '2']]),
      )
      const data = columns[0]
      if (!data) throw new Error('expected a data column')
      await expect(repos.columns.delete(data.id)).rejects.toMatchObject({ code: 'invalid_state' })
      expect(await repos.columns.list(evaluation.id)).toEqual(columns)
    })

    it('returns copies: changing a returned column changes nothing stored', async () => {
      const evaluation = await newEvaluation()
      const source = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'source',
        config: manual,
      })
      const column = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'judge',
        config: judge({ output: source.id }),
      })
      if (column.config.kind !== 'evaluator') throw new Error('expected an evaluator column')
      column.config.evaluator.mapping.output = 'changed'
      column.name = 'changed'
      const read = await repos.columns.get(column.id)
      expect(read?.name).toBe('judge')
      expect(read?.config).toEqual(judge({ output: source.id }))
      if (read?.config.kind === 'evaluator') read.config.evaluator.mapping.output = 'changed again'
      expect((await repos.columns.list(evaluation.id))[1]?.config).toEqual(
        judge({ output: source.id }),
      )
    })
  })
}
