import { AssayError } from '@assay/core'
import { type CsvError, type InfoRecord, type Options, parse } from 'csv-parse'
import type { DatasetChunk } from './dataset-format.js'
import { checkCellSize, checkRowCount, validateHeader } from './header.js'
import type { ImportLimits } from './limits.js'

export const CSV_DELIMITERS = [',', ';', '\t'] as const
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number]

export type CsvOptions = { limits: ImportLimits; delimiter?: CsvDelimiter; batchSize?: number; maxRows?: number }

/**
 * Streams an RFC 4180 CSV (decoded text) into a header and batches of rows. The delimiter is
 * detected from the header line unless given. Quoted fields keep their newlines byte for byte.
 * Every refusal is an AssayError naming the line (and column where one applies).
 */
export async function* readCsv(text: AsyncIterable<string>, options: CsvOptions): AsyncGenerator<DatasetChunk> {
  const { limits, batchSize = 1000 } = options
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
  const delimiter = options.delimiter ?? detectDelimiter(head.slice(0, Math.max(0, firstLineEnd(head)) || head.length))

  // Records can span lines (quoted newlines): a record starts on the line after the previous
  // one ended, plus any blank lines skipped in between. Tracked as the parser goes, so that a
  // refusal names where the offending record started even if earlier records are still queued.
  let prevEnd = 0
  let prevEmpty = 0
  const parseOptions: Options<{ line: number; record: string[] }, string[]> = {
    delimiter,
    bom: true,
    on_record: (record: string[], context: InfoRecord) => {
      const line = prevEnd + 1 + (context.empty_lines - prevEmpty)
      prevEnd = context.lines
      prevEmpty = context.empty_lines
      return { line, record }
    },
    relax_column_count: false,
    skip_empty_lines: true,
    // An unterminated quote would otherwise swallow the rest of the file into one value.
    max_record_size: limits.maxCellChars * 2 + 1024,
  }
  // csv-parse types on_record as keeping the record type; ours wraps it with its line.
  const parser = parse(parseOptions as unknown as Options)
  const pump = (async () => {
    try {
      if (head && !parser.write(head)) await drained(parser)
      while (!done) {
        const next = await iterator.next()
        if (next.done) break
        if (!parser.write(next.value)) await drained(parser)
      }
      parser.end()
    } catch (error) {
      parser.destroy(error as Error)
    }
  })()

  let header: string[] | undefined
  let batch: string[][] = []
  let batchLine = 0
  let rows = 0
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; line: number }>) {
      const line = item.line
      if (!header) {
        header = validateHeader(item.record, limits, line)
        yield { type: 'header', columns: header, delimiter }
        continue
      }
      rows++
      checkRowCount(rows, limits, line)
      const record = item.record
      for (let c = 0; c < record.length; c++) checkCellSize(record[c] as string, limits, line, c + 1)
      if (batch.length === 0) batchLine = line
      batch.push(record)
      if (batch.length >= batchSize) {
        yield { type: 'rows', rows: batch, firstLine: batchLine }
        batch = []
      }
      if (options.maxRows !== undefined && rows >= options.maxRows) break
    }
  } catch (error) {
    throw translateCsvError(error, prevEnd + 1)
  } finally {
    if (!parser.destroyed) parser.destroy()
    await pump
  }
  if (!header) throw new AssayError('invalid_input', 'the file is empty')
  if (batch.length > 0) yield { type: 'rows', rows: batch, firstLine: batchLine }
  if (rows === 0) throw new AssayError('invalid_input', 'line 2: the file has a header but no rows', { position: { line: 2 } })
}

/** Picks the delimiter that occurs most often outside quotes in the header line (comma on a tie). */
export function detectDelimiter(headerLine: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]))
  let quoted = false
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted
    else if (!quoted && counts.has(ch as CsvDelimiter)) counts.set(ch as CsvDelimiter, (counts.get(ch as CsvDelimiter) ?? 0) + 1)
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

function drained(parser: ReturnType<typeof parse>): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      parser.off('error', onError)
      resolve()
    }
    const onError = (error: Error) => {
      parser.off('drain', onDrain)
      reject(error)
    }
    parser.once('drain', onDrain)
    parser.once('error', onError)
  })
}

/** `recordLine`: where the record being parsed started. */
function translateCsvError(error: unknown, recordLine: number): unknown {
  if (error instanceof AssayError) return error
  const csv = error as Partial<CsvError> & { lines?: number; column?: number | string; index?: number }
  if (typeof csv.code !== 'string' || !csv.code.startsWith('CSV_')) return error
  const at = (message: string, column?: number, line = recordLine) =>
    new AssayError('invalid_input', column ? `line ${line}, column ${column}: ${message}` : `line ${line}: ${message}`, {
      position: column ? { line, column } : { line },
      cause: error,
    })
  const column = typeof csv.index === 'number' ? csv.index + 1 : undefined
  switch (csv.code as string) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_DONT_MATCH_COLUMNS_LENGTH': {
      const match = /expect (\d+), got (\d+)/.exec(csv.message ?? '')
      return at(match ? `expected ${match[1]} values like the header, found ${match[2]}` : 'the row does not have as many values as the header')
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return at('a quoted value starting on this line is never closed (unterminated quote)')
    case 'CSV_INVALID_CLOSING_QUOTE':
      return at('a quote inside a quoted value must be doubled ("")', column, csvLine(csv, recordLine))
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return at('text after the closing quote of a value', column, csvLine(csv, recordLine))
    case 'CSV_MAX_RECORD_SIZE':
      return at('a record is over the size limit; most often a quote is never closed')
    default:
      return at(csv.message ?? 'malformed CSV', column, csvLine(csv, recordLine))
  }
}

function csvLine(error: { lines?: number }, fallback: number): number {
  return typeof error.lines === 'number' && error.lines > 0 ? error.lines : fallback
}
