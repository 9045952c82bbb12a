import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { type CsvRecord, CsvTokenizer } from './csv-tokenizer.js'

function tokenize(text: string, chunkSizes: number[], delimiter = ','): CsvRecord[] {
  const tokenizer = new CsvTokenizer(delimiter, 1_000_000)
  const out: CsvRecord[] = []
  let at = 0
  let k = 0
  while (at < text.length) {
    const size = chunkSizes[k++ % chunkSizes.length] ?? 1
    out.push(...tokenizer.push(text.slice(at, at + size)))
    at += size
  }
  out.push(...tokenizer.end())
  return out
}

// A small deterministic PRNG so a failure can be replayed from its seed.
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

const PIECES = [
  'a',
  'b c',
  ' ',
  ',',
  ';',
  '\t',
  '"',
  '\n',
  '\r\n',
  '\r',
  'é',
  '東京',
  '😀',
  'x"y',
  '',
]

function randomCsv(seed: number, delimiter: string, eol: string) {
  const r = rng(seed)
  const columns = 1 + Math.floor(r() * 4)
  const rows: string[][] = []
  for (let i = 0; i < 1 + Math.floor(r() * 8); i++) {
    const row: string[] = []
    for (let c = 0; c < columns; c++) {
      let value = ''
      for (let k = Math.floor(r() * 4); k > 0; k--) value += PIECES[Math.floor(r() * PIECES.length)]
      row.push(value)
    }
    // A lone empty value would be a blank line, which both parsers skip.
    if (row.length === 1 && row[0] === '') row[0] = 'v'
    rows.push(row)
  }
  const quote = (v: string) => {
    const needs = v.includes(delimiter) || /["\r\n]/.test(v) || v.startsWith(' ')
    return needs || r() < 0.2 ? `"${v.replaceAll('"', '""')}"` : v
  }
  return {
    rows,
    text: rows.map((row) => row.map(quote).join(delimiter)).join(eol) + (r() < 0.5 ? eol : ''),
  }
}

describe('CSV tokenizer', () => {
  it.each(
    Array.from({ length: 300 }, (_, seed) => [
      seed,
      [',', ';', '\t'][seed % 3] as string,
      ['\n', '\r\n', '\r'][seed % 3 === 0 ? 1 : seed % 2] as string,
    ]),
  )('agrees with csv-parse and with the values written (seed %i)', (seed, delimiter, eol) => {
    const { rows, text } = randomCsv(seed, delimiter, eol)
    const oracle = parse(text, {
      delimiter,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: [eol],
    }) as string[][]
    for (const sizes of [[text.length + 1], [1], [2, 3, 5, 7], [64]]) {
      const ours = tokenize(text, sizes, delimiter).map((record) => record.values)
      expect(ours).toEqual(oracle)
      expect(ours).toEqual(rows)
    }
  })

  it('numbers records by the line they start on, across quoted line breaks and blank lines', () => {
    const text = 'h1,h2\r\n"a\r\nb",1\r\n\r\n\r\nc,"d\ne\nf"\r\ng,2'
    expect(tokenize(text, [3]).map((r) => [r.line, r.values])).toEqual([
      [1, ['h1', 'h2']],
      [2, ['a\r\nb', '1']],
      [6, ['c', 'd\ne\nf']],
      [9, ['g', '2']],
    ])
  })

  it('keeps a quote inside an unquoted value as a literal', () => {
    expect(tokenize('a,b\n5" screen,x"y"z\n', [4]).map((r) => r.values)).toEqual([
      ['a', 'b'],
      ['5" screen', 'x"y"z'],
    ])
  })

  it('keeps empty values, trailing delimiters and a quoted empty single value', () => {
    expect(tokenize('a,b,c\n,,\n"",x,\n', [2]).map((r) => r.values)).toEqual([
      ['a', 'b', 'c'],
      ['', '', ''],
      ['', 'x', ''],
    ])
    expect(tokenize('a\n""\n', [1]).map((r) => r.values)).toEqual([['a'], ['']])
  })

  it.each([
    [
      'text after a closing quote',
      'a,b\n"x"y,1\n',
      /line 2, column 1: text after the closing quote/,
    ],
    [
      'an unterminated quote',
      'a,b\n1,2\n3,"open\n4,5\n',
      /line 3, column 2: a quoted value starting on this line is never closed/,
    ],
  ])('refuses %s with its position', (_name, text, message) => {
    expect(() => tokenize(text, [3])).toThrow(message)
  })

  it('refuses a value that grows past the limit while streaming, e.g. a quote never closed', () => {
    const tokenizer = new CsvTokenizer(',', 10)
    tokenizer.push('a,b\n1,"')
    expect(() => tokenizer.push('0123456789ABC')).toThrow(
      /line 2, column 2: the value is over the limit of 10 characters \(is a quote never closed\?\)/,
    )
  })
})
