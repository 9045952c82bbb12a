import { describe, expect, it } from 'vitest'
import { extractVariables, renderTemplate } from './template.js'

describe('templates', () => {
  it.each([
    ['Answer: {{question}}', ['question']],
    ['{{ input }} and {{input}} and {{  output  }}', ['input', 'output']],
    ['{{Best Answer}} / {{is_true}}', ['Best Answer', 'is_true']],
    ['no variables', []],
    ['literal \\{{not a var}} then {{x}}', ['x']],
  ])('extracts the variables of %j', (template, expected) => {
    expect(extractVariables(template)).toEqual({ ok: true, value: expected })
  })

  it.each([
    ['unterminated', 'a {{b', /unterminated \{\{ .*line 1, column 3/],
    ['nested open', '{{a {{b}}', /unterminated/],
    ['empty', 'x {{ }}', /empty \{\{ \}\}/],
    ['second line', 'ok\n  {{oops', /line 2, column 3/],
  ])('refuses a template with an %s variable', (_name, template, message) => {
    const result = extractVariables(template)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.code).toBe('invalid_input')
      expect(result.error.message).toMatch(message)
    }
  })

  it('renders values verbatim and never expands a value again', () => {
    expect(renderTemplate('Q: {{ q }}\nA: {{a}}', { q: 'what is {{a}}?', a: '$& 42' })).toEqual({
      ok: true,
      value: 'Q: what is {{a}}?\nA: $& 42',
    })
  })

  it('renders an escaped brace pair as literal text', () => {
    expect(renderTemplate('\\{{x}} = {{x}}', { x: '1' })).toEqual({ ok: true, value: '{{x}} = 1' })
  })

  it('names every variable without a value instead of rendering an empty string', () => {
    const result = renderTemplate('{{a}} {{b}} {{c}}', { b: '' })
    expect(result).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'no value for {{a}}, {{c}}' },
    })
  })

  it('does not read inherited properties as values', () => {
    expect(renderTemplate('{{toString}}', {}).ok).toBe(false)
  })
})
