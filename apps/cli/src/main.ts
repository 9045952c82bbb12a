import { Command, CommanderError } from 'commander'
import { exportCommand } from './commands/export.js'
import { importCommand } from './commands/import.js'
import { migrateCommand } from './commands/migrate.js'
import { runCommand } from './commands/run.js'
import { startCommand } from './commands/start.js'
import { testCommand } from './commands/test.js'
import { EXIT, exitCodeFor } from './exit-codes.js'
import { type Io, processIo } from './io.js'

export const VERSION = '0.1.0'

/** Runs one `assay …` command and returns its exit code; never calls process.exit. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok
  const program = new Command('assay')
    .description('Assay: a self-hosted evaluation studio for LLM outputs')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
  const setCode = (c: number) => {
    code = c
  }
  importCommand(program, io, setCode)
  exportCommand(program, io, setCode)
  migrateCommand(program, io, setCode)
  runCommand(program, io, setCode)
  startCommand(program, io, setCode)
  testCommand(program, io, setCode)
  try {
    await program.parseAsync([...argv])
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    io.err(`assay: ${error instanceof Error ? error.message : String(error)}\n`)
    return exitCodeFor(error)
  }
  return code
}
