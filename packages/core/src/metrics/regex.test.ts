import { describe, expect, it } from 'vitest'
import { compileRegex, regexMatch } from './regex.js'
import { METRICS } from './registry.js'

const run = (params: unknown, output: string) => {
  const made = METRICS.regex.create(params)
  if (!made.ok) throw new Error(made.error.message)
  return made.value({ output })
}

describe('regex', () => {
  it.each([
    [{ pattern: '\\d{4}' }, 'in 2024 we', 1, "matches /\\d{4}/ at index 3: '2024'"],
    [{ pattern: '\\d{4}' }, 'no year', 0, 'no match for /\\d{4}/'],
    [{ pattern: '^yes$', flags: 'i' }, 'YES', 1, "matches /^yes$/i at index 0: 'YES'"],
    [{ pattern: '^yes$' }, 'YES', 0, 'no match for /^yes$/'],
    // \r is a line terminator for JS ^ and $, so CRLF text works with the m flag.
    [{ pattern: '^a$', flags: 'm' }, 'a\r\nb', 1, "matches /^a$/m at index 0: 'a'"],
    [{ pattern: '^b$', flags: 'm' }, 'a\nb', 1, "matches /^b$/m at index 2: 'b'"],
    [{ pattern: 'a.b', flags: 's' }, 'a\nb', 1, "matches /a.b/s at index 0: 'a\\nb'"],
    [{ pattern: '^.$', flags: 'u' }, '😀', 1, "matches /^.$/u at index 0: '😀'"],
    [{ pattern: '^.$' }, '😀', 0, 'no match for /^.$/'],
    [
      { pattern: '\\p{Emoji_Presentation}', flags: 'u' },
      'ok 👍',
      1,
      "matches /\\p{Emoji_Presentation}/u at index 3: '👍'",
    ],
    [{ pattern: 'x*' }, '', 1, "matches /x*/ at index 0: ''"],
    [{ pattern: 'sorry', negate: true }, 'Here you go', 1, 'no match for /sorry/, as required'],
    [
      { pattern: 'sorry', negate: true },
      'sorry, no',
      0,
      "matches /sorry/ at index 0: 'sorry' (a match fails)",
    ],
  ])('%o on %j', (params, output, score, explanation) => {
    expect(run(params, output)).toEqual({ score, explanation })
  })

  it('gives the same answer on repeated calls (no lastIndex state)', () => {
    const made = METRICS.regex.create({ pattern: 'a' })
    if (!made.ok) throw new Error(made.error.message)
    expect([1, 2, 3].map(() => made.value({ output: 'a' }).score)).toEqual([1, 1, 1])
  })

  it.each([
    [
      { pattern: '(' },
      'invalid regular expression: Invalid regular expression: /(/: Unterminated group',
    ],
    [{ pattern: '[z-a]' }, 'invalid regular expression'],
    [{ pattern: '\\p{Nope}', flags: 'u' }, 'invalid regular expression'],
    [
      { pattern: 'a', flags: 'g' },
      'flags: flags may only combine i, m, s and u (g and y are not allowed)',
    ],
    [{ pattern: 'a', flags: 'ii' }, 'invalid regular expression'],
    [{ pattern: '' }, 'pattern: the pattern may not be empty'],
    [{ pattern: 'a'.repeat(1001) }, 'pattern: the pattern may have at most 1000 characters'],
    [{}, 'pattern'],
  ])('refuses %o at config time', (params, message) => {
    const made = METRICS.regex.create(params)
    if (made.ok) throw new Error('accepted bad config')
    expect(made.error.code).toBe('invalid_input')
    expect(made.error.message).toContain(message)
  })

  it('accepts a pattern of exactly 1000 characters', () => {
    expect(METRICS.regex.create({ pattern: 'a'.repeat(1000) }).ok).toBe(true)
  })

  it('compileRegex guards the same limits when called directly', () => {
    expect(compileRegex({ pattern: 'a'.repeat(1001), flags: '', negate: false }).ok).toBe(false)
    expect(compileRegex({ pattern: 'a', flags: 'y', negate: false }).ok).toBe(false)
  })

  it('shortens long matches and patterns in the explanation', () => {
    const result = regexMatch('x'.repeat(500), /x+/)
    expect(result.explanation).toBe(`matches /x+/ at index 0: '${'x'.repeat(39)}…'`)
  })
})
