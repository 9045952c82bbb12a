import { AssayError } from '@assay/core'
import { describe, expect, it } from 'vitest'
import { readCsv } from './csv-reader.js'
import type { DatasetChunk } from './dataset-format.js'
import { parseDataset } from './import-dataset.js'
import { DEFAULT_IMPORT_LIMITS } from './limits.js'
import { MALFORMED_CASES } from './malformed-corpus.js'
import { decodeUtf8 } from './utf8-decoder.js'

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

async function collect(chunks: AsyncIterable<DatasetChunk>) {
  let header: string[] = []
  let delimiter: string | undefined
  const rows: string[][] = []
  for await (const chunk of chunks) {
    if (chunk.type === 'header') {
      header = chunk.columns
      delimiter = chunk.delimiter
    } else rows.push(...chunk.rows)
  }
  return { header, rows, delimiter }
}

const csv = (text: string | Uint8Array, chunkSize = 7) =>
  collect(
    parseDataset(
      {
        bytes: chunked(typeof text === 'string' ? new TextEncoder().encode(text) : text, chunkSize),
        format: 'csv',
      },
      DEFAULT_IMPORT_LIMITS,
    ),
  )

describe('CSV reading', () => {
  it.each([
    ['comma', 'a,b\n1,2\n', ','],
    ['semicolon', 'a;b\n1;2\n', ';'],
    ['tab', 'a\tb\n1\t2\n', '\t'],
    ['comma inside quotes does not count', '"x,y,z";b\n1;2\n', ';'],
  ])('detects the %s delimiter', async (_name, text, delimiter) => {
    const out = await csv(text)
    expect(out.delimiter).toBe(delimiter)
    expect(out.header).toHaveLength(2)
    expect(out.rows).toEqual([['1', '2']])
  })

  it('keeps quoted newlines, CRLF, quotes, BOM-free header and unicode byte for byte', async () => {
    const text =
      '\uFEFFq,a\r\n"line1\r\nline2","He said ""hi"", then left"\r\n"x\ny",""\r\nnaïve 東京 😀,"  spaced  "\r\n'
    const out = await csv(text, 3)
    expect(out.header).toEqual(['q', 'a'])
    expect(out.rows).toEqual([
      ['line1\r\nline2', 'He said "hi", then left'],
      ['x\ny', ''],
      ['naïve 東京 😀', '  spaced  '],
    ])
  })

  it('reads a multi-byte character split across chunks', async () => {
    const out = await csv('a\n😀é東\n', 1)
    expect(out.rows).toEqual([['😀é東']])
  })

  it('accepts a last line without a line break and skips blank lines', async () => {
    expect((await csv('a,b\n\n1,2\n\n3,4')).rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ])
  })

  it('trims header names', async () => {
    expect((await csv(' a , b\n1,2\n')).header).toEqual(['a', 'b'])
  })

  it('stops after maxRows for a preview without reading further', async () => {
    const text = `a\n${Array.from({ length: 50 }, (_, i) => i).join('\n')}\n"never closed\n`
    const out = await collect(
      readCsv(decodeUtf8(chunked(new TextEncoder().encode(text), 16)), {
        limits: DEFAULT_IMPORT_LIMITS,
        maxRows: 10,
      }),
    )
    expect(out.rows).toHaveLength(10)
  })
})

describe('JSONL reading', () => {
  const jsonl = (text: string) =>
    collect(
      parseDataset(
        { bytes: chunked(new TextEncoder().encode(text), 5), format: 'jsonl' },
        DEFAULT_IMPORT_LIMITS,
      ),
    )

  it('takes columns from the first object and converts values to text', async () => {
    const out = await jsonl(
      '{"q":"x\\ny","n":1.5,"b":true,"o":{"k":[1,2]},"z":null}\r\n\n{"q":"only q"}\n',
    )
    expect(out.header).toEqual(['q', 'n', 'b', 'o', 'z'])
    expect(out.rows).toEqual([
      ['x\ny', '1.5', 'true', '{"k":[1,2]}', ''],
      ['only q', '', '', '', ''],
    ])
  })
})

describe('malformed files are refused with their position', () => {
  it.each(MALFORMED_CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const limits = { ...DEFAULT_IMPORT_LIMITS, ...testCase.limits }
    const run = collect(
      parseDataset({ bytes: chunked(testCase.bytes, 4), format: testCase.format }, limits),
    )
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AssayError)
    const assay = error as AssayError
    expect(assay.code).toBe(testCase.code ?? 'invalid_input')
    expect(assay.message).toMatch(testCase.message)
    if (testCase.line !== undefined) {
      expect(assay.position?.line).toBe(testCase.line)
      expect(assay.message).toContain(`line ${testCase.line}`)
    }
    if (testCase.column !== undefined) expect(assay.position?.column).toBe(testCase.column)
  })
})
