import { resolve } from 'node:path'
import { AssayError } from '@assay/core'
import { testEvaluationFileColumn } from '@assay/server'
import type { Command } from 'commander'
import { EXIT } from '../exit-codes.js'
import type { Io } from '../io.js'
import { withServices } from '../with-services.js'

type TestFlags = { column: string; rows: string; json?: boolean }

export function testCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('test')
    .description(
      'run one column of an evaluation file on a few rows and show the result; nothing is stored',
    )
    .argument('<file>', 'evaluation file (YAML)')
    .requiredOption('--column <name>', 'a generator or evaluator column of the file')
    .option('--rows <numbers>', 'row numbers, 1-based, comma-separated', '1')
    .option('--json', 'print the outcomes as JSON')
    .action(async (file: string, flags: TestFlags) => {
      const rows = flags.rows.split(',').map((part) => Number(part.trim()))
      if (rows.some((n) => !Number.isInteger(n) || n < 1) || rows.length > 20) {
        throw new AssayError(
          'invalid_input',
          '--rows takes 1 to 20 row numbers, 1-based, e.g. 1,2,5',
        )
      }
      const outcomes = await withServices(io, (services) =>
        testEvaluationFileColumn(services, resolve(io.cwd, file), {
          env: io.env,
          column: flags.column,
          rows,
        }),
      )
      if (flags.json) io.out(`${JSON.stringify(outcomes)}\n`)
      else {
        for (const t of outcomes) {
          const o = t.outcome
          const head = `row ${t.row}: ${o.status}`
          const detail =
            o.status === 'done'
              ? ` value=${JSON.stringify(o.value)}${o.pass === null ? '' : o.pass ? ' PASS' : ' FAIL'}${o.explanation ? `\n  explanation: ${o.explanation}` : ''}`
              : o.status === 'error'
                ? ` ${o.code}: ${o.message}`
                : ` ${o.reason}`
          const raw = o.status !== 'stopped' && o.raw ? `\n  raw: ${o.raw.slice(0, 2000)}` : ''
          io.out(
            `${head}${detail}${raw}\n  tokens ${t.tokens.input} in / ${t.tokens.output} out · attempts ${t.attempts} · ${t.latencyMs} ms\n`,
          )
        }
      }
      setCode(EXIT.ok)
    })
}
