import { FAULT_KINDS, type FaultKind, type FaultProbabilities, type StubOptions } from './types.js'

/** Options after defaults; what the request handler reads. */
export interface ResolvedOptions {
  latencyMs: number
  jitterMs: number
  seed: number
  faults: Record<FaultKind, number>
  faultFor: StubOptions['faultFor']
  retryAfterSeconds: number
  maxConcurrency: number
  answer: StubOptions['answer']
  models: string[]
}

const NUMBER_KEYS = [
  'latencyMs',
  'jitterMs',
  'seed',
  'retryAfterSeconds',
  'maxConcurrency',
] as const
/** Keys POST /config accepts (functions cannot travel as JSON; the port is fixed once bound). */
const JSON_KEYS = new Set<string>([...NUMBER_KEYS, 'faults', 'models'])

export const DEFAULTS: ResolvedOptions = {
  latencyMs: 0,
  jitterMs: 0,
  seed: 1,
  faults: { error500: 0, rateLimit429: 0, malformed: 0, truncated: 0, hang: 0, reset: 0 },
  faultFor: undefined,
  retryAfterSeconds: 1,
  maxConcurrency: Number.POSITIVE_INFINITY,
  answer: undefined,
  models: ['stub-model'],
}

function checkNumber(key: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new RangeError(`${key} must be a number >= ${min}, got ${JSON.stringify(value)}`)
  }
  return value
}

function resolveFaults(faults: FaultProbabilities | undefined): Record<FaultKind, number> {
  const out = { ...DEFAULTS.faults }
  if (faults === undefined) return out
  if (typeof faults !== 'object' || faults === null) throw new TypeError('faults must be an object')
  let sum = 0
  for (const [key, value] of Object.entries(faults)) {
    if (!FAULT_KINDS.includes(key as FaultKind)) {
      throw new RangeError(`unknown fault ${key}; expected one of ${FAULT_KINDS.join(', ')}`)
    }
    if (value === undefined) continue
    const p = checkNumber(`faults.${key}`, value, 0)
    if (p > 1) throw new RangeError(`faults.${key} must be <= 1`)
    out[key as FaultKind] = p
    sum += p
  }
  if (sum > 1 + 1e-9) throw new RangeError(`fault probabilities sum to ${sum} > 1`)
  return out
}

/**
 * Applies `patch` over `base`. Top-level keys replace (so `faults` is replaced as a whole); a key
 * present with value undefined goes back to its default. Throws on invalid values.
 */
export function applyOptions(base: ResolvedOptions, patch: Partial<StubOptions>): ResolvedOptions {
  const next: ResolvedOptions = { ...base }
  const has = (key: keyof StubOptions) => Object.hasOwn(patch, key)
  for (const key of NUMBER_KEYS) {
    if (!has(key)) continue
    const value = patch[key]
    next[key] =
      value === undefined
        ? DEFAULTS[key]
        : checkNumber(key, value, key === 'maxConcurrency' ? 1 : 0)
  }
  if (has('faults')) next.faults = resolveFaults(patch.faults)
  if (has('faultFor')) next.faultFor = patch.faultFor
  if (has('answer')) next.answer = patch.answer
  if (has('models')) {
    const models = patch.models ?? DEFAULTS.models
    if (!Array.isArray(models) || !models.every((m) => typeof m === 'string')) {
      throw new TypeError('models must be an array of strings')
    }
    next.models = [...models]
  }
  return next
}

/** Validates a POST /config body; `null` values mean "back to the default". */
export function parseConfigPatch(value: unknown): Partial<StubOptions> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('config patch must be a JSON object')
  }
  const patch: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(value)) {
    if (!JSON_KEYS.has(key)) {
      throw new RangeError(
        `unknown or non-JSON option ${key}; allowed: ${[...JSON_KEYS].join(', ')}`,
      )
    }
    patch[key] = raw === null ? undefined : raw
  }
  const checked = patch as Partial<StubOptions>
  applyOptions(DEFAULTS, checked)
  return checked
}

/** The JSON-able view of the options, as GET/POST /config return it. */
export function publicOptions(options: ResolvedOptions): Record<string, unknown> {
  return {
    latencyMs: options.latencyMs,
    jitterMs: options.jitterMs,
    seed: options.seed,
    faults: options.faults,
    faultFor: options.faultFor !== undefined,
    retryAfterSeconds: options.retryAfterSeconds,
    maxConcurrency: Number.isFinite(options.maxConcurrency) ? options.maxConcurrency : null,
    answer: options.answer !== undefined,
    models: options.models,
  }
}
