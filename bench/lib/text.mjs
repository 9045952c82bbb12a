// Deterministic text for generated benchmark datasets, shared by the import and engine benches.

/** mulberry32: a small seeded PRNG, so a dataset is the same for the same seed. */
export function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `words` words drawn from `vocabulary` with `r`. */
export function sentence(r, vocabulary, words) {
  const out = []
  for (let i = 0; i < words; i++) out.push(vocabulary[Math.floor(r() * vocabulary.length)])
  return out.join(' ')
}
