import type { Column } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { MASKED_HEADER_VALUE, unmaskHeaders } from './header-secrets.js'

const generator = (url: string, value: string) => ({
  type: 'api' as const,
  method: 'POST' as const,
  url,
  headers: [{ name: 'X-Api-Key', value }],
  body: '',
  outputPath: 'output',
  timeoutMs: 1000,
})

const stored = (url: string): Column => ({
  id: 'col_api',
  evaluationId: 'evl_1',
  name: 'api',
  position: 0,
  createdAt: new Date(0).toISOString(),
  config: { kind: 'generated', generator: generator(url, 'the-key') },
})

const unmask = (from: string, to: string) =>
  unmaskHeaders(generator(to, MASKED_HEADER_VALUE), stored(from), 'generator').headers[0]?.value

describe('unmaskHeaders', () => {
  it('gives the stored value back on the same origin, however the URL is spelled', () => {
    expect(unmask('https://api.test/v1', 'HTTPS://API.TEST:443/v2?x={{q}}')).toBe('the-key')
    expect(unmask('https://{{host}}/v1', 'https://{{host}}/v1')).toBe('the-key')
  })

  it('refuses it for another origin, a variable host, or schemes without an origin', () => {
    for (const [from, to] of [
      ['https://api.test/v1', 'https://api.test@evil.test/v1'],
      ['https://api.test/v1', 'http://api.test/v1'],
      ['https://api.test/v1', 'https://api.test{{path}}'],
      ['https://{{host}}/v1', 'https://{{host}}/v2'],
      ['foo://a.test/x', 'foo://b.test/x'],
      ['mailto:a@a.test', 'mailto:b@b.test'],
    ])
      expect(() => unmask(from as string, to as string), `${from} → ${to}`).toThrow(
        /another origin/,
      )
  })
})
