const PLAIN_NUMBER = /^[+-]?(\d+([.,]\d+)?|[.,]\d+)([eE][+-]?\d+)?$/

/**
 * Neutralises spreadsheet formula injection (OWASP "CSV injection"): a value starting with
 * `=`, `+`, `-`, `@`, tab or carriage return gets a leading apostrophe so a spreadsheet shows it
 * as text instead of evaluating it. Plain numbers such as `-5` or `+1.5e3` are left alone.
 */
export function spreadsheetSafe(value: string): string {
  if (value === '') return value
  const first = value.charCodeAt(0)
  // = + - @ \t \r
  if (first !== 61 && first !== 43 && first !== 45 && first !== 64 && first !== 9 && first !== 13)
    return value
  if (PLAIN_NUMBER.test(value)) return value
  return `'${value}`
}
