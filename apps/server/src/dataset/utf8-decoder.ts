import { AssayError } from '@assay/core'

/**
 * Decodes a byte stream as strict UTF-8, refusing invalid bytes with the line and byte column
 * where they sit (Node's own decoding would silently turn them into U+FFFD). A leading BOM is
 * dropped. Newlines are counted per chunk so a refusal far into a large file still names its line.
 */
export async function* decodeUtf8(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  let lines = 1
  let lastLineStart = 0
  let offset = 0
  let pending: Uint8Array = new Uint8Array(0)
  for await (const chunk of source) {
    let text: string
    try {
      text = decoder.decode(chunk, { stream: true })
    } catch {
      throw invalidAt(concat(pending, chunk), offset - pending.length, lines, lastLineStart)
    }
    // Bytes of a character split across chunks are held by the decoder; keep them for locating.
    pending = trailingIncomplete(chunk)
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
      lines++
      lastLineStart = offset + i + 1
    }
    offset += chunk.length
    if (text) yield text
  }
  try {
    const rest = decoder.decode()
    if (rest) yield rest
  } catch {
    throw new AssayError(
      'invalid_input',
      `the file is not valid UTF-8: it ends inside a character (line ${lines})`,
      {
        position: { line: lines },
      },
    )
  }
}

function invalidAt(
  bytes: Uint8Array,
  baseOffset: number,
  line: number,
  lineStart: number,
): AssayError {
  const bad = firstInvalidUtf8(bytes)
  for (let i = 0; i < bad; i++) {
    if (bytes[i] === 10) {
      line++
      lineStart = baseOffset + i + 1
    }
  }
  const column = baseOffset + bad - lineStart + 1
  const value = bytes[bad]?.toString(16).padStart(2, '0') ?? '??'
  return new AssayError(
    'invalid_input',
    `the file is not valid UTF-8: byte 0x${value} at line ${line}, byte ${column} (save it as UTF-8 and try again)`,
    { position: { line, column } },
  )
}

/** Index of the first byte that breaks UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] as number
    if (b < 0x80) {
      i++
      continue
    }
    let need: number
    let min: number
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80]
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800]
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000]
    else return i
    let cp = b & (0x3f >> need)
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return i
      cp = (cp << 6) | (c & 0x3f)
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i
    i += need + 1
  }
  return bytes.length
}

function trailingIncomplete(chunk: Uint8Array): Uint8Array {
  // At most 3 bytes of an unfinished character can be waiting at the end of a chunk.
  let start = chunk.length
  for (let k = 1; k <= 3 && chunk.length - k >= 0; k++) {
    const b = chunk[chunk.length - k] as number
    if ((b & 0xc0) === 0x80) continue
    if (b >= 0xc0) start = chunk.length - k
    break
  }
  return chunk.subarray(start)
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
