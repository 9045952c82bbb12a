// Preloaded into the CLI by the engine benchmarks (`--import`): watches the process's own HTTP
// requests through diagnostics_channel — Assay's direct model client
// (`assay:http1:request:sent`), node:http (`http.client.request.start`, published when the
// request is sent) and undici/fetch (`undici:client:sendHeaders`) — and reports on exit, on
// stderr, how many were sent, the most in flight at once (sent, not yet answered or failed) and,
// with BENCH_CLIENT_SENT_FILE set, every send time (on the stub's clock:
// performance.timeOrigin + now()) to that file, one a line. The stop benchmark compares those
// with the moment the CLI's JavaScript saw the SIGINT: requests a stub receives later may have
// been sent before, and only the client knows when it sent them.
import dc from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'

const file = process.env.BENCH_CLIENT_SENT_FILE
const sentAt = []
let sent = 0
let inFlight = 0
let maxInFlight = 0
const open = new WeakSet()

function start(key) {
  sent++
  if (file) sentAt.push(performance.timeOrigin + performance.now())
  open.add(key)
  inFlight++
  if (inFlight > maxInFlight) maxInFlight = inFlight
}
function end(key) {
  if (!open.has(key)) return
  open.delete(key)
  inFlight--
}

dc.subscribe('assay:http1:request:sent', (message) => start(message))
dc.subscribe('assay:http1:request:ended', (message) => end(message))
dc.subscribe('http.client.request.start', ({ request }) => {
  start(request)
  request.once('close', () => end(request))
})
dc.subscribe('undici:client:sendHeaders', ({ request }) => start(request))
dc.subscribe('undici:request:trailers', ({ request }) => end(request))
dc.subscribe('undici:request:error', ({ request }) => end(request))

process.on('exit', () => {
  if (file) writeFileSync(file, sentAt.map((t) => t.toFixed(3)).join('\n'))
  process.stderr.write(`\nBENCH_CLIENT_SENT=${sent} BENCH_CLIENT_MAX_IN_FLIGHT=${maxInFlight}\n`)
})
