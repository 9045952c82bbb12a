/**
 * How long the provider asked us to wait, from `retry-after-ms` (milliseconds) or `Retry-After`
 * (seconds, or an HTTP date). Null when absent or unreadable; never negative.
 */
export function parseRetryAfterMs(
  headers: Record<string, string> | undefined,
  now: number = Date.now(),
): number | null {
  if (!headers) return null
  const ms = headerValue(headers, 'retry-after-ms')
  if (ms !== undefined) {
    const value = Number(ms)
    if (ms.trim() !== '' && Number.isFinite(value) && value >= 0) return Math.round(value)
  }
  const after = headerValue(headers, 'retry-after')
  if (after === undefined || after.trim() === '') return null
  const seconds = Number(after)
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : null
  const date = Date.parse(after)
  if (Number.isNaN(date)) return null
  return Math.max(0, date - now)
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const direct = headers[name]
  if (direct !== undefined) return direct
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value
  }
  return undefined
}
