import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AssayError } from '@assay/core'
import { type OpenedDatabase, openDatabase } from '@assay/storage'
import { createPostgresTestDatabase, TEST_POSTGRES_URL } from '@assay/storage/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../env.js'
import { createServices, type Services } from '../services.js'
import { exportDataset } from './export-dataset.js'
import { type DatasetSource, importDataset } from './import-dataset.js'
import { DEFAULT_IMPORT_LIMITS } from './limits.js'
import { MALFORMED_CASES } from './malformed-corpus.js'

const TABLES = [
  'projects',
  'evaluations',
  'columns',
  'rows',
  'cell_values',
  'runs',
  'cell_results',
] as const

async function* chunks(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}
const source = (text: string | Uint8Array, format: 'csv' | 'jsonl' = 'csv'): DatasetSource => ({
  bytes: chunks(typeof text === 'string' ? new TextEncoder().encode(text) : text),
  format,
})

function describeImport(
  dialect: string,
  makeUrl: () => Promise<{ url: string; drop(): Promise<void> }>,
) {
  describe(`dataset import on ${dialect}`, () => {
    let services: Services
    let raw: OpenedDatabase
    let drop: () => Promise<void>
    const target = (projectName: string, evaluationName = 'e') => ({
      projectName,
      evaluationName,
      userId: null,
    })

    async function counts(): Promise<Record<string, number>> {
      const out: Record<string, number> = {}
      for (const table of TABLES) {
        const result = await sql<{
          n: number | string
        }>`select count(*) as n from ${sql.table(table)}`.execute(raw.db)
        out[table] = Number(result.rows[0]?.n)
      }
      const rowCounts = await sql<{
        s: number | string | null
      }>`select sum(row_count) as s from evaluations`.execute(raw.db)
      out.row_count_sum = Number(rowCounts.rows[0]?.s ?? 0)
      return out
    }

    beforeAll(async () => {
      const created = await makeUrl()
      drop = created.drop
      services = await createServices(
        loadConfig({
          ASSAY_DATABASE_URL: created.url,
          ASSAY_SECRET_KEY: randomBytes(32).toString('base64'),
        }),
      )
      raw = openDatabase(created.url)
      // An evaluation that already holds data: refused imports must leave it exactly as it is.
      await importDataset(
        services.repos,
        target('existing'),
        source('a,b\n1,2\n3,4\n'),
        DEFAULT_IMPORT_LIMITS,
      )
    })
    afterAll(async () => {
      await raw?.close()
      await services?.close()
      await drop?.()
    })

    it.each(
      MALFORMED_CASES.map((c) => [c.name, c] as const),
    )('refuses "%s" and changes nothing', async (_name, testCase) => {
      const limits = { ...DEFAULT_IMPORT_LIMITS, ...testCase.limits }
      for (const projectName of ['fresh', 'existing']) {
        const before = await counts()
        const error = await importDataset(
          services.repos,
          target(projectName),
          { bytes: chunks(testCase.bytes, 3), format: testCase.format },
          limits,
        ).then(
          () => undefined,
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(AssayError)
        // Into the existing evaluation a file may be refused earlier, for naming other columns.
        if (projectName === 'fresh') {
          expect((error as AssayError).message).toMatch(testCase.message)
          if (testCase.line !== undefined)
            expect((error as AssayError).position?.line).toBe(testCase.line)
        }
        expect(await counts()).toEqual(before)
      }
    })

    it('rolls back a large import refused on its last line', async () => {
      const rows = Array.from({ length: 25_000 }, (_, i) => `${i},"text, with ""quotes"" ${i}"`)
      const text = `id,text\n${rows.join('\n')}\n25000\n`
      const before = await counts()
      await expect(
        importDataset(services.repos, target('big'), source(text), DEFAULT_IMPORT_LIMITS),
      ).rejects.toMatchObject({
        code: 'invalid_input',
        position: { line: 25_002 },
      })
      await expect(
        importDataset(
          services.repos,
          target('existing'),
          source(text.replace('id,text', 'a,b')),
          DEFAULT_IMPORT_LIMITS,
        ),
      ).rejects.toMatchObject({ code: 'invalid_input' })
      expect(await counts()).toEqual(before)
    })

    it('keeps nothing when the import is aborted', async () => {
      const before = await counts()
      const controller = new AbortController()
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield new TextEncoder().encode(`a,b\n${'1,2\n'.repeat(5000)}`)
        controller.abort()
        yield new TextEncoder().encode(`${'3,4\n'.repeat(5000)}`)
      }
      await expect(
        importDataset(
          services.repos,
          target('aborted'),
          { bytes: slow(), format: 'csv' },
          DEFAULT_IMPORT_LIMITS,
          controller.signal,
        ),
      ).rejects.toBeDefined()
      expect(await counts()).toEqual(before)
    })

    it('appends to an evaluation when the header names the same columns in another order', async () => {
      const outcome = await importDataset(
        services.repos,
        target('existing'),
        source('b,a\n6,5\n'),
        DEFAULT_IMPORT_LIMITS,
      )
      expect(outcome.rows).toBe(1)
      const evaluation = await services.repos.evaluations.get(outcome.evaluationId)
      expect(evaluation?.rowCount).toBe(3)
      let jsonl = ''
      for await (const chunk of exportDataset(services.repos, outcome.evaluationId, {
        format: 'jsonl',
      }))
        jsonl += chunk
      expect(jsonl).toBe('{"a":"1","b":"2"}\n{"a":"3","b":"4"}\n{"a":"5","b":"6"}\n')
    })

    it('round-trips tricky values exactly through JSONL import and export', async () => {
      const values = [
        '',
        ' ',
        'a,b',
        '"q"',
        'x\r\ny',
        'x\ny',
        '\t',
        'naïve 東京 😀',
        '=1+1',
        '{{var}}',
        '\\',
        'ß'.repeat(1000),
      ]
      const text = values.map((v, i) => JSON.stringify({ i: String(i), v })).join('\n')
      const outcome = await importDataset(
        services.repos,
        target('roundtrip'),
        source(text, 'jsonl'),
        DEFAULT_IMPORT_LIMITS,
      )
      let jsonl = ''
      for await (const chunk of exportDataset(services.repos, outcome.evaluationId, {
        format: 'jsonl',
        pageSize: 5,
      }))
        jsonl += chunk
      expect(jsonl).toBe(`${text}\n`)
    })
  })
}

describeImport('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'assay-import-'))
  return {
    url: join(dir, 'assay.db'),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
})

const pgUrl = TEST_POSTGRES_URL
if (pgUrl) describeImport('postgres', () => createPostgresTestDatabase(pgUrl))
