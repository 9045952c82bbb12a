/**
 * Seals secrets (model API keys) for storage. The sealed form is opaque text; only the
 * composition root opens it, right before a provider needs the key.
 */
export interface SecretBox {
  seal(plaintext: string): string
  open(sealed: string): string
}
