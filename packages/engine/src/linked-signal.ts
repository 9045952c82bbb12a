/**
 * A controller aborted when any parent aborts, with listeners removed on dispose. Used instead of
 * `AbortSignal.any`, which on Node 20 kept ~130 bytes per call alive on a long-lived parent
 * (measured: +13 MB per 100,000 calls), too much for a run of a million cells.
 */
export function linkedController(parents: readonly AbortSignal[]): {
  signal: AbortSignal
  abort(reason: unknown): void
  dispose(): void
} {
  const controller = new AbortController()
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason)
  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason)
      break
    }
  }
  if (!controller.signal.aborted)
    for (const parent of parents) parent.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose() {
      for (const parent of parents) parent.removeEventListener('abort', onAbort)
    },
  }
}
