import { AssayError } from '../errors.js'
import type { Column } from './column.js'
import { ColumnNameSchema } from './column.js'

/*
 * Checks every RowRepository adapter applies to an import in the same words, so the memory fake
 * and SQL storage refuse the same inputs with the same messages (the contract suite holds them to it).
 */

export function checkPositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AssayError('invalid_input', `${name} must be a positive integer`)
  }
}

export function throwIfImportAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AssayError('cancelled', 'the import was cancelled; nothing was imported', {
      cause: signal.reason,
    })
  }
}

/** Header names are column names: valid, and unique. */
export function checkImportHeader(header: readonly string[]): void {
  if (header.length === 0) throw new AssayError('invalid_input', 'the dataset has no header')
  const seen = new Set<string>()
  header.forEach((name, i) => {
    const parsed = ColumnNameSchema.safeParse(name)
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'invalid name'
      throw new AssayError('invalid_input', `header column ${i + 1} ("${name}"): ${reason}`, {
        position: { line: 1, column: i + 1 },
      })
    }
    if (seen.has(name)) {
      throw new AssayError('invalid_input', `the header names column "${name}" twice`, {
        position: { line: 1, column: i + 1 },
      })
    }
    seen.add(name)
  })
}

/** A row has one string per header column. */
export function checkImportRow(
  values: readonly string[],
  header: readonly string[],
  rowNumber: number,
): void {
  if (values.length !== header.length) {
    throw new AssayError(
      'invalid_input',
      `row ${rowNumber} has ${values.length} values but the header has ${header.length} columns`,
      { details: { row: rowNumber } },
    )
  }
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'string') {
      throw new AssayError('invalid_input', `row ${rowNumber}, column "${header[i]}" is not text`, {
        details: { row: rowNumber, column: header[i] },
      })
    }
  }
}

/** No value holds NUL: PostgreSQL text cannot, so no adapter accepts it. */
export function checkNoNul(
  values: readonly string[],
  header: readonly string[],
  rowNumber: number,
): void {
  const i = values.findIndex((value) => value.includes('\u0000'))
  if (i >= 0) {
    throw new AssayError(
      'invalid_input',
      `row ${rowNumber}, column "${header[i]}" contains a NUL character, which cannot be stored`,
      { details: { row: rowNumber, column: header[i] } },
    )
  }
}

/** For each data column (in position order), where its value sits in `header`. */
export function dataHeaderOrder(
  columns: readonly Column[],
  header: readonly string[],
): number[] | null {
  const at = new Map(header.map((name, i) => [name, i]))
  const missing = columns.filter((c) => !at.has(c.name)).map((c) => c.name)
  const names = new Set(columns.map((c) => c.name))
  const extra = header.filter((name) => !names.has(name))
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.map((n) => `"${n}"`).join(', ')}` : '',
      extra.length > 0 ? `not in the evaluation ${extra.map((n) => `"${n}"`).join(', ')}` : '',
    ].filter((p) => p !== '')
    throw new AssayError(
      'invalid_input',
      `the header must name exactly the evaluation's data columns: ${parts.join('; ')}`,
      { details: { missing, extra } },
    )
  }
  const order = columns.map((c) => at.get(c.name) ?? 0)
  return order.every((h, i) => h === i) ? null : order
}
