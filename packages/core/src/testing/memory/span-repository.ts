import {
  checkSpanPage,
  facetLimit,
  normalizeInstant,
  normalizeSpanFilter,
  type Span,
  type SpanInput,
  SpanInputSchema,
  spanMatches,
} from '../../domain/span.js'
import { AssayError } from '../../errors.js'
import type { SpanRepository } from '../../ports/span-repository.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { compareText, parseInput, requireProject } from './checks.js'

function keyOf(projectId: string, traceId: string, spanId: string): string {
  return `${projectId}\u0000${traceId}\u0000${spanId}`
}

/** Start time, then id: the order every adapter returns spans in. */
function byStart(a: Span, b: Span): number {
  return compareText(a.startTime, b.startTime) || compareText(a.id, b.id)
}

/** Checks a batch of spans the way the SQL adapter does, naming the first bad one. */
export function parseSpans(spans: readonly SpanInput[]): SpanInput[] {
  if (!Array.isArray(spans)) throw new AssayError('invalid_input', 'spans must be an array')
  return spans.map((span, i) => parseInput(SpanInputSchema, span, `span ${i + 1}`))
}

/** The in-memory SpanRepository: a batch is checked whole, then written in one step. */
export function createMemorySpanRepository(state: MemoryState, deps: MemoryDeps): SpanRepository {
  return {
    async insertMany(spans) {
      const parsed = parseSpans(spans)
      for (const projectId of new Set(parsed.map((s) => s.projectId))) {
        requireProject(state, projectId)
      }
      // Commit: nothing below awaits, so a batch is all or nothing.
      let inserted = 0
      for (const span of parsed) {
        const key = keyOf(span.projectId, span.traceId, span.spanId)
        if (state.spans.has(key)) continue
        state.spans.set(key, { ...span, id: deps.ids.next('spn') })
        inserted += 1
      }
      return { inserted, duplicates: parsed.length - inserted }
    },

    async find(projectId, traceId, spanId) {
      const span = state.spans.get(keyOf(projectId, traceId, spanId))
      return span ? { ...span } : undefined
    },

    async query(filter, page) {
      const normalized = normalizeSpanFilter(filter)
      checkSpanPage(page.limit, page.after)
      const after = page.after
      const matching = [...state.spans.values()]
        .filter((span) => spanMatches(span, normalized))
        .filter(
          (span) =>
            after === undefined ||
            compareText(span.startTime, after.startTime) > 0 ||
            (span.startTime === after.startTime && compareText(span.id, after.id) > 0),
        )
        .sort(byStart)
      const spans = matching.slice(0, page.limit).map((span) => ({ ...span }))
      const last = spans[spans.length - 1]
      const next =
        matching.length > page.limit && last ? { startTime: last.startTime, id: last.id } : null
      return { spans, next }
    },

    async count(filter) {
      const normalized = normalizeSpanFilter(filter)
      let n = 0
      for (const span of state.spans.values()) if (spanMatches(span, normalized)) n += 1
      return n
    },

    async facets(projectId, options = {}) {
      const from = options.from === undefined ? undefined : normalizeInstant(options.from, 'from')
      const to = options.to === undefined ? undefined : normalizeInstant(options.to, 'to')
      const limit = facetLimit(options.limit)
      const models = new Set<string>()
      const sources = new Set<string>()
      for (const span of state.spans.values()) {
        if (span.projectId !== projectId) continue
        if (from !== undefined && span.startTime < from) continue
        if (to !== undefined && span.startTime >= to) continue
        if (span.model !== null) models.add(span.model)
        sources.add(span.serviceName)
        sources.add(span.spanName)
      }
      return {
        models: [...models].sort(compareText).slice(0, limit),
        sources: [...sources].sort(compareText).slice(0, limit),
      }
    },
  }
}
