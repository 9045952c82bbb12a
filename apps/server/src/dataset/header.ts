import { AssayError, ColumnNameSchema } from '@assay/core'
import type { ImportLimits } from './limits.js'

/**
 * Checks a header row: names are trimmed, and must be non-empty, unique and valid column names
 * (they become `{{variable}}` targets). Refusals name the header column, 1-based.
 */
export function validateHeader(raw: readonly string[], limits: ImportLimits, line = 1): string[] {
  if (raw.length > limits.maxColumns) {
    throw new AssayError(
      'limit_exceeded',
      `line ${line}: the header has ${raw.length} columns; the limit is ${limits.maxColumns}`,
      { position: { line } },
    )
  }
  const names = raw.map((name) => name.trim())
  const seen = new Map<string, number>()
  names.forEach((name, index) => {
    const column = index + 1
    if (name === '') {
      throw new AssayError(
        'invalid_input',
        `line ${line}, column ${column}: the header name is empty`,
        {
          position: { line, column },
        },
      )
    }
    const parsed = ColumnNameSchema.safeParse(name)
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'invalid name'
      throw new AssayError(
        'invalid_input',
        `line ${line}, column ${column}: header "${name}": ${reason}`,
        {
          position: { line, column },
        },
      )
    }
    const first = seen.get(name)
    if (first !== undefined) {
      throw new AssayError(
        'invalid_input',
        `line ${line}, column ${column}: duplicate header name "${name}" (also column ${first})`,
        { position: { line, column } },
      )
    }
    seen.set(name, column)
  })
  return names
}

export function checkCellSize(
  value: string,
  limits: ImportLimits,
  line: number,
  column: number,
): void {
  if (value.length > limits.maxCellChars) {
    throw new AssayError(
      'limit_exceeded',
      `line ${line}, column ${column}: the value has ${value.length} characters; the limit is ${limits.maxCellChars}`,
      { position: { line, column } },
    )
  }
}

export function checkRowCount(rows: number, limits: ImportLimits, line: number): void {
  if (rows > limits.maxRows) {
    throw new AssayError(
      'limit_exceeded',
      `line ${line}: the file has more than ${limits.maxRows} rows (the limit)`,
      {
        position: { line },
      },
    )
  }
}
