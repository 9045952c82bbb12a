import { AssayError } from '@assay/core'

export type CurlRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'
  url: string
  headers: { name: string; value: string }[]
  body: string
}

/**
 * Reads a pasted curl command into method, URL, headers and body: `-X/--request`,
 * `-H/--header`, `-d/--data/--data-raw/--data-binary/--json`, `--url` or a bare URL; single and
 * double quotes and `\`-newline continuations as a shell reads them. Other flags that take no
 * value (`-s`, `-L`, `--compressed`, …) are ignored; unknown flags with values are refused.
 */
export function parseCurl(command: string): CurlRequest {
  const words = shellWords(command.replace(/\\\r?\n/g, ' '))
  if (words[0] !== 'curl')
    throw new AssayError('invalid_input', 'a curl command must start with "curl"')
  let method: string | undefined
  let url: string | undefined
  let body: string | undefined
  const headers: { name: string; value: string }[] = []
  const IGNORED = new Set([
    '-s',
    '--silent',
    '-S',
    '--show-error',
    '-L',
    '--location',
    '--compressed',
    '-k',
    '--insecure',
    '-i',
    '-v',
    '--verbose',
    '-f',
    '--fail',
  ])
  for (let i = 1; i < words.length; i++) {
    const word = words[i] as string
    const value = () => {
      const next = words[++i]
      if (next === undefined) throw new AssayError('invalid_input', `curl: ${word} needs a value`)
      return next
    }
    if (word === '-X' || word === '--request') method = value().toUpperCase()
    else if (word === '-H' || word === '--header') {
      const header = value()
      const colon = header.indexOf(':')
      if (colon <= 0)
        throw new AssayError('invalid_input', `curl: header "${header}" has no name: value`)
      headers.push({ name: header.slice(0, colon).trim(), value: header.slice(colon + 1).trim() })
    } else if (['-d', '--data', '--data-raw', '--data-binary', '--json'].includes(word)) {
      body = value()
      if (word === '--json' && !headers.some((h) => h.name.toLowerCase() === 'content-type')) {
        headers.push({ name: 'Content-Type', value: 'application/json' })
      }
    } else if (word === '--url') url = value()
    else if (IGNORED.has(word)) continue
    else if (word.startsWith('-'))
      throw new AssayError('invalid_input', `curl: option ${word} is not supported`)
    else if (url === undefined) url = word
    else throw new AssayError('invalid_input', `curl: unexpected argument "${word}"`)
  }
  if (!url) throw new AssayError('invalid_input', 'curl: no URL')
  const resolved = (method ?? (body !== undefined ? 'POST' : 'GET')) as CurlRequest['method']
  if (!['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].includes(resolved)) {
    throw new AssayError(
      'invalid_input',
      `curl: method ${resolved} is not supported (GET, POST, PUT, DELETE, PATCH)`,
    )
  }
  return { method: resolved, url, headers, body: body ?? '' }
}

function shellWords(text: string): string[] {
  const words: string[] = []
  let current = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (quote === "'") {
      if (ch === "'") quote = null
      else current += ch
    } else if (quote === '"') {
      if (ch === '"') quote = null
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string))
        current += text[++i]
      else current += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      inWord = true
    } else if (ch === '\\' && i + 1 < text.length) {
      current += text[++i]
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current)
      current = ''
      inWord = false
    } else {
      current += ch
      inWord = true
    }
  }
  if (quote) throw new AssayError('invalid_input', 'curl: a quote is never closed')
  if (inWord) words.push(current)
  return words
}
