import type { ErrorInfo } from '../errors.js'
import { err, ok, type Result } from '../result.js'

/**
 * `{{variable}}` templates. Whitespace inside the braces is ignored (`{{ input }}`), names may
 * hold spaces and punctuation (they are column names) but no braces, `\{{` is a literal `{{`,
 * and values are inserted verbatim: a value containing `{{x}}` is never expanded again.
 */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string; offset: number }

export type ParsedTemplate = { parts: TemplatePart[]; variables: string[] }

export function parseTemplate(template: string): Result<ParsedTemplate> {
  const parts: TemplatePart[] = []
  const variables: string[] = []
  let text = ''
  let i = 0
  while (i < template.length) {
    if (template.startsWith('\\{{', i)) {
      text += '{{'
      i += 3
      continue
    }
    if (!template.startsWith('{{', i)) {
      text += template[i]
      i += 1
      continue
    }
    const close = template.indexOf('}}', i + 2)
    const nextOpen = template.indexOf('{{', i + 2)
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      return err(positioned(template, i, 'unterminated {{ in template'))
    }
    const name = template.slice(i + 2, close).trim()
    if (name === '') return err(positioned(template, i, 'empty {{ }} in template'))
    if (name.includes('{') || name.includes('}')) {
      return err(positioned(template, i, `variable name "${name}" may not contain braces`))
    }
    if (text) parts.push({ kind: 'text', text })
    text = ''
    parts.push({ kind: 'var', name, offset: i })
    if (!variables.includes(name)) variables.push(name)
    i = close + 2
  }
  if (text) parts.push({ kind: 'text', text })
  return ok({ parts, variables })
}

/** The distinct variable names of a template, in order of first use. */
export function extractVariables(template: string): Result<string[]> {
  const parsed = parseTemplate(template)
  return parsed.ok ? ok(parsed.value.variables) : parsed
}

/**
 * Renders a template with the given values. Every variable must have a value; a missing one is
 * an error naming it, never an empty string.
 */
export function renderTemplate(
  template: string | ParsedTemplate,
  values: Readonly<Record<string, string>>,
): Result<string> {
  const parsed = typeof template === 'string' ? parseTemplate(template) : ok(template)
  if (!parsed.ok) return parsed
  const missing = parsed.value.variables.filter((name) => !Object.hasOwn(values, name))
  if (missing.length > 0) {
    return err({
      code: 'invalid_input',
      message: `no value for ${missing.map((name) => `{{${name}}}`).join(', ')}`,
    })
  }
  let out = ''
  for (const part of parsed.value.parts) out += part.kind === 'text' ? part.text : values[part.name]
  return ok(out)
}

function positioned(template: string, offset: number, message: string): ErrorInfo {
  let line = 1
  let column = 1
  for (let i = 0; i < offset; i++) {
    if (template[i] === '\n') {
      line++
      column = 1
    } else column++
  }
  return {
    code: 'invalid_input',
    message: `${message} (line ${line}, column ${column})`,
    position: { line, column },
  }
}
