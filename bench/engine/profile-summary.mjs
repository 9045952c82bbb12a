// Summarises a V8 .cpuprofile of the CLI (from `node --cpu-prof`, e.g. BENCH_CPU_PROF_DIR=DIR
// node bench/engine/run.mjs overhead): CPU time by layer, then the functions with the most self
// time, as % of all samples. Frames of the esbuild bundle (apps/cli/dist/assay.mjs) are mapped
// back to their source files through the bundle's `// path/to/file.ts` markers, so pass the
// bundle the profile was taken with (the benchmark copies it next to the profiles).
// Usage: node bench/engine/profile-summary.mjs FILE.cpuprofile [--bundle assay.mjs] [--top 30]
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { bundle: { type: 'string' }, top: { type: 'string', default: '30' } },
})
const file = positionals[0]
if (!file) {
  console.error(
    'usage: node bench/engine/profile-summary.mjs FILE.cpuprofile [--bundle FILE] [--top N]',
  )
  process.exit(2)
}
const top = Number(values.top)
const bundlePath =
  values.bundle ?? [join(dirname(file), 'assay.mjs'), 'apps/cli/dist/assay.mjs'].find(existsSync)

// Bundle line (0-based) → source file, from esbuild's `// packages/x/src/y.ts` markers.
const markers = []
if (bundlePath) {
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /^\/\/ ((?:packages|apps)\/\S+\.ts)$/.exec(line)
      if (m) markers.push([i, m[1]])
    })
}
function sourceOf(line) {
  let lo = 0
  let hi = markers.length - 1
  let found = null
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (markers[mid][0] <= line) {
      found = markers[mid][1]
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

const profile = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const total = profile.samples.length

/** Where a frame's code lives: a source file of ours, a package, a Node internal, or native. */
function whereOf(frame) {
  const url = frame.url
  if (!url) return frame.functionName ? `(${frame.functionName})` : '(native)'
  if (url.endsWith('/assay.mjs')) return sourceOf(frame.lineNumber) ?? 'apps/cli/dist/assay.mjs'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return `npm:${pkg[1]}`
  if (url.startsWith('node:')) return url
  return url.replace(/^file:\/\/.*?\/(packages|apps)\//, '$1/')
}

/** The layer a frame belongs to; null for code that only serves its caller (Node internals, zod…). */
function ownerLayer(where) {
  if (
    where.startsWith('packages/storage/') ||
    where === 'npm:kysely' ||
    where === 'npm:better-sqlite3'
  )
    return 'storage (Kysely + better-sqlite3 + repositories)'
  if (where === 'npm:ai' || where.startsWith('npm:@ai-sdk/')) return 'AI SDK (ai, @ai-sdk/*)'
  if (where.startsWith('packages/providers/')) return 'providers (packages/providers)'
  if (where.startsWith('packages/engine/src/judges/')) return 'engine: judges (prompt, parse)'
  if (where.startsWith('packages/engine/src/scheduler/')) return 'engine: scheduler'
  if (where.startsWith('packages/engine/')) return 'engine: run loop, cells, model-caller'
  if (where.startsWith('packages/core/')) return 'core'
  if (where.startsWith('apps/server/')) return 'server (evaluation file, summary)'
  if (where.startsWith('apps/cli/')) return 'cli'
  return null
}

/** For a sample no owner claims: what its leaf is. */
function leafLayer(where) {
  if (where === '(garbage collector)') return 'GC'
  if (where === '(idle)') return 'idle'
  if (
    where.includes('undici') ||
    where.includes('webstreams') ||
    where === '(writev)' ||
    where.startsWith('node:net') ||
    where.includes('stream')
  )
    return 'HTTP client (undici, streams, sockets)'
  if (where.startsWith('node:internal/modules') || where === '(compileSourceTextModule)')
    return 'module loading'
  if (where === 'npm:zod') return 'zod (unattributed)'
  if (where.startsWith('node:') || where.startsWith('(')) return `node/native: ${where}`
  return where
}

const layers = new Map()
const self = new Map()
for (const id of profile.samples) {
  const leaf = nodes.get(id)
  const leafWhere = whereOf(leaf.callFrame)
  const key = `${leaf.callFrame.functionName || '(anonymous)'}  ${leafWhere}${leaf.callFrame.url ? `:${leaf.callFrame.lineNumber + 1}` : ''}`
  self.set(key, (self.get(key) ?? 0) + 1)
  let layer = null
  for (let at = id; at !== undefined && layer === null; at = parent.get(at)) {
    layer = ownerLayer(whereOf(nodes.get(at).callFrame))
  }
  layer ??= leafLayer(leafWhere)
  layers.set(layer, (layers.get(layer) ?? 0) + 1)
}

const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`
console.log(
  `${file}: ${total} samples over ${((profile.endTime - profile.startTime) / 1000).toFixed(0)} ms (bundle map: ${bundlePath ?? 'none'})`,
)
console.log(
  '\nCPU by layer (a sample goes to the innermost frame of ours or of a library we call; async work resumed from the microtask queue is charged to the function that resumed)',
)
for (const [k, n] of [...layers].sort((a, b) => b[1] - a[1])) console.log(`${pct(n)}  ${k}`)
console.log('\nself time')
for (const [k, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(n)}  ${k}`)
