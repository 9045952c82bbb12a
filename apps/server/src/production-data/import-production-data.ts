import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import {
  AssayError,
  normalizeSpanFilter,
  type Repositories,
  type Span,
  type SpanFilter,
  throwIfImportAborted,
} from '@assay/core'
import { z } from 'zod'

/*
 * SPEC §2 "Import production data": rows for an evaluation from the stored production spans.
 * Columns, in this order: `input` and `output` always, then any of `request_id`,
 * `input_tokens`, `output_tokens`, `latency_ms`, `status` that were chosen. Rows are in span
 * start-time order. Absent values are empty strings.
 */

export const OPTIONAL_PRODUCTION_COLUMNS = [
  'requestId',
  'inputTokens',
  'outputTokens',
  'latencyMs',
  'status',
] as const
export const ProductionColumnSchema = z.enum(OPTIONAL_PRODUCTION_COLUMNS)
export type ProductionColumn = z.infer<typeof ProductionColumnSchema>

/** The evaluation column each value lands in (a stable naming: imports can append). */
export const PRODUCTION_COLUMN_NAMES = {
  input: 'input',
  output: 'output',
  requestId: 'request_id',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  latencyMs: 'latency_ms',
  status: 'status',
} as const

export const PRODUCTION_PREVIEW_ROWS = 10
/** Spans read per query page. */
const PAGE_SIZE = 500
/** Default most rows one import takes (the dataset import's default row limit). */
export const DEFAULT_PRODUCTION_MAX_ROWS = 5_000_000
/**
 * Rows are held in memory up to this many bytes of JSON; past it they are spilled to a temporary
 * file, so memory stays bounded whatever the import's size.
 */
const SPILL_BYTES = 8 * 1024 * 1024

/** The dialog's filters: one project's spans started in [from, to), of a model and a source. */
export type ProductionDataFilter = {
  projectId: string
  model?: string | undefined
  source?: string | undefined
  from: string
  to: string
  /** Optional columns besides input and output; order does not matter. */
  columns?: readonly ProductionColumn[] | undefined
}

export type ProductionDataPreview = {
  /** Column names, in order. */
  columns: string[]
  /** The first 10 rows, in start-time order. */
  rows: string[][]
  /** How many spans match (= rows an import would add). */
  total: number
}

/** The header of an import with these optional columns. */
export function productionHeader(columns: readonly ProductionColumn[] = []): string[] {
  const chosen = checkColumns(columns)
  return [
    PRODUCTION_COLUMN_NAMES.input,
    PRODUCTION_COLUMN_NAMES.output,
    ...OPTIONAL_PRODUCTION_COLUMNS.filter((c) => chosen.has(c)).map(
      (c) => PRODUCTION_COLUMN_NAMES[c],
    ),
  ]
}

function checkColumns(columns: readonly ProductionColumn[]): Set<ProductionColumn> {
  if (!Array.isArray(columns)) {
    throw new AssayError('invalid_input', 'columns must be an array', {
      position: { field: 'columns' },
    })
  }
  for (const column of columns) {
    if (!ProductionColumnSchema.safeParse(column).success) {
      throw new AssayError(
        'invalid_input',
        `unknown column "${String(column)}"; choose from ${OPTIONAL_PRODUCTION_COLUMNS.join(', ')}`,
        { position: { field: 'columns' } },
      )
    }
  }
  return new Set(columns)
}

/** A span as a row of the chosen columns. */
function rowOf(span: Span, chosen: Set<ProductionColumn>): string[] {
  const row = [span.input ?? '', span.output ?? '']
  for (const column of OPTIONAL_PRODUCTION_COLUMNS) {
    if (!chosen.has(column)) continue
    switch (column) {
      case 'requestId':
        row.push(span.requestId ?? '')
        break
      case 'inputTokens':
        row.push(span.inputTokens === null ? '' : String(span.inputTokens))
        break
      case 'outputTokens':
        row.push(span.outputTokens === null ? '' : String(span.outputTokens))
        break
      case 'latencyMs':
        row.push(String(Math.round(span.latencyMs)))
        break
      case 'status':
        row.push(span.status)
        break
    }
  }
  return row
}

function spanFilterOf(filter: ProductionDataFilter): SpanFilter {
  return normalizeSpanFilter({
    projectId: filter.projectId,
    model: filter.model,
    source: filter.source,
    from: filter.from,
    to: filter.to,
  })
}

/** The first 10 rows the import would add, and how many it would add; writes nothing. */
export async function previewProductionData(
  repos: Pick<Repositories, 'spans'>,
  filter: ProductionDataFilter,
): Promise<ProductionDataPreview> {
  const columns = productionHeader(filter.columns)
  const chosen = checkColumns(filter.columns ?? [])
  const spanFilter = spanFilterOf(filter)
  const [page, total] = await Promise.all([
    repos.spans.query(spanFilter, { limit: PRODUCTION_PREVIEW_ROWS }),
    repos.spans.count(spanFilter),
  ])
  return { columns, rows: page.spans.map((s) => rowOf(s, chosen)), total }
}

export type ProductionImportRequest = ProductionDataFilter & {
  /** The evaluation the rows go into; it must belong to `projectId`. */
  evaluationId: string
  /** Refuse (limit_exceeded) when more spans match; default 5,000,000. */
  maxRows?: number
  signal?: AbortSignal
  /** Bytes of rows held in memory before they are spilled to a temporary file (default 8 MiB). */
  spillBytes?: number
}

export type ProductionImportOutcome = { evaluationId: string; rows: number; columns: string[] }

/**
 * Imports the matching spans as rows of an evaluation, all or nothing (one `importRows`
 * transaction). The spans are read page by page before that transaction starts (SQLite has a
 * single connection, which the transaction holds), kept in memory up to a bound and spilled
 * to a temporary file past it. A first import creates the columns; a later one must name the
 * same columns (same optional columns chosen) and appends.
 */
export async function importProductionData(
  repos: Pick<Repositories, 'spans' | 'rows' | 'evaluations'>,
  request: ProductionImportRequest,
): Promise<ProductionImportOutcome> {
  const { signal } = request
  const header = productionHeader(request.columns)
  const chosen = checkColumns(request.columns ?? [])
  const spanFilter = spanFilterOf(request)
  const evaluation = await repos.evaluations.get(request.evaluationId)
  if (!evaluation || evaluation.projectId !== request.projectId) {
    throw new AssayError(
      'not_found',
      `evaluation ${request.evaluationId} does not exist in project ${request.projectId}`,
    )
  }
  const maxRows = request.maxRows ?? DEFAULT_PRODUCTION_MAX_ROWS
  const total = await repos.spans.count(spanFilter)
  if (total === 0) {
    throw new AssayError(
      'invalid_input',
      'no production spans match these filters; nothing to import',
    )
  }
  if (total > maxRows) {
    throw new AssayError(
      'limit_exceeded',
      `${total} spans match, more than the import limit of ${maxRows} rows; narrow the filters`,
    )
  }

  const staged = new RowStage(request.spillBytes ?? SPILL_BYTES)
  try {
    let after: { startTime: string; id: string } | undefined
    let read = 0
    for (;;) {
      throwIfImportAborted(signal)
      const page = await repos.spans.query(
        spanFilter,
        after ? { limit: PAGE_SIZE, after } : { limit: PAGE_SIZE },
      )
      for (const span of page.spans) await staged.add(rowOf(span, chosen))
      read += page.spans.length
      if (read > maxRows) {
        throw new AssayError(
          'limit_exceeded',
          `more spans match than the import limit of ${maxRows} rows; narrow the filters`,
        )
      }
      if (!page.next) break
      after = page.next
    }
    const result = await repos.rows.importRows(evaluation.id, header, staged.batches(PAGE_SIZE), {
      signal,
    })
    return { evaluationId: evaluation.id, rows: result.rows, columns: header }
  } finally {
    await staged.dispose()
  }
}

/**
 * Rows kept for one import: in memory while small, then in a temporary JSON Lines file (one
 * row per line; JSON escapes newlines in values).
 */
class RowStage {
  private memory: string[][] = []
  private bytes = 0
  private dir: string | undefined
  private file: Awaited<ReturnType<typeof open>> | undefined
  private path: string | undefined

  constructor(private readonly spillBytes: number) {}

  async add(row: string[]): Promise<void> {
    if (this.file) {
      await this.file.write(`${JSON.stringify(row)}\n`)
      return
    }
    this.memory.push(row)
    for (const value of row) this.bytes += value.length * 2 + 8
    if (this.bytes > this.spillBytes) await this.spill()
  }

  private async spill(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'assay-production-import-'))
    this.path = join(this.dir, 'rows.jsonl')
    this.file = await open(this.path, 'w', 0o600)
    let chunk = ''
    for (const row of this.memory) {
      chunk += `${JSON.stringify(row)}\n`
      if (chunk.length > 1024 * 1024) {
        await this.file.write(chunk)
        chunk = ''
      }
    }
    if (chunk !== '') await this.file.write(chunk)
    this.memory = []
  }

  async *batches(size: number): AsyncGenerator<string[][]> {
    if (!this.file || !this.path) {
      for (let i = 0; i < this.memory.length; i += size) yield this.memory.slice(i, i + size)
      return
    }
    await this.file.close()
    this.file = undefined
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: 0 })
    let batch: string[][] = []
    for await (const line of lines) {
      if (line === '') continue
      batch.push(JSON.parse(line) as string[])
      if (batch.length === size) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
  }

  async dispose(): Promise<void> {
    this.memory = []
    await this.file?.close().catch(() => {})
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
  }
}
