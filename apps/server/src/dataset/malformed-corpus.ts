import type { DatasetFormat } from './dataset-format.js'
import type { ImportLimits } from './limits.js'

/**
 * Test fixture: files that must be refused, with where and why. Shared by the reader tests and
 * by the import tests that check a refusal leaves the database unchanged.
 */
export type MalformedCase = {
  name: string
  format: DatasetFormat
  bytes: Uint8Array
  line?: number
  column?: number
  message: RegExp
  code?: 'invalid_input' | 'limit_exceeded'
  limits?: Partial<ImportLimits>
}

const utf8 = (text: string) => new TextEncoder().encode(text)
const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...utf8(p)] : p)))

export const MALFORMED_CASES: MalformedCase[] = [
  { name: 'empty file', format: 'csv', bytes: bytes(''), message: /empty/ },
  { name: 'only a BOM', format: 'csv', bytes: bytes([0xef, 0xbb, 0xbf]), message: /empty/ },
  { name: 'only blank lines', format: 'csv', bytes: bytes('\r\n\r\n  \n'), message: /empty/ },
  {
    name: 'header without rows',
    format: 'csv',
    bytes: bytes('a,b\r\n'),
    line: 2,
    message: /no rows/,
  },
  {
    name: 'empty header name',
    format: 'csv',
    bytes: bytes('a,,c\n1,2,3\n'),
    line: 1,
    column: 2,
    message: /empty/,
  },
  {
    name: 'blank header name',
    format: 'csv',
    bytes: bytes(' ,b\n1,2\n'),
    line: 1,
    column: 1,
    message: /empty/,
  },
  {
    name: 'duplicate header name',
    format: 'csv',
    bytes: bytes('a,b,a\n1,2,3\n'),
    line: 1,
    column: 3,
    message: /duplicate header name "a"/,
  },
  {
    name: 'duplicate after trimming',
    format: 'csv',
    bytes: bytes('a, a\n1,2\n'),
    line: 1,
    column: 2,
    message: /duplicate/,
  },
  {
    name: 'brace in header',
    format: 'csv',
    bytes: bytes('a,{b}\n1,2\n'),
    line: 1,
    column: 2,
    message: /\{ or \}/,
  },
  {
    name: 'short row',
    format: 'csv',
    bytes: bytes('a,b,c\r\n1,2,3\r\n4,5\r\n'),
    line: 3,
    message: /expected 3 values.*found 2/,
  },
  {
    name: 'long row',
    format: 'csv',
    bytes: bytes('a,b\n1,2\n3,4\n5,6,7\n'),
    line: 4,
    message: /expected 2 values.*found 3/,
  },
  {
    name: 'ragged row after a multi-line value',
    format: 'csv',
    bytes: bytes('a,b\n"x\ny",1\n2\n'),
    line: 4,
    message: /expected 2 values/,
  },
  {
    name: 'unterminated quote',
    format: 'csv',
    bytes: bytes('a,b\n1,2\n3,"never closed\n5,6\n7,8\n'),
    line: 3,
    message: /never closed/,
  },
  {
    name: 'stray quote in quoted value',
    format: 'csv',
    bytes: bytes('a,b\n1,2\n1,"x"y\n'),
    line: 3,
    column: 2,
    message: /doubled/,
  },
  {
    name: 'invalid UTF-8 byte',
    format: 'csv',
    bytes: bytes('a,b\n1,2\n3,', [0xff], '\n'),
    line: 3,
    column: 3,
    message: /not valid UTF-8/,
  },
  {
    name: 'overlong UTF-8',
    format: 'csv',
    bytes: bytes('a,b\n1,', [0xc0, 0xaf], '\n'),
    line: 2,
    message: /not valid UTF-8/,
  },
  {
    name: 'UTF-8 surrogate',
    format: 'csv',
    bytes: bytes('a\n', [0xed, 0xa0, 0x80], '\n'),
    line: 2,
    message: /not valid UTF-8/,
  },
  {
    name: 'truncated character at the end',
    format: 'csv',
    bytes: bytes('a\nx', [0xe2, 0x82]),
    message: /ends inside a character/,
  },
  {
    name: 'UTF-16 file',
    format: 'csv',
    bytes: bytes([0xff, 0xfe], 'a\u0000'),
    line: 1,
    column: 1,
    message: /not valid UTF-8/,
  },
  {
    name: 'Latin-1 file',
    format: 'csv',
    bytes: bytes('name\ncaf', [0xe9], '\n'),
    line: 2,
    column: 4,
    message: /not valid UTF-8/,
  },
  {
    name: 'too many columns',
    format: 'csv',
    bytes: bytes('a,b,c,d\n1,2,3,4\n'),
    line: 1,
    message: /4 columns; the limit is 3/,
    code: 'limit_exceeded',
    limits: { maxColumns: 3 },
  },
  {
    name: 'value over the size limit',
    format: 'csv',
    bytes: bytes('a,b\n1,2\n3,abcdefghijk\n'),
    line: 3,
    column: 2,
    message: /11 characters; the limit is 10|over the limit of 10 characters/,
    code: 'limit_exceeded',
    limits: { maxCellChars: 10 },
  },
  {
    name: 'too many rows',
    format: 'csv',
    bytes: bytes('a\n1\n2\n3\n4\n'),
    line: 4,
    message: /more than 2 rows/,
    code: 'limit_exceeded',
    limits: { maxRows: 2 },
  },
  {
    name: 'file over the size limit',
    format: 'csv',
    bytes: bytes('a\n', 'x'.repeat(200), '\n'),
    message: /size limit of 100 bytes/,
    code: 'limit_exceeded',
    limits: { maxFileBytes: 100 },
  },
  { name: 'JSONL: empty file', format: 'jsonl', bytes: bytes('\n\n'), message: /empty/ },
  {
    name: 'JSONL: invalid JSON',
    format: 'jsonl',
    bytes: bytes('{"a":"1"}\n{"a":"2"}\n{"a":\n'),
    line: 3,
    message: /not valid JSON/,
  },
  {
    name: 'JSONL: array line',
    format: 'jsonl',
    bytes: bytes('{"a":"1"}\n["x"]\n'),
    line: 2,
    message: /JSON object/,
  },
  {
    name: 'JSONL: string line',
    format: 'jsonl',
    bytes: bytes('"hello"\n'),
    line: 1,
    message: /JSON object/,
  },
  {
    name: 'JSONL: unknown key',
    format: 'jsonl',
    bytes: bytes('{"a":"1"}\r\n{"a":"2"}\r\n\r\n{"b":"3"}\r\n'),
    line: 4,
    message: /key "b" is not a column/,
  },
  {
    name: 'JSONL: empty key',
    format: 'jsonl',
    bytes: bytes('{"":"1"}\n'),
    line: 1,
    column: 1,
    message: /empty/,
  },
  {
    name: 'JSONL: invalid UTF-8',
    format: 'jsonl',
    bytes: bytes('{"a":"', [0xfe], '"}\n'),
    line: 1,
    message: /not valid UTF-8/,
  },
]
