/**
 * How one "retrieved contexts" cell becomes a list of chunks. The rule, in order:
 *
 * 1. Empty or whitespace only: no chunks.
 * 2. A JSON array (the text starts with `[` and parses): one chunk per element. A string element
 *    is the chunk; an object element gives its `chunkText`, `text`, `content`, `page_content`,
 *    `pageContent` or `document` field (RAG endpoints return such objects), else its JSON; a
 *    number or boolean its JSON. `[]` is no chunks.
 * 3. Otherwise, when some line is only `---` (three or more dashes, surrounding spaces allowed),
 *    the text is split at those lines.
 * 4. Otherwise the text is split at blank lines (lines holding only whitespace).
 *
 * Chunks are trimmed and empty ones dropped; order is kept (it matters for context precision).
 * A chunk made of several paragraphs must therefore come as a JSON array or `---`-separated.
 */
export function splitContexts(text: string): string[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim()
  if (trimmed === '') return []
  if (trimmed.startsWith('[')) {
    const array = parseArray(trimmed)
    if (array) return clean(array.map(chunkText))
  }
  if (SEPARATOR_LINE.test(trimmed)) return clean(trimmed.split(SEPARATOR_LINE))
  return clean(trimmed.split(/\r?\n[ \t]*\r?\n(?:[ \t]*\r?\n)*/))
}

/** A line holding only three or more dashes. */
const SEPARATOR_LINE = /^[ \t]*-{3,}[ \t]*$/m

const TEXT_FIELDS = ['chunkText', 'text', 'content', 'page_content', 'pageContent', 'document']

function parseArray(text: string): unknown[] | null {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value : null
  } catch {
    return null
  }
}

function chunkText(item: unknown): string {
  if (typeof item === 'string') return item
  if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
    const record = item as Record<string, unknown>
    for (const field of TEXT_FIELDS) {
      const value = record[field]
      if (typeof value === 'string') return value
    }
  }
  return item === null || item === undefined ? '' : (JSON.stringify(item) ?? '')
}

function clean(chunks: readonly string[]): string[] {
  return chunks.map((chunk) => chunk.trim()).filter((chunk) => chunk !== '')
}

/** Chunks as a prompt shows them: numbered `[1]`, `[2]`, … and separated by blank lines. */
export function formatContexts(chunks: readonly string[]): string {
  return chunks.map((chunk, index) => `[${index + 1}] ${chunk}`).join('\n\n')
}
