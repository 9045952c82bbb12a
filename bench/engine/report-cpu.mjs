// Preloaded into the CLI by the engine benchmarks: reports the process's CPU time on exit (user +
// system, microseconds), on stderr, so a run can be told CPU-bound (CPU ≈ wall) or waiting.
process.on('exit', () => {
  const { userCPUTime, systemCPUTime } = process.resourceUsage()
  process.stderr.write(`\nBENCH_CPU_US=${userCPUTime + systemCPUTime}\n`)
})
