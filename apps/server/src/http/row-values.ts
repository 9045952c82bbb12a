import type { Column, Repositories, Row } from '@assay/core'

/**
 * What a row holds in each column, by column id, as a cell would read it: data values as
 * imported, manual and human values as typed, generated values from their latest finished run.
 */
export async function rowValuesById(
  repos: Repositories,
  row: Row,
  columns: readonly Column[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  let dataIndex = 0
  const generated: string[] = []
  for (const column of columns) {
    const kind = column.config.kind
    if (kind === 'data') {
      const value = row.values[dataIndex++]
      if (value !== undefined) out.set(column.id, value)
    } else if (kind === 'manual' || kind === 'human') {
      const value = await repos.cellValues.get(row.id, column.id)
      if (value?.value != null) out.set(column.id, value.value)
    } else if (kind === 'generated') {
      generated.push(column.id)
    }
  }
  if (generated.length > 0) {
    for (const result of await repos.cellResults.latestForRows(generated, [row.id])) {
      if (result.status === 'done' && result.value !== null)
        out.set(result.columnId, String(result.value))
    }
  }
  return out
}

/** The same values keyed by column name: what `{{column name}}` templates read. */
export function valuesByName(
  columns: readonly Column[],
  byId: ReadonlyMap<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const column of columns) {
    const value = byId.get(column.id)
    if (value !== undefined) out[column.name] = value
  }
  return out
}
