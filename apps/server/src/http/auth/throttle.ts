import { isIPv4, isIPv6 } from 'node:net'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'

/*
 * Login throttling: after a key's free attempts within the window, each further attempt must
 * wait, doubling up to `maxDelayMs`. Keys name an account (`email:…`) and a client address
 * (`ip:…`). Kept in memory: it protects one server process; several processes behind a
 * balancer each throttle on their own.
 *
 * An attempt is counted when it starts (`attempt`), before the password is checked, so a burst
 * of parallel requests cannot all pass the check before the first failure is recorded.
 */
export type Throttle = {
  /**
   * Checks and counts one attempt in one step: the milliseconds the caller must still wait
   * (nothing is counted then), or 0 when the attempt may go ahead (it is counted on every key).
   */
  attempt(keys: readonly string[], nowMs: number): number
  /**
   * An attempt that succeeded: forgets the failures of the `reset` keys (the account), and takes
   * back the one attempt counted on the `refund` keys (the address, so sign-ins from a shared
   * address do not add up, while the failures made from it stay counted).
   */
  succeed(reset: readonly string[], refund?: readonly string[]): void
  /** Milliseconds the caller must still wait, 0 when an attempt is allowed now. */
  retryAfterMs(keys: readonly string[], nowMs: number): number
  /** Counts a failure after the fact (prefer `attempt`, which counts before). */
  fail(keys: readonly string[], nowMs: number): void
  /** How many reverse proxies in front of the server to believe in X-Forwarded-For (0: none). */
  readonly trustedProxies: number
}

export type ThrottleOptions = {
  /** Attempts allowed per key within the window before delays start. */
  freeAttempts?: number
  /** More free attempts for keys with these prefixes (an address is shared by many people). */
  freeAttemptsByPrefix?: Record<string, number>
  baseDelayMs?: number
  maxDelayMs?: number
  windowMs?: number
  /**
   * Reverse proxies to trust in X-Forwarded-For; from ASSAY_TRUST_PROXY (env.ts; `1` = one
   * proxy). Without it the socket's address is the client, whatever the headers say.
   */
  trustedProxies?: number
}

/** ASSAY_TRUST_PROXY: `1`/`true` for one proxy, or the number of proxies; anything else none. */
export function trustedProxiesFrom(value: string | undefined): number {
  if (value === undefined) return 0
  if (value === 'true') return 1
  return /^\d{1,2}$/.test(value) ? Number(value) : 0
}

export function createThrottle(options: ThrottleOptions = {}): Throttle {
  const free = options.freeAttempts ?? 5
  const byPrefix = Object.entries(options.freeAttemptsByPrefix ?? { 'ip:': 20 })
  const base = options.baseDelayMs ?? 1_000
  const max = options.maxDelayMs ?? 15 * 60_000
  const window = options.windowMs ?? 15 * 60_000
  const entries = new Map<string, { failures: number; last: number }>()

  const freeFor = (key: string) => byPrefix.find(([prefix]) => key.startsWith(prefix))?.[1] ?? free

  const prune = (nowMs: number) => {
    if (entries.size < 10_000) return
    for (const [key, entry] of entries) if (nowMs - entry.last > window) entries.delete(key)
  }

  const retryAfterMs = (keys: readonly string[], nowMs: number) => {
    let wait = 0
    for (const key of keys) {
      const entry = entries.get(key)
      const allowed = freeFor(key)
      if (!entry || nowMs - entry.last > window || entry.failures < allowed) continue
      const delay = Math.min(max, base * 2 ** (entry.failures - allowed))
      wait = Math.max(wait, entry.last + delay - nowMs)
    }
    return Math.max(0, wait)
  }

  const fail = (keys: readonly string[], nowMs: number) => {
    prune(nowMs)
    for (const key of keys) {
      const entry = entries.get(key)
      const fresh = !entry || nowMs - entry.last > window
      entries.set(key, { failures: fresh ? 1 : entry.failures + 1, last: nowMs })
    }
  }

  return {
    trustedProxies: options.trustedProxies ?? 0,
    attempt(keys, nowMs) {
      // No await between the check and the count: parallel requests see each other's attempts.
      const wait = retryAfterMs(keys, nowMs)
      if (wait === 0) fail(keys, nowMs)
      return wait
    },
    succeed(reset, refund = []) {
      for (const key of reset) entries.delete(key)
      for (const key of refund) {
        const entry = entries.get(key)
        if (!entry) continue
        if (entry.failures <= 1) entries.delete(key)
        else entry.failures -= 1
      }
    },
    retryAfterMs,
    fail,
  }
}

/**
 * The client's address: the socket's peer, or with `trustedProxies` set, the address the
 * nearest trusted proxy put in X-Forwarded-For (counted from the right: a client can write
 * anything on the left of that header, never on the right of what its proxies append).
 */
export function clientAddress(c: Context, trustedProxies: number): string {
  let socket: string | undefined
  try {
    socket = getConnInfo(c).remote.address
  } catch {
    // Not served by @hono/node-server (tests call the app in process): no socket.
  }
  if (trustedProxies > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
    const forwarded = hops[hops.length - trustedProxies]
    if (forwarded) return forwarded
    // Fewer hops than proxies: the leftmost is the closest to the client we know.
    if (hops[0]) return hops[0]
  }
  return socket ?? 'unknown'
}

/**
 * The key an address is throttled under. An IPv6 client usually holds a whole /64 (and can
 * pick a new address in it for every attempt), so IPv6 addresses count per /64; IPv4, and IPv4
 * mapped into IPv6 (`::ffff:192.0.2.1`), per address. Anything unparsable is its own key.
 */
export function addressKey(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)
  if (mapped) return mapped[1] as string
  if (isIPv4(bare) || !isIPv6(bare)) return address
  // Groups of 16 bits; an embedded IPv4 tail (`64:ff9b::192.0.2.1`) is two of them.
  const split = (part: string) =>
    part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g]))
  const [head = '', tail] = bare.toLowerCase().split('::')
  const left = split(head)
  const right = tail === undefined ? [] : split(tail)
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16))
  return `${prefix.join(':')}::/64`
}
