import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/*
 * Passwords are hashed with scrypt, a memory-hard function built into Node (no native add-on to
 * build). Stored as `scrypt$N$r$p$salt$hash` so the cost can be raised later without breaking old
 * hashes. N = 2^15, r = 8 uses 32 MiB per hash: the OWASP minimum for scrypt.
 */
export type ScryptCost = { N: number; r: number; p: number }
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 1 }
const KEY_BYTES = 32
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_BYTES,
      { ...cost, maxmem: 128 * cost.N * cost.r * 2 },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })
}

export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, cost)
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number)
  if (!N || !r || !p) return false
  const salt = Buffer.from(parts[4] ?? '', 'base64')
  const expected = Buffer.from(parts[5] ?? '', 'base64')
  const key = await derive(password, salt, { N, r, p })
  return key.length === expected.length && timingSafeEqual(key, expected)
}
