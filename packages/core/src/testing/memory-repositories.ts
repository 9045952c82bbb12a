import type { Repositories } from '../ports/repositories.js'
import {
  createMemoryApiTokenRepository,
  createMemorySessionRepository,
  createMemorySignInLinkRepository,
  createMemoryTableOptionsRepository,
} from './memory/accounts-repositories.js'
import { createMemoryCellResultRepository } from './memory/cell-result-repository.js'
import { createMemoryCellValueRepository } from './memory/cell-value-repository.js'
import { createMemoryColumnRepository } from './memory/column-repository.js'
import { createMemoryConnectionRepository } from './memory/connection-repository.js'
import { createMemoryEvaluationRepository } from './memory/evaluation-repository.js'
import { createMemoryEvaluatorRepository } from './memory/evaluator-repository.js'
import { createMemoryModelCacheRepository } from './memory/model-cache-repository.js'
import { createMemoryProjectRepository } from './memory/project-repository.js'
import { createMemoryResultsQueryRepository } from './memory/results-query-repository.js'
import { createMemoryRowRepository } from './memory/row-repository.js'
import { createMemoryRunRepository } from './memory/run-repository.js'
import { createMemorySpanRepository } from './memory/span-repository.js'
import { createMemoryUserRepository } from './memory/user-repository.js'
import { createMemoryState, type MemoryDeps, type MemoryState } from './memory-state.js'

/** The in-memory fake of every storage port; it passes the same contract suites as SQL storage. */
export function createMemoryRepositories(
  deps: MemoryDeps,
  state: MemoryState = createMemoryState(),
): Repositories {
  return {
    projects: createMemoryProjectRepository(state, deps),
    users: createMemoryUserRepository(state, deps),
    evaluations: createMemoryEvaluationRepository(state, deps),
    columns: createMemoryColumnRepository(state, deps),
    rows: createMemoryRowRepository(state, deps),
    cellValues: createMemoryCellValueRepository(state, deps),
    runs: createMemoryRunRepository(state, deps),
    cellResults: createMemoryCellResultRepository(state, deps),
    connections: createMemoryConnectionRepository(state, deps),
    evaluators: createMemoryEvaluatorRepository(state, deps),
    modelCache: createMemoryModelCacheRepository(state, deps),
    sessions: createMemorySessionRepository(state),
    apiTokens: createMemoryApiTokenRepository(state, deps),
    signInLinks: createMemorySignInLinkRepository(state),
    tableOptions: createMemoryTableOptionsRepository(state),
    spans: createMemorySpanRepository(state, deps),
    resultsQuery: createMemoryResultsQueryRepository(state, deps),
  }
}
