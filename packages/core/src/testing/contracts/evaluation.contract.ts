import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Project } from '../../domain/project.js'
import type { Repositories } from '../../ports/repositories.js'
import { type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

export function describeEvaluationContract(make: MakeHarness): void {
  describe('EvaluationRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    function newProject(): Promise<Project> {
      return repos.projects.create({ name: uniqueName('evaluations'), createdBy: null })
    }

    it('creates an empty evaluation with the cache on, and reads it back', async () => {
      const project = await newProject()
      const name = uniqueName('evaluation')
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name,
        createdBy: null,
      })
      expect(evaluation).toEqual({
        id: expect.any(String),
        projectId: project.id,
        name,
        createdAt: harness.clock.isoNow(),
        createdBy: null,
        cacheEnabled: true,
        rowCount: 0,
      })
      expect(await repos.evaluations.get(evaluation.id)).toEqual(evaluation)
      expect(await repos.evaluations.getByName(project.id, name)).toEqual(evaluation)
      expect(await repos.evaluations.get('evl_missing')).toBeUndefined()
      expect(await repos.evaluations.getByName(project.id, uniqueName('absent'))).toBeUndefined()
    })

    it('records its creator, and refuses a missing project or creator', async () => {
      const project = await newProject()
      const user = await repos.users.create({
        email: `${uniqueName('creator').replace(' ', '-')}@example.com`,
        name: 'Creator',
        isAdmin: false,
        passwordHash: null,
      })
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: uniqueName('evaluation'),
        createdBy: user.id,
      })
      expect(evaluation.createdBy).toBe(user.id)
      await expect(
        repos.evaluations.create({
          projectId: 'prj_missing',
          name: uniqueName('e'),
          createdBy: null,
        }),
      ).rejects.toMatchObject({ code: 'not_found' })
      await expect(
        repos.evaluations.create({
          projectId: project.id,
          name: uniqueName('e'),
          createdBy: 'usr_missing',
        }),
      ).rejects.toMatchObject({ code: 'not_found' })
      expect(await repos.evaluations.list(project.id)).toEqual([evaluation])
    })

    it('keeps names unique within a project, but not across projects', async () => {
      const one = await newProject()
      const two = await newProject()
      const name = uniqueName('shared name')
      const first = await repos.evaluations.create({ projectId: one.id, name, createdBy: null })
      const clash = repos.evaluations.create({ projectId: one.id, name, createdBy: null })
      await expect(clash).rejects.toMatchObject({ code: 'conflict' })
      await expect(clash.catch((e: Error) => e.message)).resolves.toContain(`"${name}"`)
      const other = await repos.evaluations.create({ projectId: two.id, name, createdBy: null })
      expect(other.id).not.toBe(first.id)
      expect(await repos.evaluations.getByName(one.id, name)).toEqual(first)
      expect(await repos.evaluations.getByName(two.id, name)).toEqual(other)
    })

    it('refuses an empty, blank, too long or NUL-bearing name, and trims the rest', async () => {
      const project = await newProject()
      for (const name of ['', '  ', 'x'.repeat(101), 'nul\u0000']) {
        await expect(
          repos.evaluations.create({ projectId: project.id, name, createdBy: null }),
        ).rejects.toMatchObject({ code: 'invalid_input' })
      }
      const longest = 'y'.repeat(100)
      expect(
        (await repos.evaluations.create({ projectId: project.id, name: longest, createdBy: null }))
          .name,
      ).toBe(longest)
      expect(
        (
          await repos.evaluations.create({
            projectId: project.id,
            name: ' trimmed ',
            createdBy: null,
          })
        ).name,
      ).toBe('trimmed')
      expect((await repos.evaluations.list(project.id)).map((e) => e.name).sort()).toEqual([
        'trimmed',
        longest,
      ])
    })

    it("lists a project's evaluations by name, and only that project's", async () => {
      const project = await newProject()
      const other = await newProject()
      const b = await repos.evaluations.create({
        projectId: project.id,
        name: 'b',
        createdBy: null,
      })
      const c = await repos.evaluations.create({
        projectId: project.id,
        name: 'c',
        createdBy: null,
      })
      const a = await repos.evaluations.create({
        projectId: project.id,
        name: 'a',
        createdBy: null,
      })
      await repos.evaluations.create({ projectId: other.id, name: 'a', createdBy: null })
      expect(await repos.evaluations.list(project.id)).toEqual([a, b, c])
      expect(await repos.evaluations.list('prj_missing')).toEqual([])
    })

    it('renames, and refuses a taken, invalid or missing one', async () => {
      const project = await newProject()
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: 'before',
        createdBy: null,
      })
      await repos.evaluations.create({ projectId: project.id, name: 'taken', createdBy: null })
      const renamed = await repos.evaluations.rename(evaluation.id, 'after')
      expect(renamed).toEqual({ ...evaluation, name: 'after' })
      expect(await repos.evaluations.get(evaluation.id)).toEqual(renamed)
      expect(await repos.evaluations.getByName(project.id, 'before')).toBeUndefined()
      expect(await repos.evaluations.rename(evaluation.id, 'after')).toEqual(renamed)
      await expect(repos.evaluations.rename(evaluation.id, 'taken')).rejects.toMatchObject({
        code: 'conflict',
      })
      await expect(repos.evaluations.rename(evaluation.id, ' ')).rejects.toMatchObject({
        code: 'invalid_input',
      })
      await expect(repos.evaluations.rename('evl_missing', 'x')).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.evaluations.get(evaluation.id)).toEqual(renamed)
    })

    it('switches the cache off and on', async () => {
      const project = await newProject()
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: 'cache',
        createdBy: null,
      })
      const off = await repos.evaluations.setCacheEnabled(evaluation.id, false)
      expect(off).toEqual({ ...evaluation, cacheEnabled: false })
      expect(await repos.evaluations.get(evaluation.id)).toEqual(off)
      expect(await repos.evaluations.setCacheEnabled(evaluation.id, true)).toEqual(evaluation)
      await expect(repos.evaluations.setCacheEnabled('evl_missing', true)).rejects.toMatchObject({
        code: 'not_found',
      })
    })

    it('deletes an evaluation with its columns, leaving its neighbours alone', async () => {
      const project = await newProject()
      const doomed = await repos.evaluations.create({
        projectId: project.id,
        name: 'doomed',
        createdBy: null,
      })
      const kept = await repos.evaluations.create({
        projectId: project.id,
        name: 'kept',
        createdBy: null,
      })
      const column = await repos.columns.add({
        evaluationId: doomed.id,
        name: 'label',
        config: { kind: 'manual', valueType: 'text' },
      })
      const keptColumn = await repos.columns.add({
        evaluationId: kept.id,
        name: 'label',
        config: { kind: 'manual', valueType: 'text' },
      })
      await repos.evaluations.delete(doomed.id)
      expect(await repos.evaluations.get(doomed.id)).toBeUndefined()
      expect(await repos.evaluations.getByName(project.id, 'doomed')).toBeUndefined()
      expect(await repos.evaluations.list(project.id)).toEqual([kept])
      expect(await repos.columns.get(column.id)).toBeUndefined()
      expect(await repos.columns.list(doomed.id)).toEqual([])
      expect(await repos.columns.get(keptColumn.id)).toEqual(keptColumn)
      expect(await repos.projects.get(project.id)).toEqual(project)
      await expect(repos.evaluations.delete(doomed.id)).rejects.toMatchObject({ code: 'not_found' })
      // The name is free again.
      await repos.evaluations.create({ projectId: project.id, name: 'doomed', createdBy: null })
    })

    it('returns copies: changing a returned evaluation changes nothing stored', async () => {
      const project = await newProject()
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: 'copy',
        createdBy: null,
      })
      evaluation.name = 'changed'
      evaluation.rowCount = 99
      expect(await repos.evaluations.get(evaluation.id)).toMatchObject({
        name: 'copy',
        rowCount: 0,
      })
    })
  })
}
