import { AssayError } from '@assay/core'

/** One parsed CSV record and the line it starts on (records may span lines). */
export type CsvRecord = { line: number; values: string[] }

const QUOTE = 34
const LF = 10
const CR = 13

enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: either the closing quote or the first of a doubled pair. */
  QuoteInQuoted,
  /** A CR ended a record; a LF right after it belongs to the same line break. */
  AfterCr,
}

/**
 * A streaming RFC 4180 tokenizer over text chunks: quoted fields may hold delimiters, doubled
 * quotes and line breaks (kept byte for byte); records end at CRLF, LF or a lone CR; blank lines
 * are skipped; a quote inside an unquoted field is kept as a literal character, as most
 * spreadsheets write it. Hand-written rather than csv-parse because it has to parse hundreds of
 * megabytes per import: it is about ten times faster (see bench/RESULTS.md), and the tests
 * check it against csv-parse on the same inputs.
 */
export class CsvTokenizer {
  private state: State = State.FieldStart
  private field = ''
  private values: string[] = []
  private line = 1
  private recordLine = 1
  private readonly delimiter: number

  constructor(
    delimiter: string,
    private readonly maxFieldChars: number,
  ) {
    this.delimiter = delimiter.charCodeAt(0)
  }

  /** Parses a chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = []
    const delimiter = this.delimiter
    const length = chunk.length
    let state = this.state
    let start = 0
    let i = 0
    while (i < length) {
      switch (state) {
        case State.AfterCr: {
          state = State.FieldStart
          if (chunk.charCodeAt(i) === LF) {
            i++
            start = i
          }
          break
        }
        case State.FieldStart: {
          const c = chunk.charCodeAt(i)
          if (c === QUOTE) {
            state = State.Quoted
            i++
            start = i
          } else if (c === delimiter) {
            this.values.push(this.field)
            this.field = ''
            i++
            start = i
          } else if (c === LF || c === CR) {
            if (this.values.length > 0) this.endRecord(out, '')
            // A line with nothing on it is skipped; a record's start moves past it.
            this.line++
            if (this.values.length === 0) this.recordLine = this.line
            state = c === CR ? State.AfterCr : State.FieldStart
            i++
            start = i
          } else {
            state = State.Unquoted
            start = i
          }
          break
        }
        case State.Unquoted: {
          let c = 0
          while (i < length) {
            c = chunk.charCodeAt(i)
            if (c === delimiter || c === LF || c === CR) break
            i++
          }
          if (i === length) break
          const value = this.field + chunk.slice(start, i)
          this.field = ''
          i++
          start = i
          if (c === delimiter) {
            this.values.push(value)
            state = State.FieldStart
          } else {
            this.endRecord(out, value)
            this.line++
            this.recordLine = this.line
            state = c === CR ? State.AfterCr : State.FieldStart
          }
          break
        }
        case State.Quoted: {
          const quote = chunk.indexOf('"', i)
          const end = quote === -1 ? length : quote
          for (
            let nl = chunk.indexOf('\n', i);
            nl !== -1 && nl < end;
            nl = chunk.indexOf('\n', nl + 1)
          )
            this.line++
          if (quote === -1) {
            i = length
            break
          }
          this.field += chunk.slice(start, quote)
          i = quote + 1
          start = i
          state = State.QuoteInQuoted
          break
        }
        case State.QuoteInQuoted: {
          const c = chunk.charCodeAt(i)
          if (c === QUOTE) {
            // A doubled quote is one literal quote; the field goes on.
            this.field += '"'
            i++
            start = i
            state = State.Quoted
          } else if (c === delimiter) {
            this.values.push(this.field)
            this.field = ''
            i++
            start = i
            state = State.FieldStart
          } else if (c === LF || c === CR) {
            const value = this.field
            this.field = ''
            this.endRecord(out, value)
            this.line++
            this.recordLine = this.line
            i++
            start = i
            state = c === CR ? State.AfterCr : State.FieldStart
          } else {
            const column = this.values.length + 1
            throw new AssayError(
              'invalid_input',
              `line ${this.line}, column ${column}: text after the closing quote of a value (a quote inside a quoted value must be doubled "")`,
              { position: { line: this.line, column } },
            )
          }
          break
        }
      }
    }
    // Keep the unfinished part of the current field for the next chunk.
    if (state === State.Unquoted || state === State.Quoted) {
      this.field += chunk.slice(start, length)
      if (this.field.length > this.maxFieldChars) {
        const column = this.values.length + 1
        const hint = state === State.Quoted ? ' (is a quote never closed?)' : ''
        throw new AssayError(
          'limit_exceeded',
          `line ${this.recordLine}, column ${column}: the value is over the limit of ${this.maxFieldChars} characters${hint}`,
          { position: { line: this.recordLine, column } },
        )
      }
    }
    this.state = state
    return out
  }

  /** Ends the input; returns the last record when the file does not end with a line break. */
  end(): CsvRecord[] {
    const out: CsvRecord[] = []
    if (this.state === State.Quoted) {
      throw new AssayError(
        'invalid_input',
        `line ${this.recordLine}, column ${this.values.length + 1}: a quoted value starting on this line is never closed (unterminated quote)`,
        { position: { line: this.recordLine, column: this.values.length + 1 } },
      )
    }
    if (
      this.state === State.Unquoted ||
      this.state === State.QuoteInQuoted ||
      this.values.length > 0
    ) {
      const value = this.field
      this.field = ''
      this.endRecord(out, value)
    }
    return out
  }

  private endRecord(out: CsvRecord[], last: string): void {
    const values = this.values
    values.push(last)
    out.push({ line: this.recordLine, values })
    this.values = []
  }
}
