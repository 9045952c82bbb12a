// Measures stub throughput at latency 0: the stub runs as its own process (src/main.ts) and this
// process drives it over keep-alive connections, either with node:http (`--client http`, the
// client costs more CPU than the stub) or with a minimal raw-socket HTTP/1.1 client
// (`--client raw`, default), which shows what the stub itself sustains.
//   node --import tsx packages/stub-llm/bench/throughput.ts [--seconds 5] [--connections 64]

import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    client: { type: 'string', default: 'raw' },
  },
})
const client = values.client === 'http' ? 'http' : 'raw'
const seconds = Number(values.seconds)
const connections = Number(values.connections)

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
process.on('exit', () => child.kill('SIGTERM'))
const base = await new Promise<URL>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`stub exited with ${code}`)))
  child.stdout.on('data', (chunk: Buffer) => {
    const match = /listening on (\S+)/.exec(chunk.toString())
    if (match?.[1]) resolve(new URL(match[1]))
  })
})

const agent = new Agent({ keepAlive: true, maxSockets: connections })
const body = JSON.stringify({
  model: 'stub-model',
  messages: [
    { role: 'system', content: 'You are a strict judge. Answer in JSON.' },
    { role: 'user', content: 'Question: what is 2 + 2?\nAnswer: 4\nScore the answer from 1 to 5.' },
  ],
  response_format: { type: 'json_object' },
})

function viaHttp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: `${base.pathname}/chat/completions`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** One keep-alive connection sending a request, reading the response, sending the next. */
function rawConnection(): () => Promise<number> {
  const head = `POST ${base.pathname}/chat/completions HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`
  const payload = Buffer.from(head + body)
  let socket: Socket | undefined
  let buffered: Buffer = Buffer.alloc(0)
  let waiting: ((status: number) => void) | undefined
  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
    const end = buffered.indexOf('\r\n\r\n')
    if (end === -1) return
    const headers = buffered.subarray(0, end).toString('latin1')
    const length = Number(/content-length: *(\d+)/i.exec(headers)?.[1] ?? 0)
    if (buffered.length < end + 4 + length) return
    buffered = buffered.subarray(end + 4 + length)
    const done = waiting
    waiting = undefined
    done?.(Number(headers.slice(9, 12)))
  }
  return () =>
    new Promise((resolve) => {
      if (!socket) {
        socket = connect(Number(base.port), base.hostname)
        socket.setNoDelay(true)
        socket.on('data', onData)
      }
      waiting = resolve
      socket.write(payload)
    })
}

async function run(ms: number): Promise<{ ok: number; other: number }> {
  const deadline = performance.now() + ms
  let ok = 0
  let other = 0
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const send = client === 'raw' ? rawConnection() : viaHttp
      while (performance.now() < deadline) {
        if ((await send()) === 200) ok++
        else other++
      }
    }),
  )
  return { ok, other }
}

/** CPU seconds (user + system) the stub process used so far; Linux only, else NaN. */
function stubCpuSeconds(): number {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

await run(1000) // warm-up
const cpuBefore = stubCpuSeconds()
const started = performance.now()
const { ok, other } = await run(seconds * 1000)
const elapsed = (performance.now() - started) / 1000
const cpu = stubCpuSeconds() - cpuBefore
const stats = (await (await fetch(new URL('/stats?timestamps=0', base))).json()) as Record<
  string,
  unknown
>
console.log(
  `${Math.round(ok / elapsed)} req/s (${ok} ok, ${other} other in ${elapsed.toFixed(2)} s, ${connections} keep-alive ${client} connections); stub maxInFlight ${stats.maxInFlight}`,
)
if (Number.isFinite(cpu)) {
  const perRequest = (cpu / (ok + other)) * 1e6
  console.log(
    `stub CPU ${cpu.toFixed(2)} s = ${Math.round((cpu / elapsed) * 100)}% of one core, ${perRequest.toFixed(0)} µs/request -> ~${Math.round(1e6 / perRequest)} req/s per saturated core`,
  )
}
agent.destroy()
child.kill('SIGTERM')
