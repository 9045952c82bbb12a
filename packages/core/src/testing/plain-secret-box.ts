import type { SecretBox } from '../ports/secret-box.js'

/** A reversible, visibly-marked stand-in for tests; the real box is AES-256-GCM in storage. */
export function createPlainSecretBox(): SecretBox {
  return {
    seal: (plaintext) => `plain:${[...plaintext].reverse().join('')}`,
    open: (sealed) => [...sealed.replace(/^plain:/, '')].reverse().join(''),
  }
}
