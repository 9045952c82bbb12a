import type { Command } from 'commander'
import { EXIT } from '../exit-codes.js'
import type { Io } from '../io.js'
import { withServices } from '../with-services.js'

export function migrateCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('migrate')
    .description('bring the database schema up to date (also done on every start)')
    .action(async () => {
      await withServices(io, async (services) => {
        io.out(`Database schema is up to date (${services.databaseLocation})\n`)
      })
      setCode(EXIT.ok)
    })
}
