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
 * Puts the stored values back for headers sent as MASKED_HEADER_VALUE: each takes the value of
 * the stored header of the same name (`stored`: the saved column being edited or tested). A
 * masked header with nothing stored under its name is refused, naming the field.
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
