// Writes a realistic CSV of N rows × 5 columns (~400 bytes a row): commas, doubled quotes,
// quoted newlines, CRLF records and non-ASCII text, deterministic for a given N.
import { createWriteStream } from 'node:fs'

const WORDS = (
  'the model answer question context because however evaluation judge score relevant ' +
  'grounded retrieval latency token prompt summary article fact claim Paris Zürich naïve ' +
  'café 東京 データ 😀 résumé ümlaut São Paulo Kraków Ελλάδα Москва'
).split(' ')

function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function sentence(r, words) {
  const out = []
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)])
  return out.join(' ')
}

function field(value) {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

export async function generateCsv(path, rows) {
  const r = rng(rows)
  const out = createWriteStream(path)
  let buffer = 'id,question,answer,reference,label\r\n'
  for (let i = 0; i < rows; i++) {
    const question = `${sentence(r, 8)}, ${sentence(r, 4)}?`
    let answer = sentence(r, 22)
    if (r() < 0.3) answer = `He said "${sentence(r, 3)}", then ${sentence(r, 5)}`
    if (r() < 0.2) answer += `\n${sentence(r, 6)}`
    const reference = `${sentence(r, 14)}; ${sentence(r, 4)}`
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
