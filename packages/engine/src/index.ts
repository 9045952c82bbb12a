export type { CellOutcome } from './cell-outcome.js'
export { compileColumns, extractApiValues, renderApiRequest } from './compile-column.js'
export {
  DEFAULT_ENGINE_OPTIONS,
  type EngineDeps,
  type EngineOptions,
  type ResolvedConnection,
} from './engine-deps.js'
export * from './estimate.js'
export type { BackoffState, CellCounts, RunEvent, RunEventListener, RunProgress } from './events.js'
export { readJsonPath } from './json-path.js'
export * from './judges/index.js'
export { columnInputs, isRunnableColumn, orderColumns } from './plan.js'
export {
  createRunEngine,
  type RunEngine,
  type StartRunInput,
  type TestCellOutcome,
} from './run-engine.js'
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './scheduler/backoff.js'
