import type { Column } from '../domain/column.js'
import type { ErrorInfo } from '../errors.js'
import { err, ok, type Result } from '../result.js'

/** Columns an evaluator or generator may read: everything that holds a value per row. */
export function isReadableColumn(column: Column): boolean {
  return column.config.kind !== 'evaluator'
}

/**
 * Checks a variable mapping against an evaluation's columns: every variable is mapped, every
 * target exists and holds values, and a column never reads itself. Extra mapping keys are
 * refused too, because they usually mean a typo in a variable name.
 */
export function validateMapping(
  variables: readonly string[],
  mapping: Readonly<Record<string, string>>,
  columns: readonly Column[],
  selfColumnId?: string,
): Result<Record<string, Column>> {
  const byId = new Map(columns.map((column) => [column.id, column]))
  const resolved: Record<string, Column> = {}
  const problems: string[] = []
  for (const variable of variables) {
    const target = mapping[variable]
    if (target === undefined) {
      problems.push(`{{${variable}}} is not mapped to a column`)
      continue
    }
    const column = byId.get(target)
    if (!column)
      problems.push(`{{${variable}}} is mapped to a column that does not exist (${target})`)
    else if (column.id === selfColumnId)
      problems.push(`{{${variable}}} may not read the column itself`)
    else if (!isReadableColumn(column))
      problems.push(`{{${variable}}} may not read evaluator column "${column.name}"`)
    else resolved[variable] = column
  }
  for (const key of Object.keys(mapping)) {
    if (!variables.includes(key))
      problems.push(`{{${key}}} is mapped but the prompt does not use it`)
  }
  if (problems.length > 0) {
    const error: ErrorInfo = { code: 'invalid_input', message: problems.join('; ') }
    return err(error)
  }
  return ok(resolved)
}

/** Resolves a mapping written with column names (YAML, CLI) to column ids. */
export function mappingByName(
  mapping: Readonly<Record<string, string>>,
  columns: readonly Column[],
): Result<Record<string, string>> {
  const byName = new Map(columns.map((column) => [column.name, column.id]))
  const out: Record<string, string> = {}
  const unknown: string[] = []
  for (const [variable, name] of Object.entries(mapping)) {
    const id = byName.get(name)
    if (id === undefined) unknown.push(`{{${variable}}} → "${name}"`)
    else out[variable] = id
  }
  if (unknown.length > 0) {
    const known = [...byName.keys()].map((name) => `"${name}"`).join(', ')
    return err({
      code: 'invalid_input',
      message: `no such column: ${unknown.join(', ')} (columns: ${known})`,
    })
  }
  return ok(out)
}
