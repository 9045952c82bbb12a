import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Repositories } from '../../ports/repositories.js'
import { expectCode, type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

let digests = 0
/** A fresh value shaped like the server's SHA-256 digests. */
function newDigest(): string {
  digests += 1
  return `ab${digests.toString(16).padStart(62, '0')}`
}

const HOUR = 3_600_000

export function describeAccountsContract(make: MakeHarness): void {
  describe('Session, ApiToken, SignInLink and TableOptions repositories', () => {
    let harness: RepositoriesHarness
    let repos: Repositories
    let userId: string

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
      const user = await repos.users.create({
        email: `${uniqueName('acct').replace(' ', '-')}@example.com`,
        name: 'Acct',
        isAdmin: false,
        passwordHash: null,
      })
      userId = user.id
    })
    afterAll(async () => {
      await harness?.close()
    })

    const at = (offsetMs: number) => new Date(harness.clock.now() + offsetMs).toISOString()

    it('keeps a session until it expires, and deletes it', async () => {
      const session = {
        idHash: newDigest(),
        userId,
        csrfToken: 'csrf-0123456789abcdef',
        createdAt: at(0),
        expiresAt: at(HOUR),
      }
      await repos.sessions.create(session)
      expect(await repos.sessions.get(session.idHash, at(0))).toEqual(session)
      expect(await repos.sessions.get(session.idHash, at(HOUR))).toBeUndefined()
      expect(await repos.sessions.get(newDigest(), at(0))).toBeUndefined()
      await repos.sessions.delete(session.idHash)
      expect(await repos.sessions.get(session.idHash, at(0))).toBeUndefined()
    })

    it('refuses a session for a missing user or with a malformed digest', async () => {
      const base = { csrfToken: 'csrf-0123456789abcdef', createdAt: at(0), expiresAt: at(HOUR) }
      await expectCode(
        repos.sessions.create({ ...base, idHash: newDigest(), userId: 'usr_missing' }),
        'not_found',
      )
      await expectCode(repos.sessions.create({ ...base, idHash: 'xyz', userId }), 'invalid_input')
    })

    it('signs a user out everywhere and removes expired sessions', async () => {
      const base = { userId, csrfToken: 'csrf-0123456789abcdef', createdAt: at(0) }
      const a = { ...base, idHash: newDigest(), expiresAt: at(HOUR) }
      const b = { ...base, idHash: newDigest(), expiresAt: at(2 * HOUR) }
      const old = { ...base, idHash: newDigest(), expiresAt: at(1) }
      for (const s of [a, b, old]) await repos.sessions.create(s)
      expect(await repos.sessions.deleteExpired(at(2))).toBeGreaterThanOrEqual(1)
      expect(await repos.sessions.get(a.idHash, at(0))).toBeDefined()
      await repos.sessions.deleteForUser(userId)
      expect(await repos.sessions.get(a.idHash, at(0))).toBeUndefined()
      expect(await repos.sessions.get(b.idHash, at(0))).toBeUndefined()
    })

    it('stores an API token by its digest, lists, touches and revokes it', async () => {
      const tokenHash = newDigest()
      const made = await repos.apiTokens.create({
        userId,
        name: 'ci',
        prefix: 'assay_ab12',
        projectIds: ['prj_a', 'prj_b'],
        role: 'editor',
        expiresAt: null,
        tokenHash,
      })
      expect(made).toEqual({
        id: expect.any(String),
        userId,
        name: 'ci',
        prefix: 'assay_ab12',
        projectIds: ['prj_a', 'prj_b'],
        role: 'editor',
        createdAt: harness.clock.isoNow(),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      })
      expect(JSON.stringify(made)).not.toContain(tokenHash)
      expect(await repos.apiTokens.getByHash(tokenHash)).toEqual(made)
      expect(await repos.apiTokens.get(made.id)).toEqual(made)
      expect(await repos.apiTokens.getByHash(newDigest())).toBeUndefined()
      expect((await repos.apiTokens.listForUser(userId)).map((t) => t.id)).toContain(made.id)

      await repos.apiTokens.touch(made.id, at(5))
      expect((await repos.apiTokens.get(made.id))?.lastUsedAt).toBe(at(5))

      const revoked = await repos.apiTokens.revoke(made.id, at(10))
      expect(revoked.revokedAt).toBe(at(10))
      expect((await repos.apiTokens.revoke(made.id, at(20))).revokedAt).toBe(at(10))
      expect((await repos.apiTokens.getByHash(tokenHash))?.revokedAt).toBe(at(10))
      await expectCode(repos.apiTokens.revoke('tok_missing', at(0)), 'not_found')
    })

    it('refuses a second token with the same digest and a token for a missing user', async () => {
      const input = {
        userId,
        name: 'dup',
        prefix: 'assay_x',
        projectIds: [],
        role: 'viewer' as const,
        expiresAt: at(HOUR),
        tokenHash: newDigest(),
      }
      await repos.apiTokens.create(input)
      await expectCode(repos.apiTokens.create(input), 'conflict')
      await expectCode(
        repos.apiTokens.create({ ...input, tokenHash: newDigest(), userId: 'usr_missing' }),
        'not_found',
      )
    })

    it('uses a sign-in link once, and not after it expires', async () => {
      const once = newDigest()
      await repos.signInLinks.create({ tokenHash: once, userId, expiresAt: at(HOUR) })
      const [first, second] = await Promise.all([
        repos.signInLinks.consume(once, at(0)),
        repos.signInLinks.consume(once, at(0)),
      ])
      expect([first, second].filter((u) => u === userId)).toHaveLength(1)
      expect(await repos.signInLinks.consume(once, at(0))).toBeUndefined()

      const late = newDigest()
      await repos.signInLinks.create({ tokenHash: late, userId, expiresAt: at(HOUR) })
      expect(await repos.signInLinks.consume(late, at(HOUR))).toBeUndefined()
      expect(await repos.signInLinks.consume(newDigest(), at(0))).toBeUndefined()
    })

    it('keeps table options per user and evaluation', async () => {
      const project = await repos.projects.create({ name: uniqueName('opts'), createdBy: null })
      const evaluation = await repos.evaluations.create({
        projectId: project.id,
        name: 'e',
        createdBy: null,
      })
      expect(await repos.tableOptions.get(userId, evaluation.id)).toBeUndefined()
      const options = {
        hidden: ['a'],
        rowHeight: 'tall',
        filters: [{ column: 'x', op: 'contains' }],
      }
      await repos.tableOptions.set(userId, evaluation.id, options)
      expect(await repos.tableOptions.get(userId, evaluation.id)).toEqual(options)
      await repos.tableOptions.set(userId, evaluation.id, { hidden: [] })
      expect(await repos.tableOptions.get(userId, evaluation.id)).toEqual({ hidden: [] })
      await expectCode(repos.tableOptions.set(userId, 'evl_missing', {}), 'not_found')
    })
  })
}
