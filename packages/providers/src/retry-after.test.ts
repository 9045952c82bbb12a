import { describe, expect, it } from 'vitest'
import { parseRetryAfterMs } from './retry-after.js'

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')

  it('prefers retry-after-ms', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '250.4', 'retry-after': '9' }, now)).toBe(250)
  })

  it('reads Retry-After seconds, case-insensitively', () => {
    expect(parseRetryAfterMs({ 'Retry-After': '2' }, now)).toBe(2_000)
    expect(parseRetryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500)
  })

  it('reads Retry-After as an HTTP date, never negative', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).toBe(30_000)
    expect(parseRetryAfterMs({ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, now)).toBe(0)
  })

  it('ignores absent, empty, negative and unreadable values', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeNull()
    expect(parseRetryAfterMs({}, now)).toBeNull()
    expect(parseRetryAfterMs({ 'retry-after': '' }, now)).toBeNull()
    expect(parseRetryAfterMs({ 'retry-after': '-3' }, now)).toBeNull()
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, now)).toBeNull()
    expect(parseRetryAfterMs({ 'retry-after-ms': 'x', 'retry-after': '1' }, now)).toBe(1_000)
  })
})
