import { AssayError } from '@assay/core'
import { createFixedClock } from '@assay/core/testing'
import { describe, expect, it } from 'vitest'
import { resolveDateRange } from './date-range.js'

const clock = createFixedClock(Date.UTC(2026, 2, 31, 10, 30, 15, 250))

function refusal(run: () => unknown): AssayError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AssayError)
    expect((error as AssayError).code).toBe('invalid_input')
    return error as AssayError
  }
  throw new Error('expected a refusal')
}

describe('resolveDateRange', () => {
  it('defaults to the last 30 days, ending now', () => {
    expect(resolveDateRange({}, clock.now())).toEqual({
      preset: 'last_30_days',
      from: '2026-03-01T10:30:15.250Z',
      to: '2026-03-31T10:30:15.250Z',
    })
  })

  it('resolves each preset against the clock', () => {
    const now = clock.now()
    expect(resolveDateRange({ preset: 'last_24_hours' }, now)).toMatchObject({
      from: '2026-03-30T10:30:15.250Z',
      to: '2026-03-31T10:30:15.250Z',
    })
    expect(resolveDateRange({ preset: 'last_7_days' }, now).from).toBe('2026-03-24T10:30:15.250Z')
    expect(resolveDateRange({ preset: 'last_90_days' }, now).from).toBe('2025-12-31T10:30:15.250Z')
    const later = createFixedClock(now)
    later.advance(3_600_000)
    expect(resolveDateRange({ preset: 'last_24_hours' }, later.now()).to).toBe(
      '2026-03-31T11:30:15.250Z',
    )
  })

  it('takes a custom range in any offset, normalized to UTC milliseconds', () => {
    expect(
      resolveDateRange(
        { preset: 'custom', from: '2026-01-01T00:00:00+02:00', to: '2026-01-02T00:00:00Z' },
        clock.now(),
      ),
    ).toEqual({
      preset: 'custom',
      from: '2025-12-31T22:00:00.000Z',
      to: '2026-01-02T00:00:00.000Z',
    })
  })

  it('refuses what it cannot resolve, naming the field', () => {
    const now = clock.now()
    expect(
      refusal(() => resolveDateRange({ preset: 'custom', to: '2026-01-01T00:00:00Z' }, now))
        .position,
    ).toEqual({ field: 'from' })
    expect(
      refusal(() =>
        resolveDateRange(
          { preset: 'custom', from: '2026-01-02T00:00:00Z', to: '2026-01-02T00:00:00Z' },
          now,
        ),
      ).message,
    ).toBe('the date range must end after it starts')
    expect(
      refusal(() =>
        resolveDateRange({ preset: 'custom', from: 'yesterday', to: '2026-01-02T00:00:00Z' }, now),
      ).position,
    ).toEqual({ field: 'from' })
    expect(
      refusal(() => resolveDateRange({ preset: 'last_7_days', from: '2026-01-01T00:00:00Z' }, now))
        .message,
    ).toBe('from and to are only given with the custom preset')
    expect(
      refusal(() => resolveDateRange({ preset: 'last_year' as 'custom' }, now)).message,
    ).toContain('unknown date range preset "last_year"')
  })
})
