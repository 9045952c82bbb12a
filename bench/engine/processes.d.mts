import type { ChildProcess } from 'node:child_process'

export const ROOT: string
export const HOST: string
export function now(): number
export function track<T extends ChildProcess>(child: T): T
export function killAll(): void

export type StubStats = {
  requestsStarted: number
  requestsFinished: number
  requestsFailed: number
  requestsAborted: number
  maxInFlight: number
  inFlight: number
  tokensBilled: { prompt: number; completion: number }
  byFault: Record<string, number>
  startedAt: number[]
  finishedAt: number[]
}

export type StubProcess = {
  url: string
  proc: ChildProcess
  stats(timestamps?: boolean): Promise<StubStats>
  reset(): Promise<void>
  close(): Promise<void>
}

export function startStub(options?: {
  latencyMs?: number
  seed?: number
  faults?: Record<string, number>
  retryAfterS?: number
  /** Node options for the stub process (e.g. `--cpu-prof`). */
  nodeArgs?: string[]
}): Promise<StubProcess>
