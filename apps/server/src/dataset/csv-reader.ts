import { AssayError } from '@assay/core'
import { CsvTokenizer } from './csv-tokenizer.js'
import type { DatasetChunk } from './dataset-format.js'
import { checkCellSize, checkRowCount, validateHeader } from './header.js'
import type { ImportLimits } from './limits.js'

export const CSV_DELIMITERS = [',', ';', '\t'] as const
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number]

export type CsvOptions = { limits: ImportLimits; delimiter?: CsvDelimiter; maxRows?: number }

/**
 * Streams an RFC 4180 CSV (decoded text) into a header and batches of rows, one batch per text
 * chunk. The delimiter is detected from the header line unless given. Every refusal is an
 * AssayError naming the line (and column where one applies) where the offending record starts.
 */
export async function* readCsv(
  text: AsyncIterable<string>,
  options: CsvOptions,
): AsyncGenerator<DatasetChunk> {
  const { limits } = options
  const iterator = text[Symbol.asyncIterator]()
  // Buffer until the header line is complete, to detect the delimiter.
  let head = ''
  let done = false
  while (!done && firstLineEnd(head) === -1) {
    const next = await iterator.next()
    if (next.done) done = true
    else head += next.value
  }
  head = head.replace(/^\uFEFF/, '')
  if (head.trim() === '' && done) throw new AssayError('invalid_input', 'the file is empty')
  const lineEnd = firstLineEnd(head)
  const delimiter =
    options.delimiter ?? detectDelimiter(lineEnd === -1 ? head : head.slice(0, lineEnd))

  const tokenizer = new CsvTokenizer(delimiter, limits.maxCellChars)
  let header: string[] | undefined
  let rows = 0
  async function* recordsPerChunk() {
    if (head) yield tokenizer.push(head)
    while (!done) {
      const next = await iterator.next()
      if (next.done) break
      yield tokenizer.push(next.value)
    }
    yield tokenizer.end()
  }
  for await (const records of recordsPerChunk()) {
    const batch: string[][] = []
    let firstLine = 0
    for (const record of records) {
      if (!header) {
        header = validateHeader(record.values, limits, record.line)
        yield { type: 'header', columns: header, delimiter }
        continue
      }
      if (record.values.length !== header.length) {
        throw new AssayError(
          'invalid_input',
          `line ${record.line}: expected ${header.length} values like the header, found ${record.values.length}`,
          { position: { line: record.line } },
        )
      }
      rows++
      checkRowCount(rows, limits, record.line)
      const values = record.values
      for (let c = 0; c < values.length; c++)
        checkCellSize(values[c] as string, limits, record.line, c + 1)
      if (batch.length === 0) firstLine = record.line
      batch.push(values)
      if (options.maxRows !== undefined && rows >= options.maxRows) {
        yield { type: 'rows', rows: batch, firstLine }
        return
      }
    }
    if (batch.length > 0) yield { type: 'rows', rows: batch, firstLine }
  }
  if (!header) throw new AssayError('invalid_input', 'the file is empty')
  if (rows === 0)
    throw new AssayError('invalid_input', 'line 2: the file has a header but no rows', {
      position: { line: 2 },
    })
}

/** Picks the delimiter that occurs most often outside quotes in the header line (comma on a tie). */
export function detectDelimiter(headerLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]))
  let quoted = false
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && counts.has(ch as CsvDelimiter))
      counts.set(ch as CsvDelimiter, (counts.get(ch as CsvDelimiter) ?? 0) + 1)
  }
  let best: CsvDelimiter = ','
  for (const d of CSV_DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d
  return best
}

/** Index of the first line break outside quotes, or -1. */
function firstLineEnd(text: string): number {
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i)
    if (ch === 34) quoted = !quoted
    else if (!quoted && (ch === 10 || ch === 13)) return i
  }
  return -1
}
