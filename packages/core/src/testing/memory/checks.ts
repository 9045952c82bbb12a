import type { z } from 'zod'
import { AssayError } from '../../errors.js'
import type { MemoryState } from '../memory-state.js'

/*
 * What the memory fakes share: input checks that match the SQL adapters' (same schemas, same
 * codes), the text order SQL uses, and the cascades the schema's foreign keys perform.
 */

/** Parses an input with a core schema; a failure is `invalid_input` naming the field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = issue?.path.map(String).join('.') ?? ''
  const message = `invalid ${what}: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid value'}`
  return invalidInput(message, field)
}

function invalidInput(message: string, field: string): never {
  throw new AssayError('invalid_input', message, field ? { position: { field } } : {})
}

/** PostgreSQL text cannot hold NUL, so no adapter accepts it. */
export function checkNoNul(what: string, texts: readonly (string | null | undefined)[]): void {
  if (texts.some((text) => text?.includes('\u0000'))) {
    throw new AssayError('invalid_input', `${what} cannot contain a NUL character`)
  }
}

/** Code point order, which is what SQLite (binary) and PostgreSQL (C collation) sort text by. */
export function compareText(a: string, b: string): number {
  const left = a[Symbol.iterator]()
  const right = b[Symbol.iterator]()
  for (;;) {
    const x = left.next()
    const y = right.next()
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1
    const dx = x.value.codePointAt(0) ?? 0
    const dy = y.value.codePointAt(0) ?? 0
    if (dx !== dy) return dx < dy ? -1 : 1
  }
}

/** Sorts by name, then id, as the SQL adapters do. */
export function byName<T extends { name: string; id: string }>(a: T, b: T): number {
  return compareText(a.name, b.name) || compareText(a.id, b.id)
}

export function requireUser(state: MemoryState, userId: string | null): void {
  if (userId !== null && !state.users.has(userId)) {
    throw new AssayError('not_found', `user ${userId} does not exist`)
  }
}

export function requireProject(state: MemoryState, projectId: string): void {
  if (!state.projects.has(projectId)) {
    throw new AssayError('not_found', `project ${projectId} does not exist`)
  }
}

/** Deletes a column with its cell values and results. */
export function cascadeColumn(state: MemoryState, columnId: string): void {
  state.columns.delete(columnId)
  for (const [key, value] of state.cellValues) {
    if (value.columnId === columnId) state.cellValues.delete(key)
  }
  for (const [key, result] of state.cellResults) {
    if (result.columnId === columnId) state.cellResults.delete(key)
  }
}

/** Deletes an evaluation with its columns, rows, cell values, runs and results. */
export function cascadeEvaluation(state: MemoryState, evaluationId: string): void {
  state.evaluations.delete(evaluationId)
  const columns = new Set<string>()
  for (const [id, column] of state.columns) {
    if (column.evaluationId === evaluationId) columns.add(id)
  }
  const rows = new Set<string>()
  for (const [id, row] of state.rows) {
    if (row.evaluationId === evaluationId) rows.add(id)
  }
  const runs = new Set<string>()
  for (const [id, run] of state.runs) {
    if (run.evaluationId === evaluationId) runs.add(id)
  }
  for (const id of columns) state.columns.delete(id)
  for (const id of rows) state.rows.delete(id)
  for (const id of runs) {
    state.runs.delete(id)
    state.heartbeats.delete(id)
  }
  for (const [key, value] of state.cellValues) {
    if (columns.has(value.columnId) || rows.has(value.rowId)) state.cellValues.delete(key)
  }
  for (const [key, result] of state.cellResults) {
    if (runs.has(result.runId) || columns.has(result.columnId) || rows.has(result.rowId)) {
      state.cellResults.delete(key)
    }
  }
}

/** Deletes a project with its members, evaluations, connections, custom evaluators and spans. */
export function cascadeProject(state: MemoryState, projectId: string): void {
  state.projects.delete(projectId)
  for (const [key, member] of state.members) {
    if (member.projectId === projectId) state.members.delete(key)
  }
  for (const [id, evaluation] of state.evaluations) {
    if (evaluation.projectId === projectId) cascadeEvaluation(state, id)
  }
  for (const [id, connection] of state.connections) {
    if (connection.projectId === projectId) {
      state.connections.delete(id)
      state.sealedKeys.delete(id)
    }
  }
  for (const [id, evaluator] of state.evaluators) {
    if (evaluator.projectId === projectId) state.evaluators.delete(id)
  }
  for (const [key, span] of state.spans) {
    if (span.projectId === projectId) state.spans.delete(key)
  }
}
