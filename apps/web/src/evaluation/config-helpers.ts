import type { Column, Scale } from '../api/types'

/* Pure helpers of the column dialogs (unit-tested in config-helpers.test.ts). */

const SYNONYMS: Record<string, string[]> = {
  input: ['input', 'question', 'query', 'prompt', 'user_input'],
  query: ['query', 'question', 'input', 'user_input'],
  user_input: ['user_input', 'question', 'query', 'input'],
  output: ['output', 'answer', 'response', 'candidate_answer', 'completion'],
  response: ['response', 'output', 'answer', 'candidate_answer'],
  ground_truth: ['ground_truth', 'expected', 'best_answer', 'reference', 'label'],
  expected: ['expected', 'ground_truth', 'best_answer', 'reference', 'label'],
  reference_output: ['reference_output', 'reference', 'best_answer', 'expected'],
  retrieved_contexts: ['retrieved_contexts', 'contexts', 'context'],
}

/** A first guess for each {{variable}}: a column of the same name, or a usual synonym. */
export function guessMapping(variables: string[], columns: Column[]): Record<string, string> {
  const mapping: Record<string, string> = {}
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c.id]))
  for (const v of variables) {
    for (const candidate of SYNONYMS[v] ?? [v]) {
      const id = byName.get(candidate)
      if (id) {
        mapping[v] = id
        break
      }
    }
  }
  return mapping
}

/** Can a threshold ever pass and fail on this scale? Returns the problem or null. */
export function thresholdProblem(scale: Scale, op: '>' | '<', value: number): string | null {
  if (scale.kind !== 'score') return null
  if (!Number.isFinite(value)) return 'Enter a number.'
  if (value < scale.min || value > scale.max)
    return `The value must be inside the scale ${scale.min}–${scale.max}.`
  if (op === '>' && value >= scale.max) return `No score can be greater than ${scale.max}.`
  if (op === '<' && value <= scale.min) return `No score can be less than ${scale.min}.`
  return null
}

/** Reads a pasted `curl` command: method, URL, headers and body. */
export function parseCurl(text: string): {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
  url: string
  headers: { name: string; value: string }[]
  body: string
} | null {
  const tokens: string[] = []
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g
  const source = text.replace(/\\\n/g, ' ')
  for (let m = re.exec(source); m; m = re.exec(source)) tokens.push(m[1] ?? m[2] ?? m[3] ?? '')
  if (tokens[0] !== 'curl') return null
  let method = ''
  let url = ''
  let body = ''
  const headers: { name: string; value: string }[] = []
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as string
    if (t === '-X' || t === '--request') method = (tokens[++i] ?? '').toUpperCase()
    else if (t === '-H' || t === '--header') {
      const h = tokens[++i] ?? ''
      const at = h.indexOf(':')
      if (at > 0) headers.push({ name: h.slice(0, at).trim(), value: h.slice(at + 1).trim() })
    } else if (t === '-d' || t === '--data' || t === '--data-raw' || t === '--data-binary')
      body = tokens[++i] ?? ''
    else if (!t.startsWith('-') && !url) url = t
  }
  if (!url) return null
  const m = (method || (body ? 'POST' : 'GET')) as 'GET'
  return { method: m, url, headers, body }
}
