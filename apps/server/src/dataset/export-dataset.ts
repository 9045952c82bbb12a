import { AssayError, type Repositories } from '@assay/core'
import type { DatasetFormat } from './dataset-format.js'
import { spreadsheetSafe } from './spreadsheet-safe.js'

export type ExportOptions = {
  format: DatasetFormat
  /** CSV only: keep values byte-exact instead of neutralising spreadsheet formulas. */
  raw?: boolean
  pageSize?: number
}

/**
 * Streams an evaluation's data columns as JSONL (one object per row, keys in column order,
 * values exactly as imported) or CSV (header, CRLF records, RFC 4180 quoting). Reads rows page
 * by page, so memory stays flat however large the evaluation is.
 */
export async function* exportDataset(
  repos: Repositories,
  evaluationId: string,
  options: ExportOptions,
): AsyncGenerator<string> {
  const evaluation = await repos.evaluations.get(evaluationId)
  if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} not found`)
  const columns = (await repos.columns.list(evaluationId))
    .filter((column) => column.config.kind === 'data')
    .sort((a, b) => a.position - b.position)
  const names = columns.map((column) => column.name)
  const keys = names.map((name) => JSON.stringify(name))
  const csvCell = options.raw ? (v: string) => v : spreadsheetSafe
  // A lone empty value is quoted so the record is not read back as a blank line.
  const csvLine = (values: string[]) =>
    values.length === 1 && values[0] === ''
      ? '""\r\n'
      : `${values.map((v) => csvField(csvCell(v))).join(',')}\r\n`

  if (options.format === 'csv') yield csvLine(names)
  let out = ''
  for await (const row of repos.rows.stream(evaluationId, { pageSize: options.pageSize ?? 1000 })) {
    if (options.format === 'jsonl') {
      // Built by hand: JSON.stringify of an object would move integer-like keys to the front.
      let line = '{'
      for (let i = 0; i < keys.length; i++) {
        if (i > 0) line += ','
        line += `${keys[i]}:${JSON.stringify(row.values[i] ?? '')}`
      }
      out += `${line}}\n`
    } else out += csvLine(row.values)
    if (out.length >= 64 * 1024) {
      yield out
      out = ''
    }
  }
  if (out) yield out
}

/** RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}
