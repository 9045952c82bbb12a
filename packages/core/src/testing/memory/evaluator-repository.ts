import {
  checkStoredEvaluatorScope,
  type Evaluator,
  EvaluatorSchema,
} from '../../domain/evaluator.js'
import { AssayError } from '../../errors.js'
import type { CustomEvaluatorRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { byName, checkNoNul, parseInput, requireProject } from './checks.js'

const EvaluatorInputSchema = EvaluatorSchema.omit({ id: true, createdAt: true })
type EvaluatorInput = Omit<Evaluator, 'id' | 'createdAt'>

/**
 * Validates a custom evaluator: the schema, no NUL, and the scope rule the storage relies on:
 * a `custom` evaluator belongs to a project, a `global` one to none (it outlives the project it
 * was copied from), and `system` evaluators are built in, never stored.
 */
function parseEvaluator(input: EvaluatorInput): EvaluatorInput {
  const parsed = parseInput(EvaluatorInputSchema, input, 'evaluator')
  checkNoNul('an evaluator', [parsed.name, parsed.description, parsed.prompt, ...parsed.variables])
  checkStoredEvaluatorScope(parsed)
  return parsed
}

function copyEvaluator(evaluator: Evaluator): Evaluator {
  return structuredClone(evaluator)
}

/** The in-memory CustomEvaluatorRepository. */
export function createMemoryEvaluatorRepository(
  state: MemoryState,
  deps: MemoryDeps,
): CustomEvaluatorRepository {
  function require(id: string): Evaluator {
    const evaluator = state.evaluators.get(id)
    if (!evaluator) throw new AssayError('not_found', `custom evaluator ${id} does not exist`)
    return evaluator
  }

  return {
    async create(input) {
      const parsed = parseEvaluator(input)
      if (parsed.projectId !== null) requireProject(state, parsed.projectId)
      const evaluator: Evaluator = {
        ...parsed,
        id: deps.ids.next('evr'),
        createdAt: deps.clock.isoNow(),
      }
      state.evaluators.set(evaluator.id, copyEvaluator(evaluator))
      return copyEvaluator(evaluator)
    },

    async get(id) {
      const evaluator = state.evaluators.get(id)
      return evaluator ? copyEvaluator(evaluator) : undefined
    },

    async list(projectId) {
      return [...state.evaluators.values()]
        .filter((e) => e.scope === 'global' || (projectId !== null && e.projectId === projectId))
        .sort(byName)
        .map(copyEvaluator)
    },

    async update(id, patch) {
      const stored = require(id)
      const { id: _id, createdAt: _createdAt, ...current } = stored
      const defined = Object.fromEntries(
        Object.entries(patch).filter(([field, value]) => field !== 'scope' && value !== undefined),
      )
      const parsed = parseEvaluator({ ...current, ...defined, scope: stored.scope })
      if (parsed.projectId !== null && parsed.projectId !== stored.projectId) {
        requireProject(state, parsed.projectId)
      }
      const updated: Evaluator = { ...parsed, id, createdAt: stored.createdAt }
      state.evaluators.set(id, copyEvaluator(updated))
      return copyEvaluator(updated)
    },

    async delete(id) {
      require(id)
      state.evaluators.delete(id)
    },
  }
}
