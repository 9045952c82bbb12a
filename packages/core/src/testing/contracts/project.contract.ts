import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Evaluator } from '../../domain/evaluator.js'
import type { ProjectRole } from '../../domain/project.js'
import { AssayError } from '../../errors.js'
import type { Repositories } from '../../ports/repositories.js'
import { type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

export function describeProjectContract(make: MakeHarness): void {
  describe('ProjectRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    async function newUser(): Promise<string> {
      const user = await repos.users.create({
        email: `${uniqueName('member').replace(' ', '-')}@example.com`,
        name: 'Member',
        isAdmin: false,
        passwordHash: null,
      })
      return user.id
    }

    it('creates a project and reads it back by id and by name', async () => {
      const name = uniqueName('project')
      const project = await repos.projects.create({ name, createdBy: null })
      expect(project).toEqual({
        id: expect.any(String),
        name,
        createdAt: harness.clock.isoNow(),
        createdBy: null,
      })
      expect(await repos.projects.get(project.id)).toEqual(project)
      expect(await repos.projects.getByName(name)).toEqual(project)
      expect(await repos.projects.get('prj_missing')).toBeUndefined()
      expect(await repos.projects.getByName(uniqueName('no such project'))).toBeUndefined()
    })

    it('records its creator and refuses one that does not exist', async () => {
      const userId = await newUser()
      const project = await repos.projects.create({
        name: uniqueName('project'),
        createdBy: userId,
      })
      expect(project.createdBy).toBe(userId)
      expect((await repos.projects.get(project.id))?.createdBy).toBe(userId)
      const name = uniqueName('orphan')
      await expect(repos.projects.create({ name, createdBy: 'usr_missing' })).rejects.toMatchObject(
        {
          code: 'not_found',
        },
      )
      expect(await repos.projects.getByName(name)).toBeUndefined()
    })

    it('gives every project its own id and lists them by name', async () => {
      const tag = uniqueName('listing')
      const b = await repos.projects.create({ name: `${tag} b`, createdBy: null })
      const c = await repos.projects.create({ name: `${tag} c`, createdBy: null })
      const a = await repos.projects.create({ name: `${tag} a`, createdBy: null })
      expect(new Set([a.id, b.id, c.id]).size).toBe(3)
      const listed = (await repos.projects.list()).filter((p) => p.name.startsWith(`${tag} `))
      expect(listed).toEqual([a, b, c])
    })

    it('trims the name and refuses an empty, blank, too long or NUL-bearing one', async () => {
      const name = uniqueName('padded')
      const project = await repos.projects.create({ name: `  ${name}\t`, createdBy: null })
      expect(project.name).toBe(name)
      expect((await repos.projects.getByName(name))?.id).toBe(project.id)

      const longest = `${uniqueName('long')} `.padEnd(100, 'x')
      expect((await repos.projects.create({ name: longest, createdBy: null })).name).toBe(longest)
      for (const bad of ['', '   ', `${longest}y`, `nul\u0000${uniqueName('name')}`]) {
        await expect(repos.projects.create({ name: bad, createdBy: null })).rejects.toMatchObject({
          code: 'invalid_input',
        })
      }
    })

    it('refuses a name that is taken, naming it, and keeps the first project', async () => {
      const name = uniqueName('taken')
      const first = await repos.projects.create({ name, createdBy: null })
      const error = await repos.projects.create({ name, createdBy: null }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AssayError)
      expect(error).toMatchObject({ code: 'conflict' })
      expect((error as AssayError).message).toContain(`"${name}"`)
      expect(await repos.projects.getByName(name)).toEqual(first)
    })

    it('lets exactly one of two concurrent creates with one name win', async () => {
      const name = uniqueName('race')
      const results = await Promise.allSettled([
        repos.projects.create({ name, createdBy: null }),
        repos.projects.create({ name, createdBy: null }),
      ])
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      const rejected = results.find((r) => r.status === 'rejected')
      expect(rejected?.status === 'rejected' && rejected.reason).toMatchObject({ code: 'conflict' })
    })

    it('renames a project, and refuses a taken, invalid or missing one', async () => {
      const project = await repos.projects.create({ name: uniqueName('old'), createdBy: null })
      const other = await repos.projects.create({ name: uniqueName('other'), createdBy: null })
      const name = uniqueName('new')
      const renamed = await repos.projects.rename(project.id, name)
      expect(renamed).toEqual({ ...project, name })
      expect(await repos.projects.get(project.id)).toEqual(renamed)
      expect(await repos.projects.getByName(name)).toEqual(renamed)
      expect(await repos.projects.getByName(project.name)).toBeUndefined()
      // Renaming to its own name is no clash.
      expect(await repos.projects.rename(project.id, name)).toEqual(renamed)

      await expect(repos.projects.rename(project.id, other.name)).rejects.toMatchObject({
        code: 'conflict',
      })
      await expect(repos.projects.rename(project.id, '')).rejects.toMatchObject({
        code: 'invalid_input',
      })
      await expect(repos.projects.rename(project.id, 'x'.repeat(101))).rejects.toMatchObject({
        code: 'invalid_input',
      })
      await expect(repos.projects.rename('prj_missing', uniqueName('any'))).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.projects.get(project.id)).toEqual(renamed)
    })

    it('returns copies: changing a returned project changes nothing stored', async () => {
      const name = uniqueName('copy')
      const project = await repos.projects.create({ name, createdBy: null })
      project.name = 'changed'
      const read = await repos.projects.get(project.id)
      expect(read?.name).toBe(name)
      if (read) read.name = 'changed again'
      expect((await repos.projects.list()).find((p) => p.id === project.id)?.name).toBe(name)
    })

    it('sets, changes and removes members', async () => {
      const project = await repos.projects.create({ name: uniqueName('team'), createdBy: null })
      const ann = await newUser()
      const bob = await newUser()
      expect(await repos.projects.listMembers(project.id)).toEqual([])

      const added = await repos.projects.setMember(project.id, ann, 'viewer')
      expect(added).toEqual({
        projectId: project.id,
        userId: ann,
        role: 'viewer',
        addedAt: harness.clock.isoNow(),
      })
      expect(await repos.projects.getMember(project.id, ann)).toEqual(added)
      await repos.projects.setMember(project.id, bob, 'admin')

      const changed = await repos.projects.setMember(project.id, ann, 'editor')
      expect(changed).toEqual({ ...added, role: 'editor' })
      expect(await repos.projects.getMember(project.id, ann)).toEqual(changed)
      const members = await repos.projects.listMembers(project.id)
      expect(members).toHaveLength(2)
      expect(Object.fromEntries(members.map((m) => [m.userId, m.role]))).toEqual({
        [ann]: 'editor',
        [bob]: 'admin',
      })

      await repos.projects.removeMember(project.id, ann)
      expect(await repos.projects.getMember(project.id, ann)).toBeUndefined()
      expect((await repos.projects.listMembers(project.id)).map((m) => m.userId)).toEqual([bob])
      await expect(repos.projects.removeMember(project.id, ann)).rejects.toMatchObject({
        code: 'not_found',
      })
      expect(await repos.users.get(ann)).toBeDefined()
    })

    it('refuses a member of a missing project, a missing user and an unknown role', async () => {
      const project = await repos.projects.create({ name: uniqueName('strict'), createdBy: null })
      const user = await newUser()
      await expect(repos.projects.setMember('prj_missing', user, 'viewer')).rejects.toMatchObject({
        code: 'not_found',
      })
      await expect(
        repos.projects.setMember(project.id, 'usr_missing', 'viewer'),
      ).rejects.toMatchObject({
        code: 'not_found',
      })
      await expect(
        repos.projects.setMember(project.id, user, 'owner' as ProjectRole),
      ).rejects.toMatchObject({ code: 'invalid_input' })
      expect(await repos.projects.listMembers(project.id)).toEqual([])
      expect(await repos.projects.getMember(project.id, user)).toBeUndefined()
    })

    it("lists a user's projects by name, and only theirs", async () => {
      const user = await newUser()
      const someoneElse = await newUser()
      const tag = uniqueName('mine')
      const second = await repos.projects.create({ name: `${tag} b`, createdBy: null })
      const first = await repos.projects.create({ name: `${tag} a`, createdBy: null })
      const notMine = await repos.projects.create({ name: `${tag} c`, createdBy: user })
      await repos.projects.setMember(second.id, user, 'viewer')
      await repos.projects.setMember(first.id, user, 'admin')
      await repos.projects.setMember(notMine.id, someoneElse, 'admin')
      expect(await repos.projects.listForUser(user)).toEqual([first, second])
      expect(await repos.projects.listForUser(someoneElse)).toEqual([notMine])
      expect(await repos.projects.listForUser('usr_missing')).toEqual([])
      await repos.projects.removeMember(second.id, user)
      expect(await repos.projects.listForUser(user)).toEqual([first])
    })

    it('deletes a project with its members, evaluations, connections and custom evaluators', async () => {
      const project = await repos.projects.create({ name: uniqueName('doomed'), createdBy: null })
      const keep = await repos.projects.create({ name: uniqueName('kept'), createdBy: null })
      const user = await newUser()
      await repos.projects.setMember(project.id, user, 'admin')
      await repos.projects.setMember(keep.id, user, 'viewer')
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: 'evaluation',
        createdBy: null,
      })
      const column = await repos.columns.add({
        evaluationId: evaluation.id,
        name: 'notes',
        config: { kind: 'manual', valueType: 'text' },
      })
      const keptEvaluation = await repos.evaluations.create({
        projectId: keep.id,
        name: 'evaluation',
        createdBy: null,
      })
      const connection = await repos.connections.create({
        projectId: project.id,
        name: 'local',
        provider: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:11434/v1',
        model: 'llama3',
        apiKey: 'sk-project-key',
      })
      const shared = await repos.connections.create({
        name: uniqueName('instance-wide'),
        provider: 'openai',
        model: 'gpt-4o-mini',
      })
      const evaluator: Omit<Evaluator, 'id' | 'createdAt' | 'scope' | 'projectId'> = {
        kind: 'llm',
        category: 'quality',
        name: 'judge',
        description: '',
        prompt: 'Rate {{output}}',
        variables: ['output'],
        scale: { kind: 'score', min: 1, max: 5 },
        polarity: 'positive',
      }
      const custom = await repos.evaluators.create({
        ...evaluator,
        scope: 'custom',
        projectId: project.id,
      })
      const global = await repos.evaluators.create({
        ...evaluator,
        scope: 'global',
        projectId: null,
      })

      await repos.projects.delete(project.id)

      expect(await repos.projects.get(project.id)).toBeUndefined()
      expect(await repos.projects.getByName(project.name)).toBeUndefined()
      expect((await repos.projects.list()).some((p) => p.id === project.id)).toBe(false)
      expect(await repos.projects.listMembers(project.id)).toEqual([])
      expect(await repos.projects.getMember(project.id, user)).toBeUndefined()
      expect(await repos.projects.listForUser(user)).toEqual([keep])
      expect(await repos.evaluations.get(evaluation.id)).toBeUndefined()
      expect(await repos.evaluations.list(project.id)).toEqual([])
      expect(await repos.columns.get(column.id)).toBeUndefined()
      expect(await repos.connections.get(connection.id)).toBeUndefined()
      expect(await repos.connections.getSealedApiKey(connection.id)).toBeUndefined()
      expect(await repos.evaluators.get(custom.id)).toBeUndefined()

      // Everything outside the project stays: the user, the other project, shared things.
      expect(await repos.users.get(user)).toBeDefined()
      expect(await repos.projects.get(keep.id)).toEqual(keep)
      expect(await repos.projects.getMember(keep.id, user)).toBeDefined()
      expect(await repos.evaluations.get(keptEvaluation.id)).toEqual(keptEvaluation)
      expect(await repos.connections.get(shared.id)).toEqual(shared)
      expect(await repos.evaluators.get(global.id)).toEqual(global)

      await expect(repos.projects.delete(project.id)).rejects.toMatchObject({ code: 'not_found' })
      // The name is free again.
      const again = await repos.projects.create({ name: project.name, createdBy: null })
      expect(again.id).not.toBe(project.id)
    })
  })
}
