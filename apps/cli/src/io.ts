import type { Writable } from 'node:stream'

/** Where a command writes; tests pass their own to capture output. */
export type Io = {
  out(text: string): void
  err(text: string): void
  /** The stream export writes to when no --out is given. */
  stdout: Writable
  env: Record<string, string | undefined>
  cwd: string
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stdout: process.stdout,
    env: process.env,
    cwd: process.cwd(),
  }
}
