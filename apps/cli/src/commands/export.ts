import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { AssayError } from '@assay/core'
import { DATASET_FORMATS, type DatasetFormat, exportDataset } from '@assay/server'
import { type Command, Option } from 'commander'
import { EXIT } from '../exit-codes.js'
import type { Io } from '../io.js'
import { withServices } from '../with-services.js'

type ExportFlags = {
  project: string
  evaluation: string
  format: DatasetFormat
  out?: string
  raw?: boolean
}

export function exportCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('export')
    .description("export an evaluation's rows as JSONL or CSV (streamed)")
    .requiredOption('--project <name>', 'project name')
    .requiredOption('--evaluation <name>', 'evaluation name')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(DATASET_FORMATS)
        .makeOptionMandatory(),
    )
    .option('--out <file>', 'write to this file (written whole or not at all) instead of stdout')
    .option('--raw', 'CSV: keep values byte-exact instead of neutralising spreadsheet formulas')
    .action(async (flags: ExportFlags) => {
      await withServices(io, async ({ repos }) => {
        const project = await repos.projects.getByName(flags.project)
        if (!project) throw new AssayError('not_found', `no project named "${flags.project}"`)
        const evaluation = await repos.evaluations.getByName(project.id, flags.evaluation)
        if (!evaluation)
          throw new AssayError(
            'not_found',
            `no evaluation named "${flags.evaluation}" in ${flags.project}`,
          )
        const chunks = exportDataset(repos, evaluation.id, { format: flags.format, raw: flags.raw })
        if (!flags.out) {
          await writeAll(chunks, io.stdout)
          return
        }
        const target = resolve(io.cwd, flags.out)
        const partial = `${target}.partial-${process.pid}`
        try {
          await pipeline(Readable.from(chunks), createWriteStream(partial))
          await rename(partial, target)
        } catch (error) {
          await rm(partial, { force: true })
          throw error
        }
      })
      setCode(EXIT.ok)
    })
}

async function writeAll(chunks: AsyncIterable<string>, stream: Writable): Promise<void> {
  for await (const chunk of chunks) {
    if (!stream.write(chunk)) await new Promise<void>((done) => stream.once('drain', done))
  }
}
