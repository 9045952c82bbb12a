import { defineConfig } from 'vitest/config'

// End-to-end journeys: the real server, the stub model server and Chromium (playwright-core).
export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['e2e/**/*.e2e.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    retry: 0,
    allowOnly: !process.env.CI,
  },
})
