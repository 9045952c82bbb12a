import { AssayError } from '@assay/core'
import type { DatasetChunk } from './dataset-format.js'
import { checkCellSize, checkRowCount, validateHeader } from './header.js'
import type { ImportLimits } from './limits.js'

export type JsonlOptions = { limits: ImportLimits; batchSize?: number; maxRows?: number }

/**
 * Streams JSON Lines: one JSON object per line; blank lines are skipped. The first object's keys
 * are the columns, in the order JavaScript reports them. Strings are kept as they are; numbers
 * and booleans become their JSON text, nested values compact JSON, null and missing keys the
 * empty string. A key the first object did not have is refused, naming line and key.
 */
export async function* readJsonl(
  text: AsyncIterable<string>,
  options: JsonlOptions,
): AsyncGenerator<DatasetChunk> {
  const { limits, batchSize = 1000 } = options
  let header: string[] | undefined
  let index = new Map<string, number>()
  let batch: string[][] = []
  let batchLine = 0
  let rows = 0
  let line = 0
  let carry = ''
  let first = true
  const full = () => options.maxRows !== undefined && rows >= options.maxRows

  function* take(raw: string): Generator<DatasetChunk> {
    line++
    const textLine = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (textLine.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(textLine)
    } catch (error) {
      throw new AssayError(
        'invalid_input',
        `line ${line}: not valid JSON (${(error as Error).message})`,
        {
          position: { line },
        },
      )
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new AssayError('invalid_input', `line ${line}: each line must be a JSON object`, {
        position: { line },
      })
    }
    const object = value as Record<string, unknown>
    if (!header) {
      header = validateHeader(Object.keys(object), limits, line)
      index = new Map(header.map((name, i) => [name, i]))
      yield { type: 'header', columns: header }
    }
    const row = new Array<string>(header.length).fill('')
    for (const [key, v] of Object.entries(object)) {
      const at = index.get(key.trim())
      if (at === undefined) {
        throw new AssayError(
          'invalid_input',
          `line ${line}: key "${key}" is not a column (the columns come from the first line)`,
          {
            position: { line, field: key },
          },
        )
      }
      const cell = typeof v === 'string' ? v : v === null ? '' : JSON.stringify(v)
      checkCellSize(cell, limits, line, at + 1)
      row[at] = cell
    }
    rows++
    checkRowCount(rows, limits, line)
    if (batch.length === 0) batchLine = line
    batch.push(row)
    if (batch.length >= batchSize) {
      yield { type: 'rows', rows: batch, firstLine: batchLine }
      batch = []
    }
  }

  for await (const chunk of text) {
    let piece = first ? chunk.replace(/^\uFEFF/, '') : chunk
    first = false
    piece = carry + piece
    let start = 0
    for (let nl = piece.indexOf('\n'); nl !== -1; nl = piece.indexOf('\n', start)) {
      yield* take(piece.slice(start, nl))
      start = nl + 1
      if (full()) break
    }
    if (full()) {
      carry = ''
      break
    }
    carry = piece.slice(start)
    if (carry.length > limits.maxCellChars * 4 + 1024) {
      throw new AssayError('limit_exceeded', `line ${line + 1}: the line is over the size limit`, {
        position: { line: line + 1 },
      })
    }
  }
  if (carry !== '') yield* take(carry)
  if (!header) throw new AssayError('invalid_input', 'the file is empty')
  if (batch.length > 0) yield { type: 'rows', rows: batch, firstLine: batchLine }
}
