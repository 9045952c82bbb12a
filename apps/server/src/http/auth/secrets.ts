import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** SHA-256 in hex: how session ids, API tokens and sign-in links are stored. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** A random secret with a readable prefix (`assay_…`), and the digest to store. */
export function newSecret(prefix: string): { secret: string; hash: string } {
  const secret = `${prefix}${randomBytes(32).toString('base64url')}`
  return { secret, hash: sha256Hex(secret) }
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
