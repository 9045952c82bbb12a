import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { AssayError } from '@assay/core'
import {
  CSV_DELIMITERS,
  type CsvDelimiter,
  DATASET_FORMATS,
  type DatasetFormat,
  type DatasetSource,
  formatFromFileName,
  importDataset,
  previewDataset,
} from '@assay/server'
import { type Command, Option } from 'commander'
import { EXIT } from '../exit-codes.js'
import type { Io } from '../io.js'
import { withServices } from '../with-services.js'

type ImportFlags = {
  project: string
  evaluation: string
  preview?: boolean
  json?: boolean
  format?: DatasetFormat
  delimiter?: string
}

const DELIMITER_NAMES: Record<string, CsvDelimiter> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  tab: '\t',
  '\\t': '\t',
}

export function importCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('import')
    .description('import a CSV or JSONL file into an evaluation (all or nothing)')
    .argument('<file>', 'CSV (comma, semicolon or tab, detected) or JSONL (.jsonl/.ndjson) file')
    .requiredOption('--project <name>', 'project name (created if missing)')
    .requiredOption('--evaluation <name>', 'evaluation name (created if missing)')
    .option('--preview', `print the header and the first rows without importing`)
    .option('--json', 'print the result as JSON')
    .addOption(
      new Option('--format <format>', 'file format (default: from the file name)').choices(
        DATASET_FORMATS,
      ),
    )
    .option('--delimiter <char>', 'CSV delimiter: comma, semicolon or tab (default: detected)')
    .action(async (file: string, flags: ImportFlags) => {
      const path = resolve(io.cwd, file)
      const info = await stat(path).catch(() => undefined)
      if (!info?.isFile()) throw new AssayError('invalid_input', `no such file: ${file}`)
      let delimiter: CsvDelimiter | undefined
      if (flags.delimiter !== undefined) {
        delimiter = DELIMITER_NAMES[flags.delimiter]
        if (!delimiter) {
          throw new AssayError(
            'invalid_input',
            `--delimiter must be one of comma, semicolon, tab (${CSV_DELIMITERS.length} choices)`,
          )
        }
      }
      const source = (): DatasetSource => ({
        bytes: createReadStream(path, { highWaterMark: 256 * 1024 }),
        format: flags.format ?? formatFromFileName(path),
        delimiter,
      })
      await withServices(io, async (services) => {
        const limits = services.config.importLimits
        if (info.size > limits.maxFileBytes) {
          throw new AssayError(
            'limit_exceeded',
            `${file} is ${info.size} bytes; the limit is ${limits.maxFileBytes} (ASSAY_IMPORT_MAX_FILE_BYTES)`,
          )
        }
        if (flags.preview) {
          const preview = await previewDataset(source(), limits)
          if (flags.json) io.out(`${JSON.stringify(preview)}\n`)
          else io.out(renderPreview(preview.columns, preview.rows))
          return
        }
        const outcome = await importDataset(
          services.repos,
          { projectName: flags.project, evaluationName: flags.evaluation, userId: null },
          source(),
          limits,
        )
        if (flags.json)
          io.out(`${JSON.stringify({ rows: outcome.rows, columns: outcome.columns })}\n`)
        else {
          io.out(
            `Imported ${outcome.rows} rows × ${outcome.columns.length} columns into ${flags.project} / ${flags.evaluation}\n`,
          )
        }
      })
      setCode(EXIT.ok)
    })
}

function renderPreview(columns: string[], rows: string[][]): string {
  const clip = (v: string) => {
    const flat = v.replace(/\s+/g, ' ')
    return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat
  }
  const lines = [columns.map(clip).join(' | '), ...rows.map((row) => row.map(clip).join(' | '))]
  return `${lines.join('\n')}\n(${rows.length} preview rows; nothing imported)\n`
}
