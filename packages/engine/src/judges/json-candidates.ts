/**
 * Finding JSON in a model's answer. Judges are asked for one bare JSON object, but real answers
 * wrap it in a ```json code fence, put prose before or after it, use single quotes or trailing
 * commas, or get cut off at the output token limit. `scanJson` finds every JSON object or array
 * in the text; callers pick the one that carries their fields.
 */

export type JsonScan = {
  /** The JSON objects and arrays found, in order of appearance (outermost only). */
  values: unknown[]
  /** Some `{` that starts a JSON-looking object never closes: the answer looks cut off. */
  truncated: boolean
}

/**
 * Characters the bracket matching may read in all, as a multiple of the text's length: failed
 * starts are searched again, and this bounds the work on pathological text (`{{{{…`).
 */
const SCAN_BUDGET_FACTOR = 50

/**
 * Scans `text` for JSON values. The whole text is tried first; otherwise every balanced `{…}` or
 * `[…]` (strings respected) is parsed, strictly and then through `repairJson`. A segment that
 * does not parse is searched again from its second character, so a stray bracket in prose does
 * not hide the object after it.
 */
export function scanJson(text: string): JsonScan {
  const trimmed = text.replace(/^\uFEFF/, '').trim()
  if (trimmed === '') return { values: [], truncated: false }
  const whole = parseLenientJson(trimmed)
  if (whole.ok && isContainer(whole.value)) return { values: [whole.value], truncated: false }

  const values: unknown[] = []
  let truncated = false
  const budget = { left: SCAN_BUDGET_FACTOR * trimmed.length + 10_000 }
  let i = 0
  while (i < trimmed.length) {
    const ch = trimmed[i]
    if (ch !== '{' && ch !== '[') {
      i++
      continue
    }
    const end = matchClose(trimmed, i, budget)
    if (end === OUT_OF_BUDGET) break
    if (end >= 0) {
      const parsed = parseLenientJson(trimmed.slice(i, end + 1))
      if (parsed.ok) {
        values.push(parsed.value)
        i = end + 1
        continue
      }
    } else if (end === UNCLOSED && looksLikeObjectStart(trimmed, i)) {
      truncated = true
    }
    i++
  }
  return { values, truncated }
}

const UNCLOSED = -1
const MISMATCHED = -2
const OUT_OF_BUDGET = -3

/** Index of the bracket closing the one at `start`, or UNCLOSED / MISMATCHED / OUT_OF_BUDGET. */
function matchClose(text: string, start: number, budget: { left: number }): number {
  const expected: string[] = []
  let i = start
  while (i < text.length) {
    if (--budget.left < 0) return OUT_OF_BUDGET
    const ch = text[i]
    if (ch === '"') {
      i = skipDoubleQuoted(text, i)
      continue
    }
    if (ch === '{') expected.push('}')
    else if (ch === '[') expected.push(']')
    else if (ch === '}' || ch === ']') {
      if (expected.pop() !== ch) return MISMATCHED
      if (expected.length === 0) return i
    }
    i++
  }
  return UNCLOSED
}

/** The index just after the double-quoted string starting at `start` (or the text's end). */
function skipDoubleQuoted(text: string, start: number): number {
  let i = start + 1
  while (i < text.length) {
    const ch = text[i]
    if (ch === '\\') i += 2
    else if (ch === '"') return i + 1
    else i++
  }
  return text.length
}

/** `{` followed by a quoted or bare key: an object rather than a brace in prose. */
function looksLikeObjectStart(text: string, start: number): boolean {
  return text[start] === '{' && /^\{\s*["'A-Za-z_]/.test(text.slice(start, start + 40))
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null
}

export type LenientParse = { ok: true; value: unknown } | { ok: false }

/** `JSON.parse`, then `JSON.parse(repairJson(text))`; never throws. */
export function parseLenientJson(text: string): LenientParse {
  const strict = tryParse(text)
  if (strict.ok) return strict
  const repaired = repairJson(text)
  return repaired === text ? strict : tryParse(repaired)
}

function tryParse(text: string): LenientParse {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const LITERALS: Readonly<Record<string, string>> = {
  true: 'true',
  false: 'false',
  null: 'null',
  True: 'true',
  False: 'false',
  None: 'null',
  // Not JSON numbers: read as null so that the caller reports "not a number".
  NaN: 'null',
  Infinity: 'null',
}

/**
 * Cheap repairs of almost-JSON, in one pass that respects strings: single-quoted strings become
 * double-quoted, raw newlines and tabs inside strings are escaped, trailing commas before `}` or
 * `]` are dropped, Python's `True`/`False`/`None` become JSON literals (`NaN`/`Infinity` become `null`) and bare identifier keys
 * (`{score: 4}`) are quoted. Anything else is left for `JSON.parse` to refuse.
 */
export function repairJson(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '"' || ch === "'") {
      const read = readString(text, i, ch)
      out += read.literal
      i = read.next
      continue
    }
    if (ch === ',') {
      let j = i + 1
      while (j < text.length && /\s/.test(text[j] as string)) j++
      if (text[j] !== '}' && text[j] !== ']') out += ch
      i++
      continue
    }
    if (/[A-Za-z_$]/.test(ch)) {
      let j = i
      while (j < text.length && /[\w$]/.test(text[j] as string)) j++
      const word = text.slice(i, j)
      let k = j
      while (k < text.length && /\s/.test(text[k] as string)) k++
      if (text[k] === ':') out += JSON.stringify(word)
      else out += LITERALS[word] ?? word
      i = j
      continue
    }
    out += ch
    i++
  }
  return out
}

const CONTROL_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** Reads a string quoted with `quote` at `start` and returns it as a JSON string literal. */
function readString(text: string, start: number, quote: string): { literal: string; next: number } {
  let body = ''
  let i = start + 1
  while (i < text.length) {
    const ch = text[i] as string
    if (ch === '\\') {
      const escaped = text[i + 1]
      if (escaped === undefined) break
      if (escaped === "'") body += "'"
      else if ('"\\/bfnrtu'.includes(escaped)) body += `\\${escaped}`
      else body += `\\\\${escaped}`
      i += 2
      continue
    }
    if (ch === quote) return { literal: `"${body}"`, next: i + 1 }
    if (ch === '"') body += '\\"'
    else if (CONTROL_ESCAPES[ch] !== undefined) body += CONTROL_ESCAPES[ch]
    else if (ch < ' ') body += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`
    else body += ch
    i++
  }
  // Unterminated: hand back the rest unchanged so that parsing fails.
  return { literal: text.slice(start), next: text.length }
}

/** A JSON object (not an array or null), as a plain record. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The value of the first key of `aliases` present in `record`, compared case-insensitively. */
export function pick(
  record: Record<string, unknown>,
  aliases: readonly string[],
): { key: string; value: unknown } | undefined {
  const lowered = new Map<string, string>()
  for (const key of Object.keys(record)) {
    const lower = key.trim().toLowerCase()
    if (!lowered.has(lower)) lowered.set(lower, key)
  }
  for (const alias of aliases) {
    const key = lowered.get(alias)
    if (key !== undefined) return { key, value: record[key] }
  }
  return undefined
}
