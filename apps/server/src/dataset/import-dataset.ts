import { AssayError, type Repositories } from '@assay/core'
import { type CsvDelimiter, readCsv } from './csv-reader.js'
import type { DatasetChunk, DatasetFormat } from './dataset-format.js'
import { readJsonl } from './jsonl-reader.js'
import type { ImportLimits } from './limits.js'
import { decodeUtf8 } from './utf8-decoder.js'

export type DatasetSource = {
  bytes: AsyncIterable<Uint8Array>
  format: DatasetFormat
  delimiter?: CsvDelimiter
}

export const PREVIEW_ROWS = 10

export type DatasetPreview = {
  format: DatasetFormat
  delimiter: string | null
  columns: string[]
  rows: string[][]
}

/** Header and the first rows, without writing anything (the import dialog's preview). */
export async function previewDataset(
  source: DatasetSource,
  limits: ImportLimits,
): Promise<DatasetPreview> {
  let columns: string[] = []
  let delimiter: string | null = null
  const rows: string[][] = []
  for await (const chunk of parseDataset(source, limits, PREVIEW_ROWS)) {
    if (chunk.type === 'header') {
      columns = chunk.columns
      delimiter = chunk.delimiter ?? null
    } else rows.push(...chunk.rows.slice(0, PREVIEW_ROWS - rows.length))
  }
  return { format: source.format, delimiter, columns, rows }
}

export type ImportTarget = { projectName: string; evaluationName: string; userId: string | null }
export type ImportOutcome = {
  projectId: string
  evaluationId: string
  rows: number
  columns: string[]
}

/**
 * Imports a whole file, all or nothing: the rows go in one transaction, and a project or
 * evaluation created for this import is removed again when the import is refused.
 */
export async function importDataset(
  repos: Repositories,
  target: ImportTarget,
  source: DatasetSource,
  limits: ImportLimits,
  signal?: AbortSignal,
): Promise<ImportOutcome> {
  let project = await repos.projects.getByName(target.projectName)
  const createdProject = !project
  project ??= await repos.projects.create({ name: target.projectName, createdBy: target.userId })
  let evaluation = await repos.evaluations.getByName(project.id, target.evaluationName)
  const createdEvaluation = !evaluation
  try {
    evaluation ??= await repos.evaluations.create({
      projectId: project.id,
      name: target.evaluationName,
      createdBy: target.userId,
    })
    const chunks = parseDataset(source, limits)[Symbol.asyncIterator]()
    const first = await chunks.next()
    if (first.done || first.value.type !== 'header')
      throw new AssayError('invalid_input', 'the file is empty')
    const header = first.value.columns
    const result = await repos.rows.importRows(evaluation.id, header, rowBatches(chunks), {
      signal,
    })
    return {
      projectId: project.id,
      evaluationId: evaluation.id,
      rows: result.rows,
      columns: header,
    }
  } catch (error) {
    if (createdEvaluation && evaluation)
      await repos.evaluations.delete(evaluation.id).catch(() => {})
    if (createdProject) await repos.projects.delete(project.id).catch(() => {})
    throw error
  }
}

/** The parsed stream of a source: strict UTF-8, size-limited, CSV or JSONL. */
export function parseDataset(
  source: DatasetSource,
  limits: ImportLimits,
  maxRows?: number,
): AsyncGenerator<DatasetChunk> {
  const text = decodeUtf8(limitBytes(source.bytes, limits.maxFileBytes))
  return source.format === 'jsonl'
    ? readJsonl(text, { limits, maxRows })
    : readCsv(text, { limits, delimiter: source.delimiter, maxRows })
}

async function* rowBatches(chunks: AsyncIterator<DatasetChunk>): AsyncGenerator<string[][]> {
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
    if (next.value.type === 'rows') yield next.value.rows
  }
}

async function* limitBytes(
  bytes: AsyncIterable<Uint8Array>,
  max: number,
): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of bytes) {
    total += chunk.length
    if (total > max) {
      throw new AssayError('limit_exceeded', `the file is over the size limit of ${max} bytes`)
    }
    yield chunk
  }
}
