import { describeRepositoriesContract } from '@assay/core/testing'
import { makeSqliteHarness } from './test-harness.js'

describeRepositoriesContract('sqlite', makeSqliteHarness)
