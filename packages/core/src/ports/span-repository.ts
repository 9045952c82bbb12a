import type { Span, SpanCursor, SpanFilter, SpanInput } from '../domain/span.js'

/** What one `insertMany` did: spans stored, and spans already stored (or repeated) left alone. */
export type SpanInsertOutcome = { inserted: number; duplicates: number }

/** One page of a span query, in start-time order; `next` is null on the last page. */
export type SpanPage = { spans: Span[]; next: SpanCursor | null }

/** What the import dialog's pickers offer: models and sources (service or span names) seen. */
export type SpanFacets = { models: string[]; sources: string[] }

/**
 * Production spans (OTLP traces carrying GenAI attributes), per project. A span is identified by
 * (projectId, traceId, spanId): storing it again changes nothing, so an exporter's retry is
 * harmless. Deleting a project deletes its spans.
 */
export interface SpanRepository {
  /**
   * Stores the spans in one transaction, all or nothing: an invalid span is `invalid_input`
   * (naming its position and field) and a missing project `not_found`, and then none is kept.
   * A span whose (projectId, traceId, spanId) is already stored, or repeated in `spans`, keeps
   * the first version and counts as a duplicate.
   */
  insertMany(spans: readonly SpanInput[]): Promise<SpanInsertOutcome>
  /** One stored span by its OTLP identity, or undefined. */
  find(projectId: string, traceId: string, spanId: string): Promise<Span | undefined>
  /**
   * Spans matching the filter, ordered by start time then id, at most `limit` (1 to 1000),
   * after the cursor (keyset pagination: pages stay fast however deep).
   */
  query(filter: SpanFilter, page: { limit: number; after?: SpanCursor }): Promise<SpanPage>
  /** How many spans match the filter. */
  count(filter: SpanFilter): Promise<number>
  /**
   * Distinct models and sources of a project's spans (optionally those started in [from, to)),
   * each sorted in code point order, at most `limit` of each (default 1000).
   */
  facets(
    projectId: string,
    options?: { from?: string; to?: string; limit?: number },
  ): Promise<SpanFacets>
}
