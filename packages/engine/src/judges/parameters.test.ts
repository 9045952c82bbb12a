import { describe, expect, it } from 'vitest'
import { type EvaluatorParameter, renderParameterValue, resolveParameters } from './parameters.js'

const topics: EvaluatorParameter = {
  name: 'topics',
  label: 'Topics',
  description: '',
  type: 'string-list',
  required: true,
  inPrompt: true,
}
const mode: EvaluatorParameter = {
  name: 'mode',
  label: 'Mode',
  description: '',
  type: 'enum',
  values: ['a', 'b'],
  default: 'a',
  inPrompt: false,
}

describe('resolveParameters', () => {
  it('reads lists and enums, with defaults, ignoring other options', () => {
    expect(resolveParameters([topics, mode], { topics: ['x', 'X', ' y '], other: 1 })).toEqual({
      ok: true,
      value: { topics: ['x', 'y'], mode: 'a' },
    })
    expect(resolveParameters([mode], { mode: 'b' })).toEqual({ ok: true, value: { mode: 'b' } })
  })

  it('refuses an unknown enum value and a list with non-texts', () => {
    const badMode = resolveParameters([mode], { mode: 'c' })
    expect(badMode.ok || badMode.error.message).toBe("Mode must be one of 'a', 'b'")
    const badList = resolveParameters([topics], { topics: ['x', 3] })
    expect(badList.ok || badList.error.message).toMatch(/list of texts/)
  })

  it('lets an optional list be empty', () => {
    expect(resolveParameters([{ ...topics, required: false }], {})).toEqual({
      ok: true,
      value: { topics: [] },
    })
  })
})

describe('renderParameterValue', () => {
  it('writes a list as one "- item" line each', () => {
    expect(renderParameterValue(['a', 'b'])).toBe('- a\n- b')
    expect(renderParameterValue('plain')).toBe('plain')
  })
})
