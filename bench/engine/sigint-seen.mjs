// Preloaded into the CLI by the stop benchmark (`--import`, before the CLI's own modules): the
// first SIGINT listener, so it records when JavaScript first sees the signal, on the clock of the
// stub's timestamps. What the CLI does on SIGINT is unchanged (its own listener runs next).
process.on('SIGINT', () => {
  process.stderr.write(`\nBENCH_SIGINT_SEEN_AT=${performance.timeOrigin + performance.now()}\n`)
})
