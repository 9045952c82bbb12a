import { describeRepositoriesContract } from '@assay/core/testing'
import { describe, it } from 'vitest'
import { makePostgresHarness, TEST_POSTGRES_URL } from './test-harness.js'

const url = TEST_POSTGRES_URL
if (url) describeRepositoriesContract('postgres', () => makePostgresHarness(url))
else
  describe.skip('storage contract: postgres (set ASSAY_TEST_POSTGRES_URL)', () =>
    it('skipped', () => {}))
