import { describe, expect, it } from 'vitest'
import {
  formatThreshold,
  parseThreshold,
  passes,
  type Scale,
  type Threshold,
  validateThreshold,
} from './threshold.js'

const likert: Scale = { kind: 'score', min: 1, max: 5 }
const ratio: Scale = { kind: 'score', min: 0, max: 1 }

describe('passes', () => {
  it.each<[string, number, Threshold | null, boolean | null]>([
    ['above > passes', 3, { op: '>', value: 2.5 }, true],
    ['below > fails', 2, { op: '>', value: 2.5 }, false],
    ['equal to > fails', 2.5, { op: '>', value: 2.5 }, false],
    ['below < passes (negative polarity)', 2, { op: '<', value: 2.5 }, true],
    ['above < fails', 3, { op: '<', value: 2.5 }, false],
    ['equal to < fails', 2.5, { op: '<', value: 2.5 }, false],
    ['integer equality on > fails', 3, { op: '>', value: 3 }, false],
    ['integer equality on < fails', 3, { op: '<', value: 3 }, false],
    ['boolean 1 passes', 1, null, true],
    ['boolean 0 fails', 0, null, false],
    ['boolean other value has no verdict', 0.5, null, null],
    ['NaN score has no verdict', Number.NaN, { op: '>', value: 2.5 }, null],
    ['NaN boolean has no verdict', Number.NaN, null, null],
    ['infinite score has no verdict', Number.POSITIVE_INFINITY, { op: '>', value: 2.5 }, null],
    ['NaN threshold has no verdict', 3, { op: '>', value: Number.NaN }, null],
  ])('%s', (_name, score, threshold, expected) => {
    expect(passes(score, threshold)).toBe(expected)
  })

  it('treats undefined like no threshold', () => {
    expect(passes(1, undefined)).toBe(true)
  })
})

describe('parseThreshold', () => {
  it.each<[string, Threshold]>([
    ['> 2.5', { op: '>', value: 2.5 }],
    ['>2.5', { op: '>', value: 2.5 }],
    ['< 3', { op: '<', value: 3 }],
    ['<3', { op: '<', value: 3 }],
    ['greater than 2.5', { op: '>', value: 2.5 }],
    ['less than 3', { op: '<', value: 3 }],
    ['Greater Than 0.7', { op: '>', value: 0.7 }],
    ['  LESS   THAN   .5  ', { op: '<', value: 0.5 }],
    ['> -1', { op: '>', value: -1 }],
    ['> 1e-1', { op: '>', value: 0.1 }],
    ['< -0', { op: '<', value: 0 }],
  ])('reads %j', (text, expected) => {
    expect(parseThreshold(text)).toEqual({ ok: true, value: expected })
  })

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    ['2.5', /not a threshold/],
    ['>', /not a threshold/],
    ['> abc', /not a threshold/],
    ['> 2.5.1', /not a threshold/],
    ['greater 2.5', /not a threshold/],
    ['more than 2.5', /not a threshold/],
    ['> 2.5 points', /not a threshold/],
    ['> NaN', /not a threshold/],
    ['> Infinity', /not a threshold/],
    ['> 1e999', /out of range/],
    ['>= 2.5', /equal to the threshold fails/],
    ['<= 3', /equal to the threshold fails/],
    ['= 3', /equal to the threshold fails/],
    ['≥ 3', /equal to the threshold fails/],
  ])('refuses %j', (text, message) => {
    const result = parseThreshold(text)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('invalid_input')
    expect(result.error.message).toMatch(message)
  })

  it('reads back what formatThreshold writes', () => {
    const threshold: Threshold = { op: '<', value: 0.25 }
    expect(parseThreshold(formatThreshold(threshold))).toEqual({ ok: true, value: threshold })
  })
})

describe('validateThreshold', () => {
  it.each<[string, Threshold, Scale]>([
    ['> inside 1..5', { op: '>', value: 2.5 }, likert],
    ['< inside 1..5', { op: '<', value: 2.5 }, likert],
    ['> at min still fails the min score', { op: '>', value: 1 }, likert],
    ['< at max still fails the max score', { op: '<', value: 5 }, likert],
    ['> 0.7 on 0..1', { op: '>', value: 0.7 }, ratio],
    ['< 0.3 on 0..1', { op: '<', value: 0.3 }, ratio],
  ])('accepts %s', (_name, threshold, scale) => {
    expect(validateThreshold(threshold, scale)).toEqual({ ok: true, value: threshold })
  })

  it.each<[string, Threshold, Scale, RegExp]>([
    ['any threshold on a boolean scale', { op: '>', value: 0.5 }, { kind: 'boolean' }, /boolean/],
    ['> max never passes', { op: '>', value: 5 }, likert, /no score can pass "> 5"/],
    ['> above max never passes', { op: '>', value: 7 }, likert, /no score can pass/],
    ['< min never passes', { op: '<', value: 1 }, likert, /no score can pass "< 1"/],
    ['< below min never passes', { op: '<', value: 0 }, likert, /no score can pass/],
    ['> below min always passes', { op: '>', value: 0 }, likert, /every score passes/],
    ['< above max always passes', { op: '<', value: 6 }, likert, /every score passes/],
    ['< 1.5 on 0..1 always passes', { op: '<', value: 1.5 }, ratio, /every score passes/],
    ['NaN value', { op: '>', value: Number.NaN }, likert, /finite/],
    ['infinite value', { op: '<', value: Number.POSITIVE_INFINITY }, likert, /finite/],
    ['an unknown operator', { op: '>=' as '>', value: 3 }, likert, /operator/],
    ['an inverted scale', { op: '>', value: 3 }, { kind: 'score', min: 5, max: 1 }, /scale/],
  ])('refuses %s', (_name, threshold, scale, message) => {
    const result = validateThreshold(threshold, scale)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('invalid_input')
    expect(result.error.message).toMatch(message)
  })
})
