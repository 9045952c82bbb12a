import { type Column, err, extractVariables, ok, type Result } from '@assay/core'

/** Columns a run can fill: generators (except the contexts half of a RAG endpoint) and evaluators. */
export function isRunnableColumn(column: Column): boolean {
  const { config } = column
  if (config.kind === 'evaluator') return true
  return config.kind === 'generated' && config.generator.type !== 'rag-contexts'
}

/** The columns a column reads, by id: its mapping, or the `{{column}}` names in its templates. */
export function columnInputs(column: Column, all: readonly Column[]): Result<string[]> {
  const { config } = column
  if (config.kind === 'evaluator') {
    const ids = Object.values(config.evaluator.mapping)
    if (config.evaluator.compareWithColumnId) ids.push(config.evaluator.compareWithColumnId)
    return ok([...new Set(ids)])
  }
  if (config.kind !== 'generated') return ok([])
  const generator = config.generator
  const templates =
    generator.type === 'prompt'
      ? [generator.prompt]
      : generator.type === 'api'
        ? [generator.url, generator.body, ...generator.headers.map((h) => h.value)]
        : []
  const byName = new Map(all.map((c) => [c.name, c.id]))
  const ids = new Set<string>()
  for (const template of templates) {
    const variables = extractVariables(template)
    if (!variables.ok)
      return err({
        ...variables.error,
        message: `column "${column.name}": ${variables.error.message}`,
      })
    for (const name of variables.value) {
      const id = byName.get(name)
      if (id === undefined) {
        return err({
          code: 'invalid_input',
          message: `column "${column.name}" uses {{${name}}}, which is not a column`,
        })
      }
      ids.add(id)
    }
  }
  return ok([...ids])
}

export type ColumnStep = { column: Column; inputs: string[] }

/**
 * Orders the target columns so that a column runs after the generated columns it reads (for the
 * same row): a list of levels, each level's columns independent of each other. A column that
 * reads a generated column outside the targets reads that column's latest stored value instead.
 * A cycle is an error naming the columns in it.
 */
export function orderColumns(
  targets: readonly Column[],
  all: readonly Column[],
): Result<ColumnStep[][]> {
  const steps = new Map<string, ColumnStep>()
  for (const column of targets) {
    const inputs = columnInputs(column, all)
    if (!inputs.ok) return inputs
    if (inputs.value.includes(column.id)) {
      return err({ code: 'invalid_input', message: `column "${column.name}" reads itself` })
    }
    steps.set(column.id, { column, inputs: inputs.value })
  }
  const produced = (id: string) => {
    const source = all.find((c) => c.id === id)
    // The contexts column of a RAG endpoint is produced by its source generator.
    if (source?.config.kind === 'generated' && source.config.generator.type === 'rag-contexts') {
      return source.config.generator.sourceColumnId
    }
    return id
  }
  const levels: ColumnStep[][] = []
  const placed = new Set<string>()
  let remaining = [...steps.values()]
  while (remaining.length > 0) {
    const level = remaining.filter((step) =>
      step.inputs.every((input) => {
        const producer = produced(input)
        return !steps.has(producer) || placed.has(producer)
      }),
    )
    if (level.length === 0) {
      return err({
        code: 'invalid_input',
        message: `these columns read each other in a cycle: ${remaining.map((s) => `"${s.column.name}"`).join(', ')}`,
      })
    }
    for (const step of level) placed.add(step.column.id)
    levels.push(level)
    remaining = remaining.filter((step) => !placed.has(step.column.id))
  }
  return ok(levels)
}
