import {
  type Column,
  type ColumnConfig,
  ColumnConfigSchema,
  ColumnNameSchema,
} from '../../domain/column.js'
import { AssayError } from '../../errors.js'
import type { ColumnRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { cascadeColumn, parseInput } from './checks.js'

/**
 * A config as SQL keeps it: validated, defaults filled in, and through JSON, so values JSON
 * cannot carry (undefined, functions) are gone here too.
 */
function parseConfig(config: ColumnConfig): ColumnConfig {
  const parsed = parseInput(ColumnConfigSchema, config, 'column configuration')
  return ColumnConfigSchema.parse(JSON.parse(JSON.stringify(parsed)))
}

function copyColumn(column: Column): Column {
  return { ...column, config: structuredClone(column.config) }
}

/**
 * The in-memory ColumnRepository. Data columns belong to the import: `add` does not make them,
 * `updateConfig` does not turn a column into one or one into something else, and `delete`
 * refuses them, because every row keeps its data values in data-column order.
 */
export function createMemoryColumnRepository(
  state: MemoryState,
  deps: MemoryDeps,
): ColumnRepository {
  function require(id: string): Column {
    const column = state.columns.get(id)
    if (!column) throw new AssayError('not_found', `column ${id} does not exist`)
    return column
  }

  function columnsOf(evaluationId: string): Column[] {
    return [...state.columns.values()].filter((c) => c.evaluationId === evaluationId)
  }

  function requireNameFree(evaluationId: string, name: string, exceptId?: string): void {
    if (columnsOf(evaluationId).some((c) => c.name === name && c.id !== exceptId)) {
      throw new AssayError('conflict', `the evaluation already has a column named "${name}"`)
    }
  }

  function store(column: Column): Column {
    state.columns.set(column.id, column)
    return copyColumn(column)
  }

  return {
    async add(input) {
      const name = parseInput(ColumnNameSchema, input.name, 'column name')
      const config = parseConfig(input.config)
      if (config.kind === 'data') {
        throw new AssayError('invalid_input', 'data columns are created by importing a dataset')
      }
      if (!state.evaluations.has(input.evaluationId)) {
        throw new AssayError('not_found', `evaluation ${input.evaluationId} does not exist`)
      }
      requireNameFree(input.evaluationId, name)
      const position = columnsOf(input.evaluationId).reduce(
        (max, c) => Math.max(max, c.position + 1),
        0,
      )
      return store({
        id: deps.ids.next('col'),
        evaluationId: input.evaluationId,
        name,
        position,
        config,
        createdAt: deps.clock.isoNow(),
      })
    },

    async get(id) {
      const column = state.columns.get(id)
      return column ? copyColumn(column) : undefined
    },

    async list(evaluationId) {
      return columnsOf(evaluationId)
        .sort((a, b) => a.position - b.position)
        .map(copyColumn)
    },

    async rename(id, name) {
      const parsed = parseInput(ColumnNameSchema, name, 'column name')
      const column = require(id)
      requireNameFree(column.evaluationId, parsed, id)
      return store({ ...column, name: parsed })
    },

    async updateConfig(id, config) {
      const parsed = parseConfig(config)
      const column = require(id)
      if ((parsed.kind === 'data') !== (column.config.kind === 'data')) {
        throw new AssayError(
          'invalid_input',
          column.config.kind === 'data'
            ? `column "${column.name}" holds imported data and stays a data column`
            : 'data columns are created by importing a dataset',
        )
      }
      return store({ ...column, config: parsed })
    },

    async delete(id) {
      const column = require(id)
      if (column.config.kind === 'data') {
        throw new AssayError(
          'invalid_state',
          `column "${column.name}" holds imported data and cannot be deleted on its own; hide it instead`,
        )
      }
      cascadeColumn(state, id)
    },
  }
}
