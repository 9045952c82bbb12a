import { quote } from './text.js'

/** Decimal notation with optional sign, fraction and exponent; no hex, commas or Infinity. */
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

export type ParsedNumber = { ok: true; value: number } | { ok: false; message: string }

/**
 * Parses a cell as a number after trimming: "42", "-3.5", "+.5", "1e-3", "2.5E+4". Anything
 * else ("", "abc", "0x10", "1,000", "NaN", "Infinity") or a value beyond double range is
 * refused with a message naming the text.
 */
export function parseNumber(text: string): ParsedNumber {
  const trimmed = text.trim()
  if (!NUMBER_PATTERN.test(trimmed)) return { ok: false, message: `not a number: ${quote(text)}` }
  const value = Number(trimmed)
  if (!Number.isFinite(value)) return { ok: false, message: `not a finite number: ${quote(text)}` }
  return { ok: true, value }
}
