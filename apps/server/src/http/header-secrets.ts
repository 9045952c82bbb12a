import { AssayError, type Column } from '@assay/core'

/** What a header value is shown as: header values often hold API keys. */
export const MASKED_HEADER_VALUE = '••••'

/**
 * A column as callers see it: the header values of a *Run an API* generator are masked (a
 * non-empty value becomes MASKED_HEADER_VALUE). Sending the mask back keeps the stored value.
 */
export function maskColumn(column: Column): Column {
  const { config } = column
  if (config.kind !== 'generated' || config.generator.type !== 'api') return column
  const headers = config.generator.headers.map((h) => ({
    name: h.name,
    value: h.value === '' ? '' : MASKED_HEADER_VALUE,
  }))
  return { ...column, config: { ...config, generator: { ...config.generator, headers } } }
}

type ApiGenerator = Extract<Column['config'], { kind: 'generated' }>['generator'] & {
  type: 'api'
}

/**
 * The scheme, host and port a URL template always calls, or null when a variable decides them
 * (`https://{{host}}/x`) or the URL does not parse.
 */
function fixedOrigin(url: string): string | null {
  const head = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url.trim())?.[0]
  if (!head || head.includes('{{')) return null
  try {
    // Schemes other than http(s) all have the origin "null": equal, but not the same server.
    const origin = new URL(head).origin
    return origin === 'null' ? null : origin
  } catch {
    return null
  }
}

/**
 * Puts the stored values back for headers sent as MASKED_HEADER_VALUE: each takes the value of
 * the stored header of the same name (`stored`: the saved column being edited or tested). A
 * masked header with nothing stored under its name is refused, naming the field. So is one
 * sent to another origin than the stored URL's: an editor who cannot read a key must not be
 * able to point the column at their own server and have Assay send it there.
 */
export function unmaskHeaders<G extends ApiGenerator>(
  generator: G,
  stored: Column | undefined,
  field: string,
): G {
  if (!generator.headers.some((h) => h.value === MASKED_HEADER_VALUE)) return generator
  const saved =
    stored?.config.kind === 'generated' && stored.config.generator.type === 'api'
      ? stored.config.generator.headers
      : []
  const storedUrl =
    stored?.config.kind === 'generated' && stored.config.generator.type === 'api'
      ? stored.config.generator.url
      : null
  const sameOrigin =
    storedUrl !== null &&
    (storedUrl === generator.url ||
      (fixedOrigin(storedUrl) !== null && fixedOrigin(storedUrl) === fixedOrigin(generator.url)))
  const used = new Set<number>()
  const headers = generator.headers.map((header, i) => {
    if (header.value !== MASKED_HEADER_VALUE) return header
    const name = header.name.toLowerCase()
    const index = saved.findIndex((h, j) => !used.has(j) && h.name.toLowerCase() === name)
    if (index < 0) {
      throw new AssayError(
        'invalid_input',
        `${field}.headers.${i}.value: header "${header.name}" is masked and has no stored value; give its value`,
        { position: { field: `${field}.headers.${i}.value` } },
      )
    }
    if (!sameOrigin) {
      throw new AssayError(
        'invalid_input',
        `${field}.headers.${i}.value: header "${header.name}" is masked and the URL now goes to another origin than the stored one; give its value again`,
        { position: { field: `${field}.headers.${i}.value` } },
      )
    }
    used.add(index)
    return { name: header.name, value: (saved[index] as { value: string }).value }
  })
  return { ...generator, headers }
}

export function unmaskConfig(
  config: Column['config'],
  stored: Column | undefined,
): Column['config'] {
  if (config.kind !== 'generated' || config.generator.type !== 'api') return config
  return { ...config, generator: unmaskHeaders(config.generator, stored, 'config.generator') }
}
