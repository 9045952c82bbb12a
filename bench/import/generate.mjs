// Writes a realistic CSV of N rows × 5 columns (~400 bytes a row): commas, doubled quotes,
// quoted newlines, CRLF records and non-ASCII text, deterministic for a given N.
import { createWriteStream } from 'node:fs'
import { rng, sentence } from '../lib/text.mjs'

const WORDS = (
  'the model answer question context because however evaluation judge score relevant ' +
  'grounded retrieval latency token prompt summary article fact claim Paris Zürich naïve ' +
  'café 東京 データ 😀 résumé ümlaut São Paulo Kraków Ελλάδα Москва'
).split(' ')

function field(value) {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

export async function generateCsv(path, rows) {
  const r = rng(rows)
  const out = createWriteStream(path)
  let buffer = 'id,question,answer,reference,label\r\n'
  for (let i = 0; i < rows; i++) {
    const question = `${sentence(r, WORDS, 8)}, ${sentence(r, WORDS, 4)}?`
    let answer = sentence(r, WORDS, 22)
    if (r() < 0.3) answer = `He said "${sentence(r, WORDS, 3)}", then ${sentence(r, WORDS, 5)}`
    if (r() < 0.2) answer += `\n${sentence(r, WORDS, 6)}`
    const reference = `${sentence(r, WORDS, 14)}; ${sentence(r, WORDS, 4)}`
    buffer += `row-${i},${field(question)},${field(answer)},${field(reference)},${r() < 0.5 ? 1 : 0}\r\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((done) => out.once('drain', done))
      buffer = ''
    }
  }
  out.write(buffer)
  await new Promise((done, fail) => out.end((error) => (error ? fail(error) : done())))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, rows] = process.argv.slice(2)
  await generateCsv(path, Number(rows))
}
