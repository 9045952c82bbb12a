/*
 * Rows are keyed by the integer `rows.id`; the domain sees it as a decimal string. PostgreSQL
 * declares it `integer`, so anything outside 1..2^31-1 cannot be a row id on either dialect.
 */

const MAX_ROW_ID = 2_147_483_647

/** The integer key of a domain row id, or undefined when the string cannot name a row. */
export function rowKeyOf(rowId: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(rowId)) return undefined
  const key = Number(rowId)
  return key <= MAX_ROW_ID ? key : undefined
}

/** The domain id of a row key. */
export function rowIdOf(key: number): string {
  return String(key)
}
