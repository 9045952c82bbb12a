// CLI: runs the stub as its own process, e.g. for benchmarks.
//   node --import tsx packages/stub-llm/src/main.ts --port 4010 --latency 50

import { parseCliArgs, USAGE } from './cli-args.js'
import { startStubLlm } from './server.js'

let parsed: ReturnType<typeof parseCliArgs>
try {
  parsed = parseCliArgs(process.argv.slice(2))
} catch (error) {
  console.error(`stub-llm: ${(error as Error).message}\n\n${USAGE}`)
  process.exit(2)
}
if (parsed.help) {
  console.log(USAGE)
  process.exit(0)
}

const stub = await startStubLlm(parsed.options).catch((error: Error) => {
  console.error(`stub-llm: ${error.message}`)
  process.exit(2)
})
console.log(`stub-llm listening on ${stub.url}`)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  stub.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
