import { describe } from 'vitest'
import { describeAccountsContract } from './accounts.contract.js'
import { describeCellResultContract } from './cell-result.contract.js'
import { describeCellValueContract } from './cell-value.contract.js'
import { describeColumnContract } from './column.contract.js'
import { describeConnectionContract } from './connection.contract.js'
import { describeEvaluationContract } from './evaluation.contract.js'
import { describeEvaluatorContract } from './evaluator.contract.js'
import type { MakeHarness } from './harness.js'
import { describeModelCacheContract } from './model-cache.contract.js'
import { describeProjectContract } from './project.contract.js'
import { describeResultsQueryContract } from './results-query.contract.js'
import { describeRowContract } from './row.contract.js'
import { describeRunContract } from './run.contract.js'
import { describeSpanContract } from './span.contract.js'
import { describeUserContract } from './user.contract.js'

export type { MakeHarness, RepositoriesHarness } from './harness.js'
export { uniqueName } from './harness.js'

/** Every storage port's contract, for one adapter. */
export function describeRepositoriesContract(adapter: string, make: MakeHarness): void {
  describe(`storage contract: ${adapter}`, () => {
    describeProjectContract(make)
    describeUserContract(make)
    describeEvaluationContract(make)
    describeColumnContract(make)
    describeConnectionContract(make)
    describeEvaluatorContract(make)
    describeRowContract(make)
    describeCellValueContract(make)
    describeRunContract(make)
    describeCellResultContract(make)
    describeModelCacheContract(make)
    describeAccountsContract(make)
    describeSpanContract(make)
    describeResultsQueryContract(make)
  })
}
