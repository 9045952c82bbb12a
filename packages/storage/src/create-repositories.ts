import type { Repositories } from '@assay/core'
import {
  createSqlApiTokenRepository,
  createSqlSessionRepository,
  createSqlSignInLinkRepository,
  createSqlTableOptionsRepository,
} from './repositories/sql-accounts-repositories.js'
import { createSqlCellResultRepository } from './repositories/sql-cell-result-repository.js'
import { createSqlCellValueRepository } from './repositories/sql-cell-value-repository.js'
import { createSqlColumnRepository } from './repositories/sql-column-repository.js'
import { createSqlConnectionRepository } from './repositories/sql-connection-repository.js'
import { createSqlEvaluationRepository } from './repositories/sql-evaluation-repository.js'
import { createSqlEvaluatorRepository } from './repositories/sql-evaluator-repository.js'
import { createSqlModelCacheRepository } from './repositories/sql-model-cache-repository.js'
import { createSqlProjectRepository } from './repositories/sql-project-repository.js'
import { createSqlResultsQueryRepository } from './repositories/sql-results-query-repository.js'
import { createSqlRowRepository } from './repositories/sql-row-repository.js'
import { createSqlRunRepository } from './repositories/sql-run-repository.js'
import { createSqlSpanRepository } from './repositories/sql-span-repository.js'
import { createSqlUserRepository } from './repositories/sql-user-repository.js'
import type { SqlDeps } from './sql-deps.js'

export type { SqlDeps } from './sql-deps.js'

/** Every storage port on one Kysely handle; the caller decides whether it is SQLite or Postgres. */
export function createSqlRepositories(deps: SqlDeps): Repositories {
  return {
    projects: createSqlProjectRepository(deps),
    users: createSqlUserRepository(deps),
    evaluations: createSqlEvaluationRepository(deps),
    columns: createSqlColumnRepository(deps),
    rows: createSqlRowRepository(deps),
    cellValues: createSqlCellValueRepository(deps),
    runs: createSqlRunRepository(deps),
    cellResults: createSqlCellResultRepository(deps),
    connections: createSqlConnectionRepository(deps),
    evaluators: createSqlEvaluatorRepository(deps),
    modelCache: createSqlModelCacheRepository(deps),
    sessions: createSqlSessionRepository(deps),
    apiTokens: createSqlApiTokenRepository(deps),
    signInLinks: createSqlSignInLinkRepository(deps),
    tableOptions: createSqlTableOptionsRepository(deps),
    spans: createSqlSpanRepository(deps),
    resultsQuery: createSqlResultsQueryRepository(deps),
  }
}
