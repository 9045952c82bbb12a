import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Io } from './io.js'
import { main } from './main.js'

const REPO = resolve(import.meta.dirname, '../../..')
const SAMPLE = join(REPO, 'data/truthfulqa/truthfulqa_sample.csv')

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'assay-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function assay(args: string[], db = 'cli.db') {
  let out = ''
  let err = ''
  const stdout = new PassThrough()
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
  })
  const io: Io = {
    out: (text) => {
      out += text
    },
    err: (text) => {
      err += text
    },
    progress: () => {},
    progressDone: () => {},
    isTty: false,
    onInterrupt: () => () => {},
    exit: () => {},
    stdout,
    env: { ASSAY_DATABASE_URL: join(dir, db) },
    cwd: dir,
  }
  const code = await main(['node', 'assay', ...args], io)
  return { code, out, err }
}

function write(name: string, content: string | Uint8Array): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

describe('assay import', () => {
  it('imports the TruthfulQA sample and prints rows and columns as JSON', async () => {
    const result = await assay([
      'import',
      SAMPLE,
      '--project',
      'demo',
      '--evaluation',
      'tqa',
      '--json',
    ])
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
    expect(JSON.parse(result.out)).toEqual({
      rows: 200,
      columns: [
        'row_id',
        'question_id',
        'type',
        'category',
        'question',
        'candidate_answer',
        'is_true',
        'answer_origin',
        'is_best_answer',
        'best_answer',
        'source_url',
      ],
    })
  })

  it('previews the first 10 rows without writing anything', async () => {
    const result = await assay(
      ['import', SAMPLE, '--project', 'p-preview', '--evaluation', 'e', '--preview', '--json'],
      'preview.db',
    )
    expect(result.code).toBe(0)
    const preview = JSON.parse(result.out)
    expect(preview.rows).toHaveLength(10)
    expect(preview.delimiter).toBe(',')
    const exported = await assay(
      ['export', '--project', 'p-preview', '--evaluation', 'e', '--format', 'jsonl'],
      'preview.db',
    )
    expect(exported.code).toBe(2)
    expect(exported.err).toMatch(/no project named "p-preview"/)
  })

  it('refuses a ragged file with exit code 2, names the line, and leaves nothing behind', async () => {
    const file = write('ragged.csv', 'a,b\n1,2\n3\n')
    const result = await assay(
      ['import', file, '--project', 'p-bad', '--evaluation', 'e'],
      'ragged.db',
    )
    expect(result.code).toBe(2)
    expect(result.err).toMatch(/line 3: expected 2 values/)
    const again = await assay(
      ['export', '--project', 'p-bad', '--evaluation', 'e', '--format', 'csv'],
      'ragged.db',
    )
    expect(again.err).toMatch(/no project named "p-bad"/)
  })

  it('refuses a missing file and a bad flag with exit code 2', async () => {
    expect((await assay(['import', 'nope.csv', '--project', 'p', '--evaluation', 'e'])).code).toBe(
      2,
    )
    expect((await assay(['import', SAMPLE, '--project', 'p'])).code).toBe(2)
    expect(
      (
        await assay([
          'import',
          SAMPLE,
          '--project',
          'p',
          '--evaluation',
          'e',
          '--delimiter',
          'pipe',
        ])
      ).code,
    ).toBe(2)
  })
})

describe('assay export', () => {
  const tricky = [
    ['id', 'text', '1', 'formula'],
    ['r1', 'comma, "quotes" and\r\nCRLF', '', '=HYPERLINK("http://x")'],
    ['r2', 'LF only\nsecond line', 'naïve 東京 😀', '-5'],
    ['r3', '  padded  ', '\ttab', '+cmd|x'],
  ]
  const csvText = `${tricky.map((row) => row.map((v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',')).join('\r\n')}\r\n`

  it('round-trips values byte for byte through JSONL, keeping column order', async () => {
    const file = write('tricky.csv', csvText)
    expect(
      (await assay(['import', file, '--project', 'rt', '--evaluation', 'e'], 'rt.db')).code,
    ).toBe(0)
    const result = await assay(
      ['export', '--project', 'rt', '--evaluation', 'e', '--format', 'jsonl'],
      'rt.db',
    )
    expect(result.code).toBe(0)
    const lines = result.out.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    // Keys in column order even when a name looks like an integer.
    expect(lines[0]?.startsWith('{"id":"r1","text":')).toBe(true)
    const header = tricky[0] as string[]
    expect(lines.map((line) => JSON.parse(line))).toEqual(
      tricky.slice(1).map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]]))),
    )
  })

  it('writes a byte-exact CSV with --raw and re-imports it to the same values', async () => {
    const out = join(dir, 'raw.csv')
    const result = await assay(
      ['export', '--project', 'rt', '--evaluation', 'e', '--format', 'csv', '--raw', '--out', out],
      'rt.db',
    )
    expect(result.code).toBe(0)
    expect(readFileSync(out, 'utf8')).toBe(csvText)
    expect(
      (await assay(['import', out, '--project', 'rt2', '--evaluation', 'e'], 'rt.db')).code,
    ).toBe(0)
    const again = await assay(
      ['export', '--project', 'rt2', '--evaluation', 'e', '--format', 'csv', '--raw'],
      'rt.db',
    )
    expect(again.out).toBe(csvText)
  })

  it('neutralises spreadsheet formulas by default', async () => {
    const result = await assay(
      ['export', '--project', 'rt', '--evaluation', 'e', '--format', 'csv'],
      'rt.db',
    )
    expect(result.out).toContain(`"'=HYPERLINK(""http://x"")"`)
    expect(result.out).toContain(`'+cmd|x`)
    expect(result.out).toContain(`'\ttab`)
    expect(result.out).toContain(',-5\r\n')
  })

  it('leaves no partial file when the export fails', async () => {
    const out = join(dir, 'none.csv')
    const result = await assay(
      ['export', '--project', 'missing', '--evaluation', 'e', '--format', 'csv', '--out', out],
      'rt.db',
    )
    expect(result.code).toBe(2)
    expect(existsSync(out)).toBe(false)
  })
})

describe('the assay binary', () => {
  it('runs from the repository root with real exit codes', () => {
    const bin = join(REPO, 'apps/cli/bin/assay.js')
    const env = { ...process.env, ASSAY_DATABASE_URL: join(dir, 'bin.db') }
    const ok = spawnSync(
      process.execPath,
      [bin, 'import', SAMPLE, '--project', 'b', '--evaluation', 'e', '--json'],
      { env, encoding: 'utf8' },
    )
    expect(ok.stderr).toBe('')
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout).rows).toBe(200)
    const bad = write('bin-bad.csv', 'a,a\n1,2\n')
    const refused = spawnSync(
      process.execPath,
      [bin, 'import', bad, '--project', 'b2', '--evaluation', 'e'],
      { env, encoding: 'utf8' },
    )
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/line 1, column 2: duplicate header name "a"/)
  })
})
