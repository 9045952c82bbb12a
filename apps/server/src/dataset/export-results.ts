import {
  type Aggregator,
  AssayError,
  type CellResult,
  type Column,
  createAggregator,
  type Repositories,
  type Row,
} from '@assay/core'
import { scaleOfColumn } from './column-scale.js'
import type { DatasetFormat } from './dataset-format.js'
import { csvField } from './export-dataset.js'
import { spreadsheetSafe } from './spreadsheet-safe.js'

export type ResultsExportOptions = {
  format: DatasetFormat
  /** CSV only: keep values byte-exact instead of neutralising spreadsheet formulas. */
  raw?: boolean
  /** The results of this run; by default the latest finished result of each cell. */
  runId?: string
  pageSize?: number
}

type Field = { header: string; read(row: Row, cells: CellLookup): string | number | boolean | null }
type CellLookup = {
  result(columnId: string): CellResult | undefined
  value(columnId: string): string | null | undefined
}

const percent = (x: number | null) => (x === null ? '' : `${(x * 100).toFixed(1)}%`)
const number = (x: number | null) => (x === null ? '' : String(Math.round(x * 1e6) / 1e6))

/**
 * Streams the whole table: data, manual, human and generated values, and for each evaluator its
 * score, pass/fail, explanation and error. CSV ends with footer rows (pass %, fail %, average,
 * min, max per evaluator or thumbs column, as the table's footers show); JSONL has one object per
 * row. Read page by page, so memory stays flat; CSV values are spreadsheet-safe unless `raw`.
 */
export async function* exportResults(
  repos: Repositories,
  evaluationId: string,
  options: ResultsExportOptions,
): AsyncGenerator<string> {
  const evaluation = await repos.evaluations.get(evaluationId)
  if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} not found`)
  if (options.runId) {
    const run = await repos.runs.get(options.runId)
    if (!run || run.evaluationId !== evaluationId) {
      throw new AssayError('not_found', `run ${options.runId} is not a run of this evaluation`)
    }
  }
  const columns = (await repos.columns.list(evaluationId)).sort((a, b) => a.position - b.position)
  const fields: Field[] = []
  const aggregators = new Map<string, { column: Column; agg: Aggregator; thumbs: boolean }>()
  let dataIndex = 0
  for (const column of columns) {
    const kind = column.config.kind
    if (kind === 'data') {
      const i = dataIndex++
      fields.push({ header: column.name, read: (row) => row.values[i] ?? '' })
    } else if (kind === 'manual' || kind === 'human') {
      fields.push({ header: column.name, read: (_row, cells) => cells.value(column.id) ?? null })
      const scale = await scaleOfColumn(repos, column)
      if (scale) aggregators.set(column.id, { column, agg: createAggregator(scale), thumbs: true })
    } else if (kind === 'generated') {
      fields.push({
        header: column.name,
        read: (_row, cells) => {
          const r = cells.result(column.id)
          return r?.status === 'done' ? r.value : null
        },
      })
    } else {
      const scale = await scaleOfColumn(repos, column)
      if (scale) aggregators.set(column.id, { column, agg: createAggregator(scale), thumbs: false })
      fields.push(
        { header: column.name, read: (_row, cells) => cells.result(column.id)?.value ?? null },
        {
          header: `${column.name} (pass)`,
          read: (_row, cells) => {
            const pass = cells.result(column.id)?.pass
            return pass === true ? 'pass' : pass === false ? 'fail' : null
          },
        },
        {
          header: `${column.name} (explanation)`,
          read: (_row, cells) => cells.result(column.id)?.explanation ?? null,
        },
        {
          header: `${column.name} (error)`,
          read: (_row, cells) => {
            const error = cells.result(column.id)?.error
            return error ? `${error.code}: ${error.message}` : null
          },
        },
      )
    }
  }
  const resultColumns = columns
    .filter((c) => c.config.kind === 'evaluator' || c.config.kind === 'generated')
    .map((c) => c.id)
  const valueColumns = columns
    .filter((c) => c.config.kind === 'manual' || c.config.kind === 'human')
    .map((c) => c.id)

  const safe = options.raw ? (v: string) => v : spreadsheetSafe
  const csvLine = (values: string[]) => `${values.map((v) => csvField(safe(v))).join(',')}\r\n`
  const text = (v: string | number | boolean | null) => (v === null ? '' : String(v))

  if (options.format === 'csv') yield csvLine(fields.map((f) => f.header))
  const pageSize = options.pageSize ?? 500
  let page: Row[] = []
  let out = ''
  const flush = async () => {
    const ids = page.map((r) => r.id)
    const results = new Map<string, CellResult>()
    const found = options.runId
      ? (await repos.cellResults.listForRunRows(options.runId, ids)).filter((r) =>
          resultColumns.includes(r.columnId),
        )
      : resultColumns.length > 0
        ? await repos.cellResults.latestForRows(resultColumns, ids)
        : []
    for (const r of found) results.set(`${r.rowId}\u0000${r.columnId}`, r)
    const values = new Map<string, string | null>()
    for (const columnId of valueColumns) {
      for (const v of await repos.cellValues.listForRows(columnId, ids))
        values.set(`${v.rowId}\u0000${columnId}`, v.value)
    }
    for (const row of page) {
      const cells: CellLookup = {
        result: (columnId) => results.get(`${row.id}\u0000${columnId}`),
        value: (columnId) => values.get(`${row.id}\u0000${columnId}`),
      }
      for (const { column, agg, thumbs } of aggregators.values()) {
        if (thumbs) {
          const v = cells.value(column.id)
          if (v === '1' || v === '0')
            agg.add({ status: 'done', score: v === '1' ? 1 : 0, pass: v === '1' })
          else agg.add({ status: 'pending', score: null, pass: null })
        } else {
          const r = cells.result(column.id)
          agg.add({
            status: r?.status ?? 'pending',
            score: typeof r?.value === 'number' ? r.value : null,
            pass: r?.pass ?? null,
          })
        }
      }
      if (options.format === 'jsonl') {
        let line = '{'
        fields.forEach((f, i) => {
          line += `${i > 0 ? ',' : ''}${JSON.stringify(f.header)}:${JSON.stringify(f.read(row, cells))}`
        })
        out += `${line}}\n`
      } else out += csvLine(fields.map((f) => text(f.read(row, cells))))
    }
    page = []
  }
  for await (const row of repos.rows.stream(evaluationId, { pageSize })) {
    page.push(row)
    if (page.length >= pageSize) await flush()
    if (out.length >= 64 * 1024) {
      yield out
      out = ''
    }
  }
  if (page.length > 0) await flush()
  if (out) yield out

  if (options.format === 'csv' && aggregators.size > 0) {
    // Footer rows: a label in the first column, each figure under its column's value.
    const footers: [string, (a: ReturnType<Aggregator['result']>) => string][] = [
      ['pass %', (a) => percent(a.passRate)],
      ['fail %', (a) => percent(a.failRate)],
      ['average', (a) => number(a.avg)],
      ['min', (a) => number(a.min)],
      ['max', (a) => number(a.max)],
    ]
    const results = new Map([...aggregators].map(([id, x]) => [id, x.agg.result()]))
    let footer = ''
    for (const [label, figure] of footers) {
      const cells = fields.map(() => '')
      cells[0] = label
      for (const [id, { column }] of aggregators) {
        const at = fields.findIndex((f) => f.header === column.name)
        const agg = results.get(id)
        if (at > 0 && agg) cells[at] = figure(agg)
      }
      footer += csvLine(cells)
    }
    yield footer
  }
}
