// Preloaded into a benchmarked child process: reports its peak RSS on exit, on stderr.
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`)
})
