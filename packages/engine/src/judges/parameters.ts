import { invalid, ok, type Result } from '@assay/core'

/**
 * Parameters versus variables. A **variable** (`{{output}}`) is filled per row from the column
 * the mapping names. A **parameter** is one value for the whole evaluator column, typed in when
 * the column is attached and kept in its `options` (e.g. Banned Topics' topic list). A parameter
 * with `inPrompt` is written into the prompt through a `{{name}}` placeholder of its own; the
 * mapping never binds it to a column.
 */
export type EvaluatorParameter =
  | {
      name: string
      label: string
      description: string
      type: 'string-list'
      required: boolean
      inPrompt: boolean
    }
  | {
      name: string
      label: string
      description: string
      type: 'enum'
      values: readonly string[]
      default: string
      inPrompt: boolean
    }

export type ParameterValue = string | readonly string[]

/**
 * Reads each parameter from the column's options. A string list is given as an array of
 * strings or as one string with one item per line; items are trimmed, empty ones dropped and
 * repeats (ignoring case) removed. An enum falls back to its default when absent. Options that
 * are not parameters are ignored (they may belong to something else, e.g. a metric).
 */
export function resolveParameters(
  parameters: readonly EvaluatorParameter[],
  options: Readonly<Record<string, unknown>>,
): Result<Record<string, ParameterValue>> {
  const out: Record<string, ParameterValue> = {}
  for (const parameter of parameters) {
    const raw = options[parameter.name]
    if (parameter.type === 'enum') {
      if (raw === undefined || raw === null || raw === '') out[parameter.name] = parameter.default
      else if (typeof raw === 'string' && parameter.values.includes(raw)) out[parameter.name] = raw
      else {
        return invalid(
          `${parameter.label} must be one of ${parameter.values.map((v) => `'${v}'`).join(', ')}`,
          { field: parameter.name },
        )
      }
      continue
    }
    const items = readList(raw)
    if (items === null) {
      return invalid(`${parameter.label} must be a list of texts (one per line)`, {
        field: parameter.name,
      })
    }
    if (parameter.required && items.length === 0) {
      return invalid(`${parameter.label} needs at least one entry`, { field: parameter.name })
    }
    out[parameter.name] = items
  }
  return ok(out)
}

function readList(raw: unknown): string[] | null {
  if (raw === undefined || raw === null) return []
  let items: unknown[]
  if (typeof raw === 'string') items = raw.split(/\r?\n/)
  else if (Array.isArray(raw)) items = raw
  else return null
  const seen = new Set<string>()
  const out: string[] = []
  for (const item of items) {
    if (typeof item !== 'string') return null
    const text = item.trim()
    const key = text.toLowerCase()
    if (text === '' || seen.has(key)) continue
    seen.add(key)
    out.push(text)
  }
  return out
}

/** How a parameter's value reads inside a prompt: a list becomes one `- item` line per entry. */
export function renderParameterValue(value: ParameterValue): string {
  return typeof value === 'string' ? value : value.map((item) => `- ${item}`).join('\n')
}
