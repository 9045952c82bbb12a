import { z } from 'zod'

/** Longest excerpt of user text quoted in an explanation. */
const QUOTE_MAX = 60

/** Quotes user text for an explanation: single quotes, escaped line breaks, truncated. */
export function quote(text: string, max = QUOTE_MAX): string {
  const chars = Array.from(text)
  const cut = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text
  return `'${cut.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`
}

/** Quotes up to `max` items, then says how many more there were. */
export function quoteList(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).map((item) => quote(item, 40))
  const more = items.length - shown.length
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ')
}

/** Formats a number for an explanation: integers whole, else 4 decimals or 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value)
  if (Math.abs(value) >= 1) return String(Number(value.toFixed(4)))
  return String(Number(value.toPrecision(4)))
}

/** Counts Unicode code points (an emoji is 1, or more when it is a ZWJ sequence). */
export function codePointLength(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/**
 * Case folding close to Unicode full case folding: upper then lower, so that 'ß' equals 'SS'
 * and the Greek final sigma equals 'Σ'. Locale-independent, hence deterministic.
 */
export function foldCase(text: string): string {
  return text.toUpperCase().toLowerCase()
}

/** Options shared by the metrics that compare two strings character by character. */
export const NormalizeOptionsSchema = z.strictObject({
  /** Remove leading and trailing whitespace (including CR/LF). */
  trim: z.boolean().default(true),
  /** Compare case-insensitively (full case folding: 'Straße' equals 'STRASSE'). */
  ignoreCase: z.boolean().default(false),
  /** Turn every run of whitespace (spaces, tabs, CR/LF) into one space. */
  collapseWhitespace: z.boolean().default(false),
  /** Remove Unicode punctuation (category P: . , ; ! ? ' " « » - … and friends). */
  stripPunctuation: z.boolean().default(false),
  /** Unicode NFC normalisation, so that a precomposed 'é' equals 'e' + combining accent. */
  unicodeNormalize: z.boolean().default(true),
})
export type NormalizeOptions = z.output<typeof NormalizeOptionsSchema>

export const DEFAULT_NORMALIZE_OPTIONS: NormalizeOptions = NormalizeOptionsSchema.parse({})

/** Applies the options in a fixed order: NFC, case, punctuation, whitespace, trim. */
export function normalizeText(text: string, options: NormalizeOptions): string {
  let out = options.unicodeNormalize ? text.normalize('NFC') : text
  if (options.ignoreCase) out = foldCase(out)
  if (options.stripPunctuation) out = out.replace(/\p{P}/gu, '')
  if (options.collapseWhitespace) out = out.replace(/\s+/gu, ' ')
  if (options.trim) out = out.trim()
  return out
}

/** Names the normalisations that are switched on, e.g. "trim+lowercase". */
export function describeNormalization(options: NormalizeOptions): string {
  const steps: string[] = []
  if (options.trim) steps.push('trim')
  if (options.ignoreCase) steps.push('lowercase')
  if (options.collapseWhitespace) steps.push('collapsed whitespace')
  if (options.stripPunctuation) steps.push('no punctuation')
  if (options.unicodeNormalize) steps.push('NFC')
  return steps.length > 0 ? steps.join('+') : 'no normalisation'
}

/** Splits on Unicode whitespace, dropping empty pieces. */
export function whitespaceTokens(text: string): string[] {
  return text.split(/\s+/u).filter((token) => token.length > 0)
}
