import { describe, expect, it } from 'vitest'
import { applyOptions, DEFAULTS, parseConfigPatch } from './config.js'

describe('config', () => {
  it('applies patches, replacing faults and resetting undefined keys', () => {
    const a = applyOptions(DEFAULTS, { latencyMs: 20, faults: { error500: 0.5 } })
    expect(a.latencyMs).toBe(20)
    expect(a.faults.error500).toBe(0.5)
    const b = applyOptions(a, { faults: { hang: 0.1 }, latencyMs: undefined })
    expect(b.faults).toMatchObject({ error500: 0, hang: 0.1 })
    expect(b.latencyMs).toBe(0)
  })

  it('rejects bad values', () => {
    expect(() => applyOptions(DEFAULTS, { latencyMs: -1 })).toThrow(/latencyMs/)
    expect(() => applyOptions(DEFAULTS, { faults: { error500: 0.7, hang: 0.7 } })).toThrow(/sum/)
    expect(() => applyOptions(DEFAULTS, { faults: { nope: 1 } as never })).toThrow(/unknown fault/)
    expect(() => applyOptions(DEFAULTS, { maxConcurrency: 0 })).toThrow(/maxConcurrency/)
  })

  it('parseConfigPatch accepts JSON keys only and maps null to the default', () => {
    expect(parseConfigPatch({ maxConcurrency: null, seed: 3 })).toEqual({
      maxConcurrency: undefined,
      seed: 3,
    })
    expect(() => parseConfigPatch({ answer: 'x' })).toThrow(/answer/)
    expect(() => parseConfigPatch({ port: 1 })).toThrow(/port/)
    expect(() => parseConfigPatch([])).toThrow(/object/)
  })
})
