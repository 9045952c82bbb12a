#!/usr/bin/env node
// `npm test`: type-check, lint, dependency boundaries, then every vitest suite (SQLite always,
// PostgreSQL when ASSAY_TEST_POSTGRES_URL is set). Ends with the line `N passed, N failed`
// counting each check as one and each vitest test as one.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'

const checks = [
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']],
  ['lint', 'npx', ['biome', 'check', '.']],
  ['boundaries', 'npx', ['depcruise', '--config', '.dependency-cruiser.cjs', 'packages', 'apps']],
]
let passed = 0
let failed = 0
for (const [name, cmd, args] of checks) {
  const started = Date.now()
  const result = spawnSync(cmd, args, { stdio: 'inherit' })
  const ok = result.status === 0
  console.log(`${ok ? '✓' : '✗'} ${name} (${Date.now() - started} ms)`)
  ok ? passed++ : failed++
}

mkdirSync('.ci/out', { recursive: true })
const report = '.ci/out/vitest.json'
rmSync(report, { force: true })
const extra = process.argv.slice(2)
const vitest = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...extra,
  ],
  {
    stdio: 'inherit',
  },
)
try {
  const json = JSON.parse(readFileSync(report, 'utf8'))
  passed += json.numPassedTests
  failed += json.numFailedTests
  // A suite that failed to load has no tests to count; count it as a failure.
  failed += json.testResults.filter(
    (r) => r.status === 'failed' && r.assertionResults.length === 0,
  ).length
  if (json.numPendingTests > 0) console.log(`(${json.numPendingTests} skipped)`)
} catch {
  console.log('vitest did not produce a report')
  failed++
}
if (vitest.status !== 0 && failed === 0) failed++
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
