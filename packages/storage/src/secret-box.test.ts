import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AssayError } from '@assay/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createAesGcmSecretBox, loadOrCreateSecretKey } from './secret-box.js'

function errorOf(run: () => unknown): AssayError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AssayError)
    return error as AssayError
  }
  throw new Error('expected a throw')
}

/** `sealed` with the base64 part `index` (1 iv, 2 tag, 3 ciphertext) changed in one bit. */
function flipBit(sealed: string, index: number): string {
  const parts = sealed.split(':')
  const bytes = Buffer.from(parts[index] ?? '', 'base64')
  bytes[0] = (bytes[0] ?? 0) ^ 1
  parts[index] = bytes.toString('base64')
  return parts.join(':')
}

describe('createAesGcmSecretBox', () => {
  const box = createAesGcmSecretBox(randomBytes(32))

  it('round-trips text, including empty and non-ASCII text', () => {
    for (const text of ['sk-live-1234567890abcdef', '', 'ключ 🔑 with: colons', 'x'.repeat(5000)]) {
      expect(box.open(box.seal(text))).toBe(text)
    }
  })

  it('writes v1:<iv>:<tag>:<ciphertext> with a 12-byte IV and a 16-byte tag, never the clear text', () => {
    const sealed = box.seal('sk-secret-value')
    const [version, iv, tag, ciphertext, ...rest] = sealed.split(':')
    expect(version).toBe('v1')
    expect(rest).toEqual([])
    expect(Buffer.from(iv ?? '', 'base64')).toHaveLength(12)
    expect(Buffer.from(tag ?? '', 'base64')).toHaveLength(16)
    expect(Buffer.from(ciphertext ?? '', 'base64')).toHaveLength('sk-secret-value'.length)
    expect(sealed).not.toContain('sk-secret-value')
  })

  it('uses a fresh IV for every seal', () => {
    const sealed = Array.from({ length: 200 }, () => box.seal('same text'))
    expect(new Set(sealed).size).toBe(200)
    expect(new Set(sealed.map((s) => s.split(':')[1])).size).toBe(200)
  })

  it('refuses a value altered anywhere, with an internal error that does not echo it', () => {
    const sealed = box.seal('sk-tamper-me')
    const altered = [
      flipBit(sealed, 1),
      flipBit(sealed, 2),
      flipBit(sealed, 3),
      sealed.slice(0, -4),
      `${sealed}AAAA`,
      sealed.replace(/^v1:/, 'v2:'),
      sealed.split(':').slice(0, 3).join(':'),
      `${sealed}:extra`,
      'plain:yek-terces',
      '',
      'v1:not base64!:x:y',
    ]
    for (const value of altered) {
      const error = errorOf(() => box.open(value))
      expect(error.code).toBe('internal')
      expect(error.message).toMatch(/cannot open a stored secret/)
      expect(error.message).not.toContain('sk-tamper-me')
      if (value.length > 0) expect(error.message).not.toContain(value)
    }
  })

  it('refuses a value sealed with another key', () => {
    const other = createAesGcmSecretBox(randomBytes(32))
    const error = errorOf(() => other.open(box.seal('sk-other-key')))
    expect(error.code).toBe('internal')
    expect(error.message).toContain('different key')
    expect(error.message).not.toContain('sk-other-key')
  })

  it('refuses a key that is not 32 bytes', () => {
    expect(errorOf(() => createAesGcmSecretBox(randomBytes(16))).code).toBe('invalid_input')
  })

  it('is not changed when the caller later overwrites its key buffer', () => {
    const key = randomBytes(32)
    const own = createAesGcmSecretBox(key)
    const sealed = own.seal('sk-stable')
    key.fill(0)
    expect(own.open(sealed)).toBe('sk-stable')
  })
})

describe('loadOrCreateSecretKey', () => {
  const dirs: string[] = []
  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'assay-key-'))
    dirs.push(dir)
    return dir
  }
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('creates the key file (and its directory) with mode 0600 and reuses it', () => {
    const keyFile = join(tempDir(), 'nested', 'dir', 'secret.key')
    const first = loadOrCreateSecretKey({ keyFile })
    expect(first).toHaveLength(32)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const second = loadOrCreateSecretKey({ keyFile })
    expect(second.equals(first)).toBe(true)
    // The file holds base64 text, so it can be moved into ASSAY_SECRET_KEY.
    const text = readFileSync(keyFile, 'utf8').trim()
    expect(
      loadOrCreateSecretKey({ envValue: text, keyFile: join(tempDir(), 'unused') }).equals(first),
    ).toBe(true)
    // A box made from the reloaded key opens what the first one sealed.
    const sealed = createAesGcmSecretBox(first).seal('sk-persisted')
    expect(createAesGcmSecretBox(second).open(sealed)).toBe('sk-persisted')
  })

  it('makes a different key for a different file', () => {
    const dir = tempDir()
    const one = loadOrCreateSecretKey({ keyFile: join(dir, 'one.key') })
    const two = loadOrCreateSecretKey({ keyFile: join(dir, 'two.key') })
    expect(one.equals(two)).toBe(false)
  })

  it('takes ASSAY_SECRET_KEY as base64, URL-safe base64 or hex, and then writes no file', () => {
    const dir = tempDir()
    const key = randomBytes(32)
    const keyFile = join(dir, 'secret.key')
    for (const envValue of [
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('hex'),
      key.toString('hex').toUpperCase(),
      `  ${key.toString('base64')}\n`,
    ]) {
      expect(loadOrCreateSecretKey({ envValue, keyFile }).equals(key)).toBe(true)
    }
    expect(() => statSync(keyFile)).toThrow()
  })

  it('treats an empty ASSAY_SECRET_KEY as unset', () => {
    const keyFile = join(tempDir(), 'secret.key')
    expect(loadOrCreateSecretKey({ envValue: '  ', keyFile })).toHaveLength(32)
    expect(statSync(keyFile).isFile()).toBe(true)
  })

  it('refuses an ASSAY_SECRET_KEY that is not 32 bytes, naming the variable and not echoing it', () => {
    const keyFile = join(tempDir(), 'secret.key')
    for (const envValue of [
      'too-short',
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(31).toString('hex'),
      'not base64 at all!!',
      `${randomBytes(32).toString('hex')}0`,
    ]) {
      const error = errorOf(() => loadOrCreateSecretKey({ envValue, keyFile }))
      expect(error.code).toBe('invalid_input')
      expect(error.message).toContain('ASSAY_SECRET_KEY')
      expect(error.message).not.toContain(envValue)
    }
    expect(() => statSync(keyFile)).toThrow()
  })

  it('refuses a key file that does not hold a key, naming the file', () => {
    const keyFile = join(tempDir(), 'secret.key')
    writeFileSync(keyFile, 'garbage\n')
    const error = errorOf(() => loadOrCreateSecretKey({ keyFile }))
    expect(error.code).toBe('invalid_input')
    expect(error.message).toContain(keyFile)
    expect(readFileSync(keyFile, 'utf8')).toBe('garbage\n')
  })
})
