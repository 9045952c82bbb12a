import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Evaluator } from '../../domain/evaluator.js'
import type { Project } from '../../domain/project.js'
import type { Repositories } from '../../ports/repositories.js'
import { type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

type EvaluatorInput = Omit<Evaluator, 'id' | 'createdAt'>

function judge(overrides: Partial<EvaluatorInput> = {}): EvaluatorInput {
  return {
    kind: 'llm',
    category: 'quality',
    scope: 'custom',
    projectId: null,
    name: uniqueName('judge'),
    description: 'Rates how well the answer follows the brief.',
    prompt: 'Given {{input}}, rate {{output}} from 1 to 5.',
    variables: ['input', 'output'],
    scale: { kind: 'score', min: 1, max: 5 },
    polarity: 'positive',
    ...overrides,
  }
}

export function describeEvaluatorContract(make: MakeHarness): void {
  describe('CustomEvaluatorRepository', () => {
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
      return repos.projects.create({ name: uniqueName('evaluators'), createdBy: null })
    }

    it("creates a project's custom evaluator and reads it back", async () => {
      const project = await newProject()
      const input = judge({ projectId: project.id })
      const evaluator = await repos.evaluators.create(input)
      expect(evaluator).toEqual({
        ...input,
        id: expect.any(String),
        createdAt: harness.clock.isoNow(),
      })
      expect(await repos.evaluators.get(evaluator.id)).toEqual(evaluator)
      expect(await repos.evaluators.get('evr_missing')).toBeUndefined()
    })

    it('stores a global evaluator, a boolean metric and a human one, field for field', async () => {
      const project = await newProject()
      const inputs: EvaluatorInput[] = [
        judge({ scope: 'global', polarity: 'negative', description: '' }),
        judge({
          kind: 'metric',
          category: 'rag',
          projectId: project.id,
          prompt: null,
          variables: [],
          scale: { kind: 'boolean' },
          description: 'quotes "x", ü, 🚀\nand a newline',
        }),
        judge({
          kind: 'human',
          category: 'safety',
          projectId: project.id,
          prompt: null,
          variables: [],
        }),
        judge({ projectId: project.id, scale: { kind: 'score', min: 0, max: 1 } }),
      ]
      for (const input of inputs) {
        const evaluator = await repos.evaluators.create(input)
        expect(evaluator).toEqual({ ...input, id: evaluator.id, createdAt: evaluator.createdAt })
        expect(await repos.evaluators.get(evaluator.id)).toEqual(evaluator)
      }
    })

    it("lists a project's own evaluators plus every global one, by name", async () => {
      const project = await newProject()
      const other = await newProject()
      const tag = uniqueName('listed')
      const own = await repos.evaluators.create(judge({ name: `${tag} c`, projectId: project.id }))
      const global = await repos.evaluators.create(judge({ name: `${tag} a`, scope: 'global' }))
      const foreign = await repos.evaluators.create(
        judge({ name: `${tag} b`, projectId: other.id }),
      )
      const mine = (list: Evaluator[]) => list.filter((e) => e.name.startsWith(`${tag} `))
      expect(mine(await repos.evaluators.list(project.id))).toEqual([global, own])
      expect(mine(await repos.evaluators.list(other.id))).toEqual([global, foreign])
      expect(mine(await repos.evaluators.list(null))).toEqual([global])
      expect((await repos.evaluators.list(null)).every((e) => e.scope === 'global')).toBe(true)
      expect(mine(await repos.evaluators.list('prj_missing'))).toEqual([global])
    })

    it('refuses system evaluators, a scope without its project rule, and invalid fields', async () => {
      const project = await newProject()
      const bad: EvaluatorInput[] = [
        judge({ scope: 'system', projectId: null }),
        judge({ scope: 'custom', projectId: null }),
        judge({ scope: 'global', projectId: project.id }),
        judge({ projectId: project.id, name: '' }),
        judge({ projectId: project.id, name: 'x'.repeat(101) }),
        judge({ projectId: project.id, name: 'nul\u0000' }),
        judge({ projectId: project.id, scale: { kind: 'score', min: 5, max: 5 } }),
        judge({ projectId: project.id, kind: 'oracle' as EvaluatorInput['kind'] }),
        judge({ projectId: project.id, polarity: 'up' as EvaluatorInput['polarity'] }),
        judge({ projectId: project.id, description: 'x'.repeat(2001) }),
      ]
      for (const input of bad) {
        await expect(repos.evaluators.create(input)).rejects.toMatchObject({
          code: 'invalid_input',
        })
      }
      await expect(
        repos.evaluators.create(judge({ projectId: 'prj_missing' })),
      ).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(
        (await repos.evaluators.list(project.id)).filter((e) => e.projectId === project.id),
      ).toEqual([])
    })

    it('updates the given fields, keeping id, scope and creation time', async () => {
      const project = await newProject()
      const evaluator = await repos.evaluators.create(judge({ projectId: project.id }))
      const name = uniqueName('renamed judge')
      const updated = await repos.evaluators.update(evaluator.id, {
        name,
        prompt: 'Is {{output}} safe? Answer yes or no.',
        variables: ['output'],
        scale: { kind: 'boolean' },
        category: 'safety',
      })
      expect(updated).toEqual({
        ...evaluator,
        name,
        prompt: 'Is {{output}} safe? Answer yes or no.',
        variables: ['output'],
        scale: { kind: 'boolean' },
        category: 'safety',
      })
      expect(await repos.evaluators.get(evaluator.id)).toEqual(updated)
      // `scope` is not part of a patch; a stray one changes nothing.
      const sneaky = { description: 'still custom', scope: 'global' } as Parameters<
        typeof repos.evaluators.update
      >[1]
      expect(await repos.evaluators.update(evaluator.id, sneaky)).toMatchObject({
        scope: 'custom',
        projectId: project.id,
        description: 'still custom',
      })
      const noPrompt = await repos.evaluators.update(evaluator.id, { prompt: null })
      expect(noPrompt.prompt).toBeNull()
    })

    it('refuses an invalid update, one to a missing project, and a missing evaluator', async () => {
      const project = await newProject()
      const evaluator = await repos.evaluators.create(judge({ projectId: project.id }))
      await expect(repos.evaluators.update(evaluator.id, { name: '' })).rejects.toMatchObject({
        code: 'invalid_input',
      })
      await expect(
        repos.evaluators.update(evaluator.id, { scale: { kind: 'score', min: 3, max: 1 } }),
      ).rejects.toMatchObject({ code: 'invalid_input' })
      await expect(
        repos.evaluators.update(evaluator.id, { projectId: null }),
      ).rejects.toMatchObject({
        code: 'invalid_input',
      })
      await expect(
        repos.evaluators.update(evaluator.id, { projectId: 'prj_missing' }),
      ).rejects.toMatchObject({
        code: 'not_found',
      })
      await expect(repos.evaluators.update('evr_missing', { name: 'x' })).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.evaluators.get(evaluator.id)).toEqual(evaluator)

      const global = await repos.evaluators.create(judge({ scope: 'global' }))
      await expect(
        repos.evaluators.update(global.id, { projectId: project.id }),
      ).rejects.toMatchObject({
        code: 'invalid_input',
      })
      expect(await repos.evaluators.get(global.id)).toEqual(global)
    })

    it('deletes an evaluator', async () => {
      const project = await newProject()
      const evaluator = await repos.evaluators.create(judge({ projectId: project.id }))
      await repos.evaluators.delete(evaluator.id)
      expect(await repos.evaluators.get(evaluator.id)).toBeUndefined()
      expect((await repos.evaluators.list(project.id)).some((e) => e.id === evaluator.id)).toBe(
        false,
      )
      await expect(repos.evaluators.delete(evaluator.id)).rejects.toMatchObject({
        code: 'not_found',
      })
    })

    it("removes a project's own evaluators with the project, and keeps the global ones", async () => {
      const project = await newProject()
      const own = await repos.evaluators.create(judge({ projectId: project.id }))
      const global = await repos.evaluators.create(judge({ scope: 'global' }))
      await repos.projects.delete(project.id)
      expect(await repos.evaluators.get(own.id)).toBeUndefined()
      expect(await repos.evaluators.get(global.id)).toEqual(global)
    })

    it('returns copies: changing a returned evaluator changes nothing stored', async () => {
      const project = await newProject()
      const evaluator = await repos.evaluators.create(judge({ projectId: project.id }))
      evaluator.variables.push('extra')
      if (evaluator.scale.kind === 'score') evaluator.scale.max = 10
      evaluator.name = 'changed'
      const read = await repos.evaluators.get(evaluator.id)
      expect(read?.variables).toEqual(['input', 'output'])
      expect(read?.scale).toEqual({ kind: 'score', min: 1, max: 5 })
      expect(read?.name).not.toBe('changed')
    })
  })
}
