import { parseArgs } from 'node:util'
import type { FaultProbabilities, StubOptions } from './types.js'

export const USAGE = `Usage: node --import tsx packages/stub-llm/src/main.ts [options]

  --port N               port to listen on (default 4010; 0 = any free port)
  --host H               interface (default 127.0.0.1)
  --latency MS           delay before each answer (default 0)
  --jitter MS            uniform ± jitter on the latency (default 0)
  --seed N               PRNG seed for jitter and random faults (default 1)
  --max-concurrency N    requests in flight beyond N get 429 (default unlimited)
  --retry-after S        Retry-After seconds on 429 answers (default 1)
  --fault-500 P          probability of a 500 (likewise --fault-429, --fault-malformed,
                         --fault-truncated, --fault-hang, --fault-reset)
  --model ID             model id listed by /v1/models (repeatable)
  -h, --help             this text

Prints "stub-llm listening on http://HOST:PORT/v1" once ready; SIGINT/SIGTERM close it.`

const FAULT_FLAGS = {
  'fault-500': 'error500',
  'fault-429': 'rateLimit429',
  'fault-malformed': 'malformed',
  'fault-truncated': 'truncated',
  'fault-hang': 'hang',
  'fault-reset': 'reset',
} as const

function toNumber(flag: string, value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n))
    throw new TypeError(`--${flag} expects a number, got "${value}"`)
  return n
}

/** Parses CLI flags into stub options; `help` is true when usage was asked for. */
export function parseCliArgs(argv: string[]): { help: boolean; options: StubOptions } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      seed: { type: 'string' },
      'max-concurrency': { type: 'string' },
      'retry-after': { type: 'string' },
      'fault-500': { type: 'string' },
      'fault-429': { type: 'string' },
      'fault-malformed': { type: 'string' },
      'fault-truncated': { type: 'string' },
      'fault-hang': { type: 'string' },
      'fault-reset': { type: 'string' },
      model: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const options: StubOptions = { port: 4010 }
  if (values.port !== undefined) options.port = toNumber('port', values.port)
  if (values.host !== undefined) options.host = values.host
  if (values.latency !== undefined) options.latencyMs = toNumber('latency', values.latency)
  if (values.jitter !== undefined) options.jitterMs = toNumber('jitter', values.jitter)
  if (values.seed !== undefined) options.seed = toNumber('seed', values.seed)
  if (values['max-concurrency'] !== undefined) {
    options.maxConcurrency = toNumber('max-concurrency', values['max-concurrency'])
  }
  if (values['retry-after'] !== undefined) {
    options.retryAfterSeconds = toNumber('retry-after', values['retry-after'])
  }
  const faults: FaultProbabilities = {}
  for (const [flag, kind] of Object.entries(FAULT_FLAGS)) {
    const value = values[flag as keyof typeof FAULT_FLAGS]
    if (value !== undefined) faults[kind] = toNumber(flag, value)
  }
  if (Object.keys(faults).length > 0) options.faults = faults
  if (values.model !== undefined) options.models = values.model
  return { help: values.help === true, options }
}
