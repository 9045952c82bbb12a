#!/usr/bin/env node
// `npm test`: type-check, lint, dependency boundaries, then every vitest suite (SQLite always,
// PostgreSQL when ASSAY_TEST_POSTGRES_URL is set). Ends with the line `N passed, N failed`
// counting each check as one and each vitest test as one.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'

const checks = [
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']],
  ['typecheck web', 'npx', ['tsc', '-p', 'apps/web/tsconfig.json']],
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
const extra = process.argv.slice(2)

/** Runs vitest with a JSON report and adds its counts to the totals. */
function vitestSuite(report, args) {
  rmSync(report, { force: true })
  const vitest = spawnSync(
    'npx',
    [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      // Absolute: a config with its own root (the e2e one) would resolve it elsewhere.
      `--outputFile.json=${resolve(report)}`,
      ...args,
    ],
    { stdio: 'inherit' },
  )
  let suiteFailed = 0
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'))
    passed += json.numPassedTests
    suiteFailed += json.numFailedTests
    // A suite that failed to load has no tests to count; count it as a failure.
    suiteFailed += json.testResults.filter(
      (r) => r.status === 'failed' && r.assertionResults.length === 0,
    ).length
    if (json.numPendingTests > 0) console.log(`(${json.numPendingTests} skipped)`)
  } catch {
    console.log('vitest did not produce a report')
    suiteFailed++
  }
  if (vitest.status !== 0 && suiteFailed === 0) suiteFailed++
  failed += suiteFailed
}

vitestSuite('.ci/out/vitest.json', extra)

// End-to-end journeys: the real server, the stub model server and Chromium (apps/web/e2e).
const chromium = process.env.ASSAY_CHROMIUM ?? '/usr/bin/chromium'
if (extra.length > 0) {
  // A filtered run (`npm test -- some/file`) is about the unit suites only.
} else if (existsSync(chromium)) {
  vitestSuite('.ci/out/vitest-e2e.json', ['--config', 'apps/web/vitest.e2e.config.ts'])
} else {
  console.log(`end-to-end tests not run: no Chromium at ${chromium} (.ci/run installs it)`)
}
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
