// Compares the CSV readers on one generated file in one process: csv-parse (the streaming
// RFC 4180 parser the issue named) against Assay's tokenizer, both fed the same decoded text.
// Usage: node --import tsx bench/import/parsers.ts [file]   (default bench/data/import-100000.csv)
import { createReadStream, existsSync } from 'node:fs'
import { parse } from 'csv-parse'
import { readCsv } from '../../apps/server/src/dataset/csv-reader.js'
import { DEFAULT_IMPORT_LIMITS } from '../../apps/server/src/dataset/limits.js'
import { decodeUtf8 } from '../../apps/server/src/dataset/utf8-decoder.js'
import { generateCsv } from './generate.mjs'

const file = process.argv[2] ?? 'bench/data/import-100000.csv'
if (!existsSync(file)) await generateCsv(file, 100_000)
const open = () => decodeUtf8(createReadStream(file, { highWaterMark: 256 * 1024 }))

async function csvParse(): Promise<number> {
  let rows = 0
  const parser = parse({ relax_quotes: true, skip_empty_lines: true })
  const feed = (async () => {
    for await (const text of open())
      if (!parser.write(text)) await new Promise((r) => parser.once('drain', r))
    parser.end()
  })()
  for await (const _ of parser) rows++
  await feed
  return rows - 1
}

async function tokenizer(): Promise<number> {
  let rows = 0
  for await (const chunk of readCsv(open(), { limits: DEFAULT_IMPORT_LIMITS }))
    if (chunk.type === 'rows') rows += chunk.rows.length
  return rows
}

async function decodeOnly(): Promise<number> {
  let chars = 0
  for await (const text of open()) chars += text.length
  return chars
}

const results = []
for (const [name, run] of [
  ['decode only', decodeOnly],
  ['csv-parse', csvParse],
  ['assay tokenizer', tokenizer],
] as const) {
  const times = []
  let out = 0
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    out = await run()
    times.push(performance.now() - t0)
  }
  const best = Math.min(...times)
  results.push({ reader: name, result: out, bestMs: Math.round(best) })
}
console.table(results)
console.log(JSON.stringify(results))
