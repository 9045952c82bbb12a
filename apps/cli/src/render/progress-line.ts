import type { RunProgress } from '@assay/engine'

const WIDTH = 24

/** One line of progress: bar, rows, cells, errors, tokens, cost, elapsed, throughput, backoff. */
export function progressLine(p: RunProgress, now: number): string {
  const finished = p.cells.done + p.cells.error
  const ratio = p.cells.total === 0 ? 1 : Math.min(1, finished / p.cells.total)
  const filled = Math.round(ratio * WIDTH)
  const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`
  const parts = [
    `${bar} ${Math.floor(ratio * 100)}%`,
    `rows ${p.rows.processed}/${p.rows.total}`,
    `cells ${finished}/${p.cells.total}`,
  ]
  if (p.cells.error > 0) parts.push(`${p.cells.error} errors`)
  if (p.cells.cached > 0) parts.push(`${p.cells.cached} cached`)
  parts.push(`tokens ${compact(p.tokens.input)} in / ${compact(p.tokens.output)} out`)
  parts.push(p.cost === null ? 'cost unknown' : `cost ${p.cost.toFixed(4)}`)
  parts.push(duration(p.elapsedMs))
  parts.push(`${p.cellsPerSecond.toFixed(1)} cells/s`)
  const paused = p.backoff.filter((b) => b.pausedUntil !== null && b.pausedUntil > now)
  if (paused.length > 0) {
    parts.push(
      `backoff: ${paused.map((b) => `${b.connectionName} ${(((b.pausedUntil ?? now) - now) / 1000).toFixed(1)}s`).join(', ')}`,
    )
  }
  return parts.join(' · ')
}

export function compact(n: number): string {
  if (n < 1000) return String(n)
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`
  return `${(n / 1_000_000).toFixed(2)}M`
}

export function duration(ms: number): string {
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)}s`
  const m = Math.floor(s / 60)
  return `${m}m${Math.floor(s % 60)
    .toString()
    .padStart(2, '0')}s`
}
