import type { Writable } from 'node:stream'

/** Where a command writes; tests pass their own to capture output. */
export type Io = {
  out(text: string): void
  err(text: string): void
  /** Redraws the progress line (stderr). */
  progress(line: string): void
  /** Ends the progress line. */
  progressDone(): void
  isTty: boolean
  /** Registers a Ctrl+C handler; returns its removal. */
  onInterrupt(handler: () => void): () => void
  /** Leaves at once (a second Ctrl+C). */
  exit(code: number): void
  /** The stream export writes to when no --out is given. */
  stdout: Writable
  env: Record<string, string | undefined>
  cwd: string
}

export function processIo(): Io {
  const tty = Boolean(process.stderr.isTTY)
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    progress: (line) => {
      if (tty) process.stderr.write(`\r\u001b[2K${line}`)
      else process.stderr.write(`${line}\n`)
    },
    progressDone: () => {
      if (tty) process.stderr.write('\n')
    },
    isTty: tty,
    onInterrupt(handler) {
      process.on('SIGINT', handler)
      return () => process.off('SIGINT', handler)
    },
    exit: (code) => process.exit(code),
    stdout: process.stdout,
    env: process.env,
    cwd: process.cwd(),
  }
}
