/** Writes a realistic CSV of `rows` rows × 5 columns to `path` (see generate.mjs). */
export function generateCsv(path: string, rows: number): Promise<void>
