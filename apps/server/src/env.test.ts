import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from './env.js'

const base = {
  ASSAY_DATABASE_URL: ':memory:',
  ASSAY_SECRET_KEY: randomBytes(32).toString('base64'),
  ASSAY_OLLAMA_URL: 'off',
}

describe('ASSAY_TRUST_PROXY', () => {
  it('trusts no proxy unless told, one for `1`/`true`, and the number given', () => {
    expect(loadConfig(base).server.trustProxy).toBe(0)
    expect(loadConfig({ ...base, ASSAY_TRUST_PROXY: '1' }).server.trustProxy).toBe(1)
    expect(loadConfig({ ...base, ASSAY_TRUST_PROXY: 'true' }).server.trustProxy).toBe(1)
    expect(loadConfig({ ...base, ASSAY_TRUST_PROXY: '2' }).server.trustProxy).toBe(2)
  })

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ ...base, ASSAY_TRUST_PROXY: 'yes' })).toThrow(/ASSAY_TRUST_PROXY/)
    expect(() => loadConfig({ ...base, ASSAY_TRUST_PROXY: '-1' })).toThrow(/ASSAY_TRUST_PROXY/)
  })
})
