import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { User } from '../../domain/user.js'
import type { Repositories } from '../../ports/repositories.js'
import { type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

/** A fresh, valid, lowercase email address. */
function newEmail(prefix = 'user'): string {
  return `${uniqueName(prefix).replace(' ', '-')}@example.com`
}

export function describeUserContract(make: MakeHarness): void {
  describe('UserRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    function expectNoHash(user: User | undefined, hash: string): void {
      expect(user).toBeDefined()
      expect(Object.keys(user ?? {}).sort()).toEqual([
        'createdAt',
        'disabled',
        'email',
        'id',
        'isAdmin',
        'name',
      ])
      expect(JSON.stringify(user)).not.toContain(hash)
    }

    it('creates a user and reads it back by id and by email', async () => {
      const email = newEmail()
      const user = await repos.users.create({
        email,
        name: 'Ann Example',
        isAdmin: true,
        passwordHash: null,
      })
      expect(user).toEqual({
        id: expect.any(String),
        email,
        name: 'Ann Example',
        isAdmin: true,
        createdAt: harness.clock.isoNow(),
        disabled: false,
      })
      expect(await repos.users.get(user.id)).toEqual(user)
      expect(await repos.users.getByEmail(email)).toEqual(user)
      expect(await repos.users.get('usr_missing')).toBeUndefined()
      expect(await repos.users.getByEmail(newEmail('nobody'))).toBeUndefined()
    })

    it('lowercases emails, so they are unique case-insensitively', async () => {
      const email = newEmail('Mixed')
      const upper = email.toUpperCase()
      const user = await repos.users.create({
        email: ` ${upper} `,
        name: 'Case',
        isAdmin: false,
        passwordHash: null,
      })
      expect(user.email).toBe(email.toLowerCase())
      expect(await repos.users.getByEmail(upper)).toEqual(user)
      expect(await repos.users.getByEmail(email.toLowerCase())).toEqual(user)
      const clash = repos.users.create({
        email: email.toLowerCase(),
        name: 'Other',
        isAdmin: false,
        passwordHash: null,
      })
      await expect(clash).rejects.toMatchObject({ code: 'conflict' })
      await expect(clash.catch((e: Error) => e.message)).resolves.toContain(email.toLowerCase())
      expect(
        (await repos.users.list()).filter((u) => u.email === email.toLowerCase()),
      ).toHaveLength(1)
    })

    it('refuses an invalid email or name', async () => {
      for (const email of ['', 'not-an-email', `${'x'.repeat(250)}@example.com`]) {
        await expect(
          repos.users.create({ email, name: 'Bad', isAdmin: false, passwordHash: null }),
        ).rejects.toMatchObject({ code: 'invalid_input' })
      }
      for (const name of ['x'.repeat(201), 'nul\u0000name']) {
        await expect(
          repos.users.create({ email: newEmail(), name, isAdmin: false, passwordHash: null }),
        ).rejects.toMatchObject({ code: 'invalid_input' })
      }
    })

    it('keeps the password hash off every User and gives it only through getPasswordHash', async () => {
      const hash = `$argon2id$v=19$m=65536,t=3,p=4$${uniqueName('salt').replace(' ', '')}$hash`
      const user = await repos.users.create({
        email: newEmail(),
        name: 'Hashed',
        isAdmin: false,
        passwordHash: hash,
      })
      expectNoHash(user, hash)
      expectNoHash(await repos.users.get(user.id), hash)
      expectNoHash(await repos.users.getByEmail(user.email), hash)
      expectNoHash(
        (await repos.users.list()).find((u) => u.id === user.id),
        hash,
      )
      expectNoHash(await repos.users.update(user.id, { name: 'Renamed' }), hash)
      expect(await repos.users.getPasswordHash(user.id)).toBe(hash)

      const next = `${hash}-rotated`
      await repos.users.setPasswordHash(user.id, next)
      expect(await repos.users.getPasswordHash(user.id)).toBe(next)
      expectNoHash(await repos.users.get(user.id), next)
    })

    it('tells a user without a password (null) from a missing user (undefined)', async () => {
      const user = await repos.users.create({
        email: newEmail(),
        name: 'Link only',
        isAdmin: false,
        passwordHash: null,
      })
      expect(await repos.users.getPasswordHash(user.id)).toBeNull()
      expect(await repos.users.getPasswordHash('usr_missing')).toBeUndefined()
      await expect(repos.users.setPasswordHash('usr_missing', 'hash')).rejects.toMatchObject({
        code: 'not_found',
      })
      await expect(repos.users.setPasswordHash(user.id, '')).rejects.toMatchObject({
        code: 'invalid_input',
      })
      expect(await repos.users.getPasswordHash(user.id)).toBeNull()
    })

    it('updates the name, the admin flag and the disabled flag, each on its own', async () => {
      const user = await repos.users.create({
        email: newEmail(),
        name: 'Before',
        isAdmin: false,
        passwordHash: 'h',
      })
      const renamed = await repos.users.update(user.id, { name: 'After' })
      expect(renamed).toEqual({ ...user, name: 'After' })
      const admin = await repos.users.update(user.id, { isAdmin: true })
      expect(admin).toEqual({ ...renamed, isAdmin: true })
      const disabled = await repos.users.update(user.id, { disabled: true })
      expect(disabled).toEqual({ ...admin, disabled: true })
      expect(await repos.users.update(user.id, {})).toEqual(disabled)
      const all = await repos.users.update(user.id, {
        name: 'Again',
        isAdmin: false,
        disabled: false,
      })
      expect(all).toEqual({ ...user, name: 'Again' })
      expect(await repos.users.get(user.id)).toEqual(all)
      expect(await repos.users.getPasswordHash(user.id)).toBe('h')

      await expect(repos.users.update('usr_missing', { name: 'x' })).rejects.toMatchObject({
        code: 'not_found',
      })
      await expect(repos.users.update('usr_missing', {})).rejects.toMatchObject({
        code: 'not_found',
      })
      await expect(repos.users.update(user.id, { name: 'x'.repeat(201) })).rejects.toMatchObject({
        code: 'invalid_input',
      })
      expect(await repos.users.get(user.id)).toEqual(all)
    })

    it('lists users by email and counts them', async () => {
      const before = await repos.users.count()
      const tag = uniqueName('order').replace(' ', '-')
      const b = await repos.users.create({
        email: `${tag}-b@example.com`,
        name: 'B',
        isAdmin: false,
        passwordHash: null,
      })
      const a = await repos.users.create({
        email: `${tag}-a@example.com`,
        name: 'A',
        isAdmin: false,
        passwordHash: null,
      })
      expect(await repos.users.count()).toBe(before + 2)
      const listed = await repos.users.list()
      expect(listed).toHaveLength(before + 2)
      expect(listed.filter((u) => u.email.startsWith(`${tag}-`))).toEqual([a, b])
    })

    it('returns copies: changing a returned user changes nothing stored', async () => {
      const user = await repos.users.create({
        email: newEmail(),
        name: 'Original',
        isAdmin: false,
        passwordHash: null,
      })
      user.name = 'changed'
      user.isAdmin = true
      const read = await repos.users.get(user.id)
      expect(read).toMatchObject({ name: 'Original', isAdmin: false })
    })
  })
}
