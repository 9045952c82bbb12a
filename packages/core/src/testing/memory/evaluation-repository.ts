import { type Evaluation, EvaluationNameSchema } from '../../domain/evaluation.js'
import { AssayError } from '../../errors.js'
import type { EvaluationRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import {
  byName,
  cascadeEvaluation,
  checkNoNul,
  parseInput,
  requireProject,
  requireUser,
} from './checks.js'

function parseName(name: string): string {
  const parsed = parseInput(EvaluationNameSchema, name, 'evaluation name')
  checkNoNul('an evaluation name', [parsed])
  return parsed
}

/** The in-memory EvaluationRepository; names are unique within a project. */
export function createMemoryEvaluationRepository(
  state: MemoryState,
  deps: MemoryDeps,
): EvaluationRepository {
  function require(id: string): Evaluation {
    const evaluation = state.evaluations.get(id)
    if (!evaluation) throw new AssayError('not_found', `evaluation ${id} does not exist`)
    return evaluation
  }

  function requireNameFree(projectId: string, name: string, exceptId?: string): void {
    for (const evaluation of state.evaluations.values()) {
      if (
        evaluation.projectId === projectId &&
        evaluation.name === name &&
        evaluation.id !== exceptId
      ) {
        throw new AssayError(
          'conflict',
          `an evaluation named "${name}" already exists in this project`,
        )
      }
    }
  }

  function store(evaluation: Evaluation): Evaluation {
    state.evaluations.set(evaluation.id, evaluation)
    return { ...evaluation }
  }

  return {
    async create(input) {
      const name = parseName(input.name)
      requireProject(state, input.projectId)
      requireUser(state, input.createdBy)
      requireNameFree(input.projectId, name)
      return store({
        id: deps.ids.next('evl'),
        projectId: input.projectId,
        name,
        createdAt: deps.clock.isoNow(),
        createdBy: input.createdBy,
        cacheEnabled: true,
        rowCount: 0,
      })
    },

    async get(id) {
      const evaluation = state.evaluations.get(id)
      return evaluation ? { ...evaluation } : undefined
    },

    async getByName(projectId, name) {
      const wanted = name.trim()
      for (const evaluation of state.evaluations.values()) {
        if (evaluation.projectId === projectId && evaluation.name === wanted)
          return { ...evaluation }
      }
      return undefined
    },

    async list(projectId) {
      return [...state.evaluations.values()]
        .filter((e) => e.projectId === projectId)
        .sort(byName)
        .map((e) => ({ ...e }))
    },

    async rename(id, name) {
      const parsed = parseName(name)
      const evaluation = require(id)
      requireNameFree(evaluation.projectId, parsed, id)
      return store({ ...evaluation, name: parsed })
    },

    async setCacheEnabled(id, enabled) {
      const evaluation = require(id)
      return store({ ...evaluation, cacheEnabled: enabled === true })
    },

    async delete(id) {
      require(id)
      cascadeEvaluation(state, id)
    },
  }
}
