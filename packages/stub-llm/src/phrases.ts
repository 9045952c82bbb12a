// Word lists the stub builds its deterministic sentences from. Bits of a hash pick the words.

const ADJECTIVES = [
  'clear',
  'concise',
  'accurate',
  'relevant',
  'thorough',
  'brief',
  'direct',
  'careful',
]
const NOUNS = ['answer', 'response', 'summary', 'reply', 'draft', 'result', 'output', 'note']
const VERBS = [
  'addresses',
  'covers',
  'answers',
  'follows',
  'matches',
  'restates',
  'supports',
  'cites',
]
const OBJECTS = [
  'the question',
  'the context',
  'the main point',
  'the instructions',
  'the key facts',
  'the reference',
  'the request',
  'the topic',
]
const QUALITIES = ['poor', 'weak', 'adequate', 'good', 'excellent']

function at(list: readonly string[], index: number): string {
  return list[index % list.length] ?? ''
}

/** A short plain-generation sentence, e.g. "The concise answer covers the key facts." */
export function plainSentence(hash: number): string {
  return `The ${at(ADJECTIVES, hash & 7)} ${at(NOUNS, (hash >>> 3) & 7)} ${at(VERBS, (hash >>> 6) & 7)} ${at(OBJECTS, (hash >>> 9) & 7)}.`
}

/** A judge explanation whose wording follows the score, `fraction` in [0, 1]. */
export function explanationSentence(fraction: number, hash: number): string {
  const quality = at(QUALITIES, Math.round(Math.min(1, Math.max(0, fraction)) * 4))
  return `The response is ${quality}: it ${at(VERBS, (hash >>> 12) & 7)} ${at(OBJECTS, (hash >>> 15) & 7)}.`
}

/** A short item of a string list, e.g. "Statement 2: the answer cites the reference." */
export function listItem(label: string, index: number, hash: number): string {
  const h = (hash ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0
  return `${label} ${index + 1}: the ${at(NOUNS, h & 7)} ${at(VERBS, (h >>> 3) & 7)} ${at(OBJECTS, (h >>> 6) & 7)}.`
}

/** "statements" -> "Statement", "claims" -> "Claim", "" -> "Item". */
export function itemLabel(name: string): string {
  const word =
    name
      .replace(/[^A-Za-z]+/g, ' ')
      .trim()
      .split(' ')
      .pop() ?? ''
  if (word === '') return 'Item'
  const singular = word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word
  return singular.charAt(0).toUpperCase() + singular.slice(1)
}
