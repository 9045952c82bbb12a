import { describe, expect, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'

describe('parseCliArgs', () => {
  it('maps flags to options', () => {
    const { help, options } = parseCliArgs([
      '--port',
      '0',
      '--latency',
      '50',
      '--jitter',
      '10',
      '--seed',
      '9',
      '--max-concurrency',
      '64',
      '--retry-after',
      '2',
      '--fault-500',
      '0.1',
      '--fault-hang',
      '0.05',
      '--model',
      'a',
      '--model',
      'b',
    ])
    expect(help).toBe(false)
    expect(options).toEqual({
      port: 0,
      latencyMs: 50,
      jitterMs: 10,
      seed: 9,
      maxConcurrency: 64,
      retryAfterSeconds: 2,
      faults: { error500: 0.1, hang: 0.05 },
      models: ['a', 'b'],
    })
  })

  it('defaults to port 4010 and rejects junk', () => {
    expect(parseCliArgs([]).options).toEqual({ port: 4010 })
    expect(parseCliArgs(['-h']).help).toBe(true)
    expect(() => parseCliArgs(['--latency', 'soon'])).toThrow(/latency/)
    expect(() => parseCliArgs(['--nope'])).toThrow()
  })
})
