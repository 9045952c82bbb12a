// bench/import: imports generated 100k- and 1M-row CSVs into a fresh SQLite database through
// the real CLI (`assay import --json`) and records rows/s and the CLI process's peak RSS.
// Usage: node bench/import/run.mjs [rows ...]   (default: 100000 1000000)
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { generateCsv } from './generate.mjs'

const sizes = process.argv.slice(2).map(Number)
const dataDir = 'bench/data'
mkdirSync(dataDir, { recursive: true })
const results = []
for (const rows of sizes.length ? sizes : [100_000, 1_000_000]) {
  const csv = join(dataDir, `import-${rows}.csv`)
  if (!existsSync(csv)) {
    process.stderr.write(`generating ${csv}…\n`)
    await generateCsv(csv, rows)
  }
  const dbDir = join(dataDir, `db-${rows}`)
  rmSync(dbDir, { recursive: true, force: true })
  const started = process.hrtime.bigint()
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      './bench/lib/report-rss.mjs',
      'apps/cli/bin/assay.js',
      'import',
      csv,
      '--project',
      'bench',
      '--evaluation',
      `rows-${rows}`,
      '--json',
    ],
    {
      env: { ...process.env, ASSAY_DATABASE_URL: join(dbDir, 'assay.db') },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (child.status !== 0) {
    process.stderr.write(child.stderr)
    throw new Error(`import of ${csv} failed with exit code ${child.status}`)
  }
  const imported = JSON.parse(child.stdout.trim().split('\n').pop()).rows
  const rssKb = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(child.stderr)?.[1])
  const mb = statSync(csv).size / 1e6
  results.push({
    rows: imported,
    fileMB: Math.round(mb),
    seconds: +seconds.toFixed(2),
    rowsPerSec: Math.round(imported / seconds),
    peakRssMB: Math.round(rssKb / 1024),
  })
  rmSync(dbDir, { recursive: true, force: true })
}
console.table(results)
console.log(JSON.stringify(results))
