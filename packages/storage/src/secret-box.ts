import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { AssayError, type SecretBox } from '@assay/core'

/*
 * Model API keys are sealed with AES-256-GCM before they reach the database. A sealed value is
 * `v1:<iv>:<tag>:<ciphertext>` (base64 each); the IV is 12 random bytes per seal, and the
 * 16-byte tag makes any change to the value, or a different key, fail to open.
 */

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const VERSION = 'v1'
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const CANNOT_OPEN =
  'cannot open a stored secret: it was sealed with a different key or has been altered ' +
  '(check that ASSAY_SECRET_KEY, or the key file, is the one the secret was sealed with)'

export function createAesGcmSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) {
    throw new AssayError(
      'invalid_input',
      `the secret key must be ${KEY_BYTES} bytes, not ${key.length}`,
    )
  }
  // A private copy, so a caller that later wipes or reuses its buffer does not change the box.
  const secret = Buffer.from(key)

  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', secret, iv)
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const tag = cipher.getAuthTag()
      return [
        VERSION,
        iv.toString('base64'),
        tag.toString('base64'),
        ciphertext.toString('base64'),
      ].join(':')
    },

    open(sealed) {
      const parts = typeof sealed === 'string' ? sealed.split(':') : []
      const [version, ivText, tagText, ciphertextText] = parts
      if (
        parts.length !== 4 ||
        version !== VERSION ||
        ivText === undefined ||
        tagText === undefined ||
        ciphertextText === undefined ||
        ![ivText, tagText, ciphertextText].every((part) => BASE64.test(part))
      ) {
        throw new AssayError(
          'internal',
          'cannot open a stored secret: it is not a value this version sealed',
        )
      }
      const iv = Buffer.from(ivText, 'base64')
      const tag = Buffer.from(tagText, 'base64')
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
        throw new AssayError('internal', CANNOT_OPEN)
      try {
        const decipher = createDecipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES })
        decipher.setAuthTag(tag)
        const plain = Buffer.concat([
          decipher.update(Buffer.from(ciphertextText, 'base64')),
          decipher.final(),
        ])
        return plain.toString('utf8')
      } catch {
        // The cause is not attached: it says nothing useful and must not carry secret material.
        throw new AssayError('internal', CANNOT_OPEN)
      }
    },
  }
}

/** 32 bytes written as 64 hex digits or as base64 (standard or URL-safe), else undefined. */
function decodeKey(text: string): Buffer | undefined {
  const value = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex')
  const standard = value.replace(/-/g, '+').replace(/_/g, '/')
  if (standard.length === 0 || !BASE64.test(standard)) return undefined
  const bytes = Buffer.from(standard, 'base64')
  return bytes.length === KEY_BYTES ? bytes : undefined
}

/**
 * The key that seals model API keys. `envValue` (ASSAY_SECRET_KEY) wins when set: 32 bytes as
 * base64 or hex. Otherwise the key is read from `keyFile`, which is created on first use with
 * 32 random bytes (as base64 text, so it can be moved into ASSAY_SECRET_KEY), readable by the
 * owner only. An empty `envValue` counts as unset.
 */
export function loadOrCreateSecretKey(options: { envValue?: string; keyFile: string }): Buffer {
  const { envValue, keyFile } = options
  if (envValue !== undefined && envValue.trim() !== '') {
    const key = decodeKey(envValue)
    if (!key) {
      throw new AssayError(
        'invalid_input',
        `ASSAY_SECRET_KEY must be ${KEY_BYTES} bytes written as base64 or as 64 hex digits ` +
          '(e.g. the output of `openssl rand -base64 32`)',
        { position: { field: 'ASSAY_SECRET_KEY' } },
      )
    }
    return key
  }
  return readKeyFile(keyFile) ?? createKeyFile(keyFile)
}

/** The key in `keyFile`, or undefined when there is no such file. */
function readKeyFile(keyFile: string): Buffer | undefined {
  let text: string
  try {
    text = readFileSync(keyFile, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new AssayError(
      'storage_failed',
      `cannot read the secret key file ${keyFile}: ${String(error)}`,
      {
        cause: error,
      },
    )
  }
  const key = decodeKey(text)
  if (!key) {
    throw new AssayError(
      'invalid_input',
      `the secret key file ${keyFile} does not hold a ${KEY_BYTES}-byte key (base64 or 64 hex digits); ` +
        'restore the original file, or set ASSAY_SECRET_KEY',
    )
  }
  return key
}

/**
 * Writes a new random key. The file appears complete or not at all: the key is written to a
 * private temporary file that is then hard-linked into place, which fails if another process
 * got there first, in which case that process's key is used.
 */
function createKeyFile(keyFile: string): Buffer {
  const key = randomBytes(KEY_BYTES)
  const temporary = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 })
    writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    try {
      linkSync(temporary, keyFile)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const existing = readKeyFile(keyFile)
      if (existing) return existing
      throw error
    }
    return key
  } catch (error) {
    if (error instanceof AssayError) throw error
    throw new AssayError(
      'storage_failed',
      `cannot create the secret key file ${keyFile}: ${String(error)}`,
      {
        cause: error,
      },
    )
  } finally {
    try {
      unlinkSync(temporary)
    } catch {
      // Never written, or already gone.
    }
  }
}
