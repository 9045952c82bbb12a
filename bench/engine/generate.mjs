// Writes the engine benchmark's dataset: N rows of `id,output,expected`, deterministic for a
// given N. Every `output` is distinct (it starts with its row number), so neither the answer cache
// nor the coalescing of identical in-flight requests ever saves a request; `expected` equals
// `output` on about half the rows, so exact-match passes and fails.
import { createWriteStream } from 'node:fs'
import { rng, sentence } from '../lib/text.mjs'

const WORDS = (
  'the model answer question context because however evaluation judge score relevant ' +
  'grounded retrieval latency token prompt summary article fact claim Paris Zürich naïve ' +
  'café résumé São Paulo Kraków first then finally therefore clearly'
).split(' ')

export async function generateEngineCsv(path, rows) {
  const r = rng(rows * 7919 + 1)
  const out = createWriteStream(path)
  let buffer = 'id,output,expected\n'
  for (let i = 0; i < rows; i++) {
    const output = `Answer ${i}: ${sentence(r, WORDS, 12)}. ${sentence(r, WORDS, 10)}.`
    const expected = r() < 0.5 ? output : `Answer ${i}: ${sentence(r, WORDS, 8)}.`
    buffer += `row-${i},${output},${expected}\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise((done) => out.once('drain', done))
      buffer = ''
    }
  }
  out.write(buffer)
  await new Promise((done, fail) => out.end((error) => (error ? fail(error) : done())))
}
