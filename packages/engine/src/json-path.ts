import { err, ok, type Result } from '@assay/core'

/**
 * Reads a dot path (`output.Summarization`, `choices.0.text`, `data[0].answer`, `$.output`) from a parsed
 * JSON value. Strings come back as they are; other values as compact JSON.
 */
export function readJsonPath(value: unknown, path: string): Result<string> {
  // `$` is the root in JSONPath, which people (and the API dialog's defaults) write: `$.output`.
  const parts = path
    .replace(/^\s*\$(?=\.|\[|$)/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((part) => part !== '')
  let current: unknown = value
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) {
      const at = parts.slice(0, i).join('.') || '(root)'
      return err({
        code: 'invalid_input',
        message: `JSON output path "${path}": no "${part}" under ${at}`,
      })
    }
    current = (current as Record<string, unknown>)[part]
  }
  if (current === undefined)
    return err({ code: 'invalid_input', message: `JSON output path "${path}" is empty` })
  return ok(typeof current === 'string' ? current : JSON.stringify(current))
}
