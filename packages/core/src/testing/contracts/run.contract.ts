import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Evaluation } from '../../domain/evaluation.js'
import type { Run } from '../../domain/run.js'
import type { Repositories } from '../../ports/repositories.js'
import {
  batchesOf,
  expectCode,
  type MakeHarness,
  type RepositoriesHarness,
  uniqueName,
} from './harness.js'

export function describeRunContract(make: MakeHarness): void {
  describe('RunRepository', () => {
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
      const project = await repos.projects.create({ name: uniqueName('runs'), createdBy: null })
      return repos.evaluations.create({
        projectId: project.id,
        name: uniqueName('runs evaluation'),
        createdBy: null,
      })
    }

    function draft(evaluationId: string, createdAt = '2026-01-01T00:00:00.000Z'): Omit<Run, 'id'> {
      return {
        evaluationId,
        status: 'queued',
        scope: { mode: 'unfinished', columnIds: null, rowIds: null },
        startedBy: null,
        createdAt,
        segmentStartedAt: null,
        elapsedMs: 0,
        segments: 0,
        finishedAt: null,
        tokensIn: 0,
        tokensOut: 0,
        cost: 0,
        budget: null,
        stopReason: null,
      }
    }

    it('creates a run and reads every field back', async () => {
      const evaluation = await newEvaluation()
      const user = await repos.users.create({
        email: `${uniqueName('runner').replace(' ', '-')}@example.com`,
        name: 'Runner',
        isAdmin: false,
        passwordHash: null,
      })
      const input: Omit<Run, 'id'> = {
        ...draft(evaluation.id),
        scope: { mode: 'rows', columnIds: ['col_a', 'col_b'], rowIds: ['1', '2', '3'] },
        startedBy: user.id,
        segmentStartedAt: '2026-01-01T00:00:01.000Z',
        status: 'running',
        elapsedMs: 5_000_000_000,
        segments: 3,
        tokensIn: 3_000_000_000,
        tokensOut: 7,
        cost: 1.25,
        budget: { maxTokens: 100_000, maxCost: 2.5 },
        stopReason: 'a "reason", with\nnewline',
      }
      const run = await repos.runs.create(input)
      expect(run.id).toEqual(expect.any(String))
      expect(run).toEqual({ ...input, id: run.id })
      expect(await repos.runs.get(run.id)).toEqual(run)
      expect(await repos.runs.get('run_missing')).toBeUndefined()
    })

    it('gives every run its own id', async () => {
      const evaluation = await newEvaluation()
      const a = await repos.runs.create(draft(evaluation.id))
      const b = await repos.runs.create({ ...draft(evaluation.id), status: 'completed' })
      expect(a.id).not.toBe(b.id)
    })

    it('refuses a run of a missing evaluation or starter', async () => {
      await expectCode(repos.runs.create(draft('evl_missing')), 'not_found')
      const evaluation = await newEvaluation()
      await expectCode(
        repos.runs.create({ ...draft(evaluation.id), startedBy: 'usr_missing' }),
        'not_found',
      )
      expect(await repos.runs.list(evaluation.id)).toEqual([])
    })

    it('refuses a run that breaks the run schema', async () => {
      const evaluation = await newEvaluation()
      const bad = [
        { ...draft(evaluation.id), status: 'paused' },
        { ...draft(evaluation.id), elapsedMs: -1 },
        { ...draft(evaluation.id), tokensIn: 1.5 },
        { ...draft(evaluation.id), cost: Number.NaN },
        { ...draft(evaluation.id), createdAt: 'yesterday' },
      ] as Omit<Run, 'id'>[]
      for (const input of bad) await expectCode(repos.runs.create(input), 'invalid_input')
      const run = await repos.runs.create(draft(evaluation.id))
      await expectCode(
        repos.runs.update({ ...run, status: 'paused' } as unknown as Run, 'queued'),
        'invalid_input',
      )
      expect(await repos.runs.list(evaluation.id)).toEqual([run])
    })

    it('lists the runs of an evaluation newest first', async () => {
      const evaluation = await newEvaluation()
      const other = await newEvaluation()
      const done = (createdAt: string): Omit<Run, 'id'> => ({
        ...draft(evaluation.id, createdAt),
        status: 'completed',
      })
      const second = await repos.runs.create(done('2026-01-02T00:00:00.000Z'))
      const first = await repos.runs.create(done('2026-01-01T00:00:00.000Z'))
      const third = await repos.runs.create(draft(evaluation.id, '2026-01-03T00:00:00.000Z'))
      await repos.runs.create(draft(other.id, '2026-01-04T00:00:00.000Z'))
      expect((await repos.runs.list(evaluation.id)).map((r) => r.id)).toEqual([
        third.id,
        second.id,
        first.id,
      ])
      expect(await repos.runs.list('evl_missing')).toEqual([])
    })

    it('lists runs by status across evaluations', async () => {
      const one = await newEvaluation()
      const two = await newEvaluation()
      const running = await repos.runs.create({
        ...draft(one.id),
        status: 'running',
        segmentStartedAt: '2026-01-01T00:00:00.000Z',
      })
      const stopping = await repos.runs.create({ ...draft(two.id), status: 'stopping' })
      const done = await repos.runs.create({ ...draft(two.id), status: 'completed' })
      const found = await repos.runs.listByStatus(['running', 'stopping'])
      const ids = found.map((r) => r.id)
      expect(ids).toContain(running.id)
      expect(ids).toContain(stopping.id)
      expect(ids).not.toContain(done.id)
      expect(found.every((r) => r.status === 'running' || r.status === 'stopping')).toBe(true)
      expect((await repos.runs.listByStatus(['completed'])).map((r) => r.id)).toContain(done.id)
      expect(await repos.runs.listByStatus([])).toEqual([])
    })

    it('updates with compare-and-set on the status: a stale writer gets undefined', async () => {
      const evaluation = await newEvaluation()
      const queued = await repos.runs.create(draft(evaluation.id))
      const started: Run = {
        ...queued,
        status: 'running',
        segmentStartedAt: '2026-01-01T00:00:10.000Z',
        segments: 1,
      }
      expect(await repos.runs.update(started, 'queued')).toEqual(started)

      // A second worker read the queued run too and tries to start it as well.
      const stale: Run = {
        ...queued,
        status: 'running',
        segmentStartedAt: '2026-01-01T00:00:11.000Z',
        segments: 1,
      }
      expect(await repos.runs.update(stale, 'queued')).toBeUndefined()
      expect(await repos.runs.get(queued.id)).toEqual(started)

      const stopped: Run = {
        ...started,
        status: 'stopped',
        segmentStartedAt: null,
        elapsedMs: 1234,
        finishedAt: '2026-01-01T00:00:11.234Z',
        stopReason: 'user',
        scope: { mode: 'column', columnIds: ['col_x'], rowIds: null },
        budget: { maxTokens: null, maxCost: 3 },
      }
      expect(await repos.runs.update(stopped, 'running')).toEqual(stopped)
      expect(await repos.runs.get(queued.id)).toEqual(stopped)
    })

    it('lets exactly one of two concurrent writers move a run', async () => {
      const evaluation = await newEvaluation()
      const queued = await repos.runs.create(draft(evaluation.id))
      const a: Run = {
        ...queued,
        status: 'running',
        segments: 1,
        segmentStartedAt: '2026-01-01T00:00:01.000Z',
      }
      const b: Run = {
        ...queued,
        status: 'failed',
        finishedAt: '2026-01-01T00:00:02.000Z',
        stopReason: 'b',
      }
      const results = await Promise.all([
        repos.runs.update(a, 'queued'),
        repos.runs.update(b, 'queued'),
      ])
      const winners = results.filter((r) => r !== undefined)
      expect(winners.length).toBe(1)
      expect(await repos.runs.get(queued.id)).toEqual(winners[0])
    })

    it('keeps one active run per evaluation: of two concurrent creates, exactly one wins', async () => {
      const evaluation = await newEvaluation()
      const attempts = await Promise.allSettled([
        repos.runs.create(draft(evaluation.id)),
        repos.runs.create({ ...draft(evaluation.id), status: 'running' }),
      ])
      const created = attempts.filter((a) => a.status === 'fulfilled')
      const refused = attempts.filter((a) => a.status === 'rejected')
      expect(created.length).toBe(1)
      expect(refused.length).toBe(1)
      await expectCode(Promise.reject(refused[0]!.reason), 'invalid_state')
      const listed = await repos.runs.list(evaluation.id)
      expect(listed.map((r) => r.id)).toEqual([created[0]!.value.id])

      // Every active status counts, finished runs and other evaluations do not.
      for (const status of ['queued', 'running', 'stopping'] as const) {
        await expectCode(repos.runs.create({ ...draft(evaluation.id), status }), 'invalid_state')
      }
      for (const status of ['stopped', 'completed', 'failed'] as const) {
        await repos.runs.create({ ...draft(evaluation.id), status })
      }
      const other = await newEvaluation()
      await repos.runs.create(draft(other.id))
      expect((await repos.runs.list(evaluation.id)).length).toBe(4)
    })

    it('lets a new run start once the active one has stopped', async () => {
      const evaluation = await newEvaluation()
      const first = await repos.runs.create(draft(evaluation.id))
      const stopped = await repos.runs.update(
        { ...first, status: 'stopped', stopReason: 'user' },
        'queued',
      )
      expect(stopped?.status).toBe('stopped')
      const second = await repos.runs.create(draft(evaluation.id))
      expect(second.status).toBe('queued')
    })

    it('resumes a stopped run unless another run of the evaluation is active', async () => {
      const evaluation = await newEvaluation()
      const stopped = await repos.runs.create({ ...draft(evaluation.id), status: 'stopped' })
      const active = await repos.runs.create({ ...draft(evaluation.id), status: 'running' })
      await expectCode(
        repos.runs.update({ ...stopped, status: 'queued' }, 'stopped'),
        'invalid_state',
      )
      expect((await repos.runs.get(stopped.id))?.status).toBe('stopped')

      // The active run moving between active statuses is not a second run.
      const stopping = await repos.runs.update({ ...active, status: 'stopping' }, 'running')
      expect(stopping?.status).toBe('stopping')
      await repos.runs.update({ ...active, status: 'stopped' }, 'stopping')

      const resumed = await repos.runs.update({ ...stopped, status: 'queued' }, 'stopped')
      expect(resumed?.status).toBe('queued')
      const running = await repos.runs.update(
        { ...resumed!, status: 'running', segmentStartedAt: '2026-01-01T00:00:01.000Z' },
        'queued',
      )
      expect(running?.status).toBe('running')
    })

    it('lets exactly one of two concurrent resumes of an evaluation win', async () => {
      const evaluation = await newEvaluation()
      const a = await repos.runs.create({ ...draft(evaluation.id), status: 'stopped' })
      const b = await repos.runs.create({ ...draft(evaluation.id), status: 'failed' })
      const attempts = await Promise.allSettled([
        repos.runs.update({ ...a, status: 'queued' }, 'stopped'),
        repos.runs.update({ ...b, status: 'queued' }, 'failed'),
      ])
      expect(attempts.filter((x) => x.status === 'fulfilled').length).toBe(1)
      const queued = (await repos.runs.list(evaluation.id)).filter((r) => r.status === 'queued')
      expect(queued.length).toBe(1)
    })

    it('refuses to update a run that does not exist', async () => {
      const evaluation = await newEvaluation()
      const run = await repos.runs.create(draft(evaluation.id))
      await expectCode(repos.runs.update({ ...run, id: 'run_missing' }, 'queued'), 'not_found')
    })

    it('leaves the token and cost totals to the cell results', async () => {
      const evaluation = await newEvaluation()
      await repos.rows.importRows(evaluation.id, ['input'], batchesOf([['a']], 1))
      const [row] = await repos.rows.list(evaluation.id, { limit: 1 })
      const column = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'judge',
        config: {
          kind: 'evaluator',
          evaluator: {
            evaluatorId: 'metric:exact-match',
            connectionId: null,
            params: {},
            mapping: {},
            threshold: null,
            options: {},
            compareWithColumnId: null,
          },
        },
      })
      const run = await repos.runs.create({ ...draft(evaluation.id), status: 'running' })
      await repos.cellResults.put({
        runId: run.id,
        rowId: row!.id,
        columnId: column.id,
        status: 'done',
        value: 1,
        pass: true,
        explanation: null,
        raw: null,
        tokensIn: 10,
        tokensOut: 5,
        cost: 0.5,
        latencyMs: 3,
        attempts: 1,
        error: null,
        model: null,
        promptHash: null,
        cached: false,
        finishedAt: '2026-01-01T00:00:01.000Z',
      })
      // `run` is a copy read before the result counted its usage.
      const updated = await repos.runs.update(
        { ...run, status: 'stopping', stopReason: 'user' },
        'running',
      )
      expect(updated).toMatchObject({ status: 'stopping', tokensIn: 10, tokensOut: 5, cost: 0.5 })
      expect(await repos.runs.get(run.id)).toEqual(updated)
    })

    it('records the last heartbeat of a run and returns it', async () => {
      const evaluation = await newEvaluation()
      const run = await repos.runs.create({
        ...draft(evaluation.id),
        status: 'running',
        segmentStartedAt: '2026-01-01T00:00:00.000Z',
        segments: 1,
      })
      const other = await repos.runs.create({ ...draft(evaluation.id), status: 'stopped' })
      expect(await repos.runs.lastHeartbeat(run.id)).toBeNull()
      await repos.runs.heartbeat(run.id, '2026-01-01T00:00:05.000Z')
      expect(await repos.runs.lastHeartbeat(run.id)).toBe('2026-01-01T00:00:05.000Z')
      await repos.runs.heartbeat(run.id, '2026-01-01T00:00:10.250Z')
      expect(await repos.runs.lastHeartbeat(run.id)).toBe('2026-01-01T00:00:10.250Z')
      expect(await repos.runs.lastHeartbeat(other.id)).toBeNull()
      expect(await repos.runs.get(run.id)).toEqual(run)
    })

    it('has no heartbeat for a missing run, and refuses one for it or at a bad time', async () => {
      const evaluation = await newEvaluation()
      const run = await repos.runs.create(draft(evaluation.id))
      expect(await repos.runs.lastHeartbeat('run_missing')).toBeUndefined()
      await expectCode(repos.runs.heartbeat('run_missing', '2026-01-01T00:00:05.000Z'), 'not_found')
      await expectCode(repos.runs.heartbeat(run.id, 'a while ago'), 'invalid_input')
      expect(await repos.runs.lastHeartbeat(run.id)).toBeNull()
    })

    it('keeps the status and the totals through heartbeats, and the heartbeat through updates', async () => {
      const evaluation = await newEvaluation()
      await repos.rows.importRows(evaluation.id, ['input'], batchesOf([['a']], 1))
      const [row] = await repos.rows.list(evaluation.id, { limit: 1 })
      const column = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'output',
        config: {
          kind: 'generated',
          generator: { type: 'prompt', connectionId: null, prompt: '{{input}}', params: {} },
        },
      })
      const run = await repos.runs.create({
        ...draft(evaluation.id),
        status: 'running',
        segmentStartedAt: '2026-01-01T00:00:00.000Z',
        segments: 1,
      })
      await repos.cellResults.put({
        runId: run.id,
        rowId: row!.id,
        columnId: column.id,
        status: 'done',
        value: 'answer',
        pass: null,
        explanation: null,
        raw: null,
        tokensIn: 12,
        tokensOut: 34,
        cost: 0.5,
        latencyMs: 3,
        attempts: 1,
        error: null,
        model: 'm',
        promptHash: null,
        cached: false,
        finishedAt: '2026-01-01T00:00:01.000Z',
      })
      const before = await repos.runs.get(run.id)
      expect(before).toMatchObject({ status: 'running', tokensIn: 12, tokensOut: 34, cost: 0.5 })
      await repos.runs.heartbeat(run.id, '2026-01-01T00:00:02.000Z')
      expect(await repos.runs.get(run.id)).toEqual(before)
      expect((await repos.runs.listByStatus(['running'])).map((r) => r.id)).toContain(run.id)

      // A compare-and-set still sees the status the heartbeat left alone, and keeps the heartbeat.
      const stopped = await repos.runs.update(
        { ...before!, status: 'stopped', segmentStartedAt: null, elapsedMs: 2000 },
        'running',
      )
      expect(stopped).toMatchObject({ status: 'stopped', tokensIn: 12, tokensOut: 34 })
      expect(await repos.runs.lastHeartbeat(run.id)).toBe('2026-01-01T00:00:02.000Z')
    })

    it('removes the runs with their evaluation', async () => {
      const evaluation = await newEvaluation()
      const run = await repos.runs.create(draft(evaluation.id))
      await repos.evaluations.delete(evaluation.id)
      expect(await repos.runs.get(run.id)).toBeUndefined()
      expect(await repos.runs.list(evaluation.id)).toEqual([])
      expect((await repos.runs.listByStatus(['queued'])).map((r) => r.id)).not.toContain(run.id)
    })

    it('forgets the heartbeat of a run removed with its evaluation', async () => {
      const evaluation = await newEvaluation()
      const run = await repos.runs.create(draft(evaluation.id))
      await repos.runs.heartbeat(run.id, '2026-01-01T00:00:05.000Z')
      await repos.evaluations.delete(evaluation.id)
      expect(await repos.runs.lastHeartbeat(run.id)).toBeUndefined()
    })
  })
}
