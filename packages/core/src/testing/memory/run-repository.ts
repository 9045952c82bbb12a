import { InstantSchema } from '../../domain/ids.js'
import { type Run, RunSchema, RunStatusSchema } from '../../domain/run.js'
import { AssayError } from '../../errors.js'
import type { RunRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { parseInput, requireUser } from './checks.js'

function copyRun(run: Run): Run {
  return {
    ...run,
    scope: {
      ...run.scope,
      columnIds: run.scope.columnIds ? [...run.scope.columnIds] : null,
      rowIds: run.scope.rowIds ? [...run.scope.rowIds] : null,
    },
    budget: run.budget ? { ...run.budget } : null,
  }
}

const ACTIVE: readonly Run['status'][] = ['queued', 'running', 'stopping']

/**
 * Refuses a second active (queued, running or stopping) run of an evaluation, as the SQL
 * repositories' partial unique index does: `invalid_state`, like the route guard.
 */
function requireNoOtherActiveRun(state: MemoryState, run: Omit<Run, 'id'>, id?: string): void {
  if (!ACTIVE.includes(run.status)) return
  for (const other of state.runs.values()) {
    if (
      other.id !== id &&
      other.evaluationId === run.evaluationId &&
      ACTIVE.includes(other.status)
    ) {
      throw new AssayError(
        'invalid_state',
        `another run of evaluation ${run.evaluationId} is still queued, running or stopping; stop it or wait for it`,
      )
    }
  }
}

const newestFirst = (a: Run, b: Run) =>
  a.createdAt === b.createdAt ? compare(b.id, a.id) : compare(b.createdAt, a.createdAt)
const oldestFirst = (a: Run, b: Run) => newestFirst(b, a)
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The in-memory RunRepository. An evaluation has at most one active run. `update` is a compare-and-set on the status and leaves the
 * token and cost totals alone: those belong to CellResultRepository.put. Heartbeats are kept
 * beside the runs (`state.heartbeats`), since they are not part of a Run.
 */
export function createMemoryRunRepository(state: MemoryState, deps: MemoryDeps): RunRepository {
  return {
    async create(draft) {
      const input = parseInput(RunSchema.omit({ id: true }), draft, 'run')
      if (!state.evaluations.has(input.evaluationId)) {
        throw new AssayError('not_found', `evaluation ${input.evaluationId} does not exist`)
      }
      requireUser(state, input.startedBy)
      requireNoOtherActiveRun(state, input)
      const run = copyRun({ ...input, id: deps.ids.next('run') })
      state.runs.set(run.id, run)
      return copyRun(run)
    },

    async get(id) {
      const run = state.runs.get(id)
      return run ? copyRun(run) : undefined
    },

    async list(evaluationId) {
      return [...state.runs.values()]
        .filter((r) => r.evaluationId === evaluationId)
        .sort(newestFirst)
        .map(copyRun)
    },

    async listByStatus(statuses) {
      return [...state.runs.values()]
        .filter((r) => statuses.includes(r.status))
        .sort(oldestFirst)
        .map(copyRun)
    },

    async heartbeat(id, atIso) {
      const at = parseInput(InstantSchema, atIso, 'heartbeat time')
      if (!state.runs.has(id)) throw new AssayError('not_found', `run ${id} does not exist`)
      state.heartbeats.set(id, at)
    },

    async lastHeartbeat(id) {
      if (!state.runs.has(id)) return undefined
      return state.heartbeats.get(id) ?? null
    },

    async update(run, status) {
      const next = parseInput(RunSchema, run, 'run')
      const expected = parseInput(RunStatusSchema, status, 'expected run status')
      const stored = state.runs.get(next.id)
      if (!stored) throw new AssayError('not_found', `run ${next.id} does not exist`)
      if (stored.status !== expected) return undefined
      requireUser(state, next.startedBy)
      requireNoOtherActiveRun(state, { ...next, evaluationId: stored.evaluationId }, stored.id)
      const updated = copyRun({
        ...next,
        evaluationId: stored.evaluationId,
        createdAt: stored.createdAt,
        tokensIn: stored.tokensIn,
        tokensOut: stored.tokensOut,
        cost: stored.cost,
      })
      state.runs.set(updated.id, updated)
      return copyRun(updated)
    },
  }
}
