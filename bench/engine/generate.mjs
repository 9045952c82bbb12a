// Writes the engine benchmark's dataset: N rows of `id,output,expected`, deterministic for a
// given N. Every `output` is distinct (it starts with its row number), so neither the answer cache
// nor the coalescing of identical in-flight requests ever saves a request; `expected` equals
// `output` on about half the rows, so exact-match passes and fails.
import { createWriteStream } from 'node:fs'

const WORDS = (
  'the model answer question context because however evaluation judge score relevant ' +
  'grounded retrieval latency token prompt summary article fact claim Paris Zürich naïve ' +
  'café résumé São Paulo Kraków first then finally therefore clearly'
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

export async function generateEngineCsv(path, rows) {
  const r = rng(rows * 7919 + 1)
  const out = createWriteStream(path)
  let buffer = 'id,output,expected\n'
  for (let i = 0; i < rows; i++) {
    const output = `Answer ${i}: ${sentence(r, 12)}. ${sentence(r, 10)}.`
    const expected = r() < 0.5 ? output : `Answer ${i}: ${sentence(r, 8)}.`
    buffer += `row-${i},${output},${expected}\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((done) => out.once('drain', done))
      buffer = ''
    }
  }
  out.write(buffer)
  await new Promise((done, fail) => out.end((error) => (error ? fail(error) : done())))
}
