/** A parsed server-sent event, for tests and the load benchmark. */
export type SseEvent = { id: string | null; event: string; data: string }

/** Reads SSE events from a response body until `until` returns true or the stream ends. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  until: (event: SseEvent, all: SseEvent[]) => boolean,
  timeoutMs = 15_000,
): Promise<SseEvent[]> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const events: SseEvent[] = []
  let buffer = ''
  const timer = setTimeout(() => void reader.cancel('timeout'), timeoutMs)
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return events
      buffer += decoder.decode(value, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf('\n\n')
        let id: string | null = null
        let event = 'message'
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) id = line.slice(3).trim()
          else if (line.startsWith('event:')) event = line.slice(6).trim()
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
        }
        if (data.length === 0) continue
        const parsed = { id, event, data: data.join('\n') }
        events.push(parsed)
        if (until(parsed, events)) {
          await reader.cancel()
          return events
        }
      }
    }
  } finally {
    clearTimeout(timer)
  }
}
