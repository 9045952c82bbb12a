import { describeRepositoriesContract } from '@assay/core/testing'
import { describe, it } from 'vitest'
import { TEST_POSTGRES_URL, makePostgresHarness } from './test-harness.js'

const url = TEST_POSTGRES_URL
if (url) describeRepositoriesContract('postgres', () => makePostgresHarness(url))
else describe.skip('storage contract: postgres (set ASSAY_TEST_POSTGRES_URL)', () => it('skipped', () => {}))
