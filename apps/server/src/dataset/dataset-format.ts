export const DATASET_FORMATS = ['csv', 'jsonl'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]

/** `.jsonl`/`.ndjson` files are JSON Lines; everything else is read as CSV. */
export function formatFromFileName(name: string): DatasetFormat {
  return /\.(jsonl|ndjson)$/i.test(name) ? 'jsonl' : 'csv'
}

/** One step of a parsed dataset: the header first, then batches of rows in file order. */
export type DatasetChunk =
  | { type: 'header'; columns: string[]; delimiter?: string }
  | { type: 'rows'; rows: string[][] /** line of the first row of the batch */; firstLine: number }
