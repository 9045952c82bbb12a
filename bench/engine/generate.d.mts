/** Writes the engine benchmarks' CSV of `rows` rows (`id,output,expected`), deterministic for a given count. */
export function generateEngineCsv(path: string, rows: number): Promise<void>
