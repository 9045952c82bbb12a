import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Span, SpanFilter, SpanInput } from '../../domain/span.js'
import type { Repositories } from '../../ports/repositories.js'
import { expectCode, type MakeHarness, type RepositoriesHarness, uniqueName } from './harness.js'

let spanCounter = 0
function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0')
}

const T0 = Date.UTC(2026, 0, 10)
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()

export function describeSpanContract(make: MakeHarness): void {
  describe('SpanRepository', () => {
    let harness: RepositoriesHarness
    let repos: Repositories

    beforeAll(async () => {
      harness = await make()
      repos = harness.repos
    })
    afterAll(async () => {
      await harness?.close()
    })

    async function newProject(): Promise<string> {
      return (await repos.projects.create({ name: uniqueName('spans'), createdBy: null })).id
    }

    /** A span started `minutes` after T0; every call makes a new (trace, span) identity. */
    function span(projectId: string, minutes: number, patch: Partial<SpanInput> = {}): SpanInput {
      spanCounter += 1
      return {
        projectId,
        traceId: hex(spanCounter, 32),
        spanId: hex(spanCounter, 16),
        parentSpanId: null,
        serviceName: 'chatbot',
        spanName: 'chat gpt-4o',
        model: 'gpt-4o',
        startTime: at(minutes),
        endTime: new Date(T0 + minutes * 60_000 + 1234).toISOString(),
        latencyMs: 1234.5,
        status: 'ok',
        statusMessage: null,
        inputTokens: 12,
        outputTokens: 34,
        input: 'What is the capital of France?',
        output: 'Paris.',
        requestId: `chatcmpl-${spanCounter}`,
        receivedAt: harness.clock.isoNow(),
        ...patch,
      }
    }

    function strip(s: Span): SpanInput {
      const { id: _id, ...rest } = s
      return rest
    }

    /** Every span of a filter, page by page. */
    async function all(filter: SpanFilter, limit: number): Promise<Span[]> {
      const spans: Span[] = []
      let after: Span | undefined
      for (let pages = 0; pages < 10_000; pages++) {
        const page = await repos.spans.query(
          filter,
          after ? { limit, after: { startTime: after.startTime, id: after.id } } : { limit },
        )
        spans.push(...page.spans)
        if (!page.next) return spans
        expect(page.spans).toHaveLength(limit)
        after = page.spans[page.spans.length - 1]
        expect(page.next).toEqual({ startTime: after?.startTime, id: after?.id })
      }
      throw new Error('too many pages')
    }

    const everything = (projectId: string): SpanFilter => ({
      projectId,
      from: '2000-01-01T00:00:00.000Z',
      to: '2100-01-01T00:00:00.000Z',
    })

    it('stores spans and reads them back field for field', async () => {
      const projectId = await newProject()
      const plain = span(projectId, 0)
      const edge = span(projectId, 1, {
        parentSpanId: 'ab'.repeat(8),
        model: null,
        status: 'error',
        statusMessage: 'rate limited: 429',
        inputTokens: null,
        outputTokens: 0,
        input: `${'x'.repeat(200_000)} 😀 東京 naïve\r\n"quoted",\t𝄞`,
        output: null,
        requestId: null,
        latencyMs: 0,
        serviceName: 'service/東京',
        spanName: 'span 😀',
      })
      expect(await repos.spans.insertMany([plain, edge])).toEqual({ inserted: 2, duplicates: 0 })
      const read = await repos.spans.find(projectId, plain.traceId, plain.spanId)
      expect(read && strip(read)).toEqual(plain)
      expect(read?.id).toEqual(expect.any(String))
      const readEdge = await repos.spans.find(projectId, edge.traceId, edge.spanId)
      expect(readEdge && strip(readEdge)).toEqual(edge)
      expect(readEdge?.id).not.toBe(read?.id)
      expect(await repos.spans.find(projectId, plain.traceId, edge.spanId)).toBeUndefined()
      expect(
        await repos.spans.find(await newProject(), plain.traceId, plain.spanId),
      ).toBeUndefined()
      expect(await repos.spans.insertMany([])).toEqual({ inserted: 0, duplicates: 0 })
    })

    it('is idempotent per (project, trace id, span id): the first version stays', async () => {
      const projectId = await newProject()
      const first = span(projectId, 0, { output: 'first' })
      const other = span(projectId, 1)
      expect(await repos.spans.insertMany([first, other])).toEqual({ inserted: 2, duplicates: 0 })
      const stored = await repos.spans.find(projectId, first.traceId, first.spanId)

      const again = { ...first, output: 'second', model: 'other-model' }
      const fresh = span(projectId, 2)
      expect(await repos.spans.insertMany([again, other, fresh])).toEqual({
        inserted: 1,
        duplicates: 2,
      })
      expect(await repos.spans.find(projectId, first.traceId, first.spanId)).toEqual(stored)
      expect(await repos.spans.count(everything(projectId))).toBe(3)

      // Repeated within one batch: the first one is kept.
      const twice = span(projectId, 3, { output: 'one' })
      expect(
        await repos.spans.insertMany([twice, { ...twice, output: 'two' }, { ...twice }]),
      ).toEqual({ inserted: 1, duplicates: 2 })
      expect((await repos.spans.find(projectId, twice.traceId, twice.spanId))?.output).toBe('one')

      // The same ids in another project are another span.
      const elsewhere = await newProject()
      expect(await repos.spans.insertMany([{ ...first, projectId: elsewhere }])).toEqual({
        inserted: 1,
        duplicates: 0,
      })
      expect(await repos.spans.count(everything(elsewhere))).toBe(1)
    })

    it('stores concurrent re-sends of one batch once', async () => {
      const projectId = await newProject()
      const batch = Array.from({ length: 30 }, (_, i) => span(projectId, i))
      const outcomes = await Promise.all(
        Array.from({ length: 4 }, () => repos.spans.insertMany(batch)),
      )
      expect(outcomes.reduce((sum, o) => sum + o.inserted, 0)).toBe(30)
      expect(outcomes.every((o) => o.inserted + o.duplicates === 30)).toBe(true)
      expect(await repos.spans.count(everything(projectId))).toBe(30)
    })

    it('stores a large batch in one call', async () => {
      const projectId = await newProject()
      const batch = Array.from({ length: 1234 }, (_, i) => span(projectId, i % 600))
      expect(await repos.spans.insertMany(batch)).toEqual({ inserted: 1234, duplicates: 0 })
      expect(await repos.spans.count(everything(projectId))).toBe(1234)
    })

    it('keeps nothing of a batch with an invalid span, naming it', async () => {
      const projectId = await newProject()
      const good = span(projectId, 0)
      const cases: [Partial<SpanInput>, string][] = [
        [{ traceId: 'XYZ' }, 'traceId'],
        [{ traceId: '0'.repeat(32) }, 'traceId'],
        [{ spanId: 'ABCDEF0123456789' }, 'spanId'],
        [{ parentSpanId: '123' }, 'parentSpanId'],
        [{ startTime: '2026-01-01T00:00:00Z' }, 'startTime'],
        [{ endTime: '2026-02-30T00:00:00.000Z' }, 'endTime'],
        [{ latencyMs: -1 }, 'latencyMs'],
        [{ inputTokens: 1.5 }, 'inputTokens'],
        [{ outputTokens: 2_147_483_648 }, 'outputTokens'],
        [{ status: 'fine' as 'ok' }, 'status'],
        [{ input: 'a\u0000b' }, 'input'],
        [{ serviceName: '' }, 'serviceName'],
        [{ model: '' }, 'model'],
      ]
      for (const [patch, field] of cases) {
        const error = await expectCode(
          repos.spans.insertMany([good, span(projectId, 1, patch)]),
          'invalid_input',
        )
        expect(error.message).toContain('span 2')
        expect(error.message).toContain(field)
      }
      expect(await repos.spans.count(everything(projectId))).toBe(0)
    })

    it('keeps nothing of a batch naming a missing project', async () => {
      const projectId = await newProject()
      await expectCode(
        repos.spans.insertMany([span(projectId, 0), span('prj_missing', 1)]),
        'not_found',
      )
      expect(await repos.spans.count(everything(projectId))).toBe(0)
    })

    it('filters by time range [from, to), model and source, in start-time order', async () => {
      const projectId = await newProject()
      const spans = [
        span(projectId, 30, { model: 'gpt-4o', serviceName: 'chatbot', spanName: 'chat' }),
        span(projectId, 10, { model: 'claude', serviceName: 'chatbot', spanName: 'chat' }),
        span(projectId, 20, { model: 'gpt-4o', serviceName: 'search', spanName: 'rerank' }),
        span(projectId, 40, { model: null, serviceName: 'search', spanName: 'chatbot' }),
        span(projectId, 50, { model: 'gpt-4o-mini', serviceName: 'batch', spanName: 'chat' }),
      ]
      await repos.spans.insertMany(spans)
      await repos.spans.insertMany([span(await newProject(), 30)])
      const minutes = async (filter: Partial<SpanFilter>) => {
        const page = await repos.spans.query(
          { ...everything(projectId), ...filter },
          { limit: 100 },
        )
        const count = await repos.spans.count({ ...everything(projectId), ...filter })
        expect(count).toBe(page.spans.length)
        expect(page.next).toBeNull()
        return page.spans.map((s) => (Date.parse(s.startTime) - T0) / 60_000)
      }
      expect(await minutes({})).toEqual([10, 20, 30, 40, 50])
      expect(await minutes({ from: at(20), to: at(40) })).toEqual([20, 30])
      expect(await minutes({ from: at(20), to: at(20) })).toEqual([])
      expect(await minutes({ from: at(10.001), to: at(50.001) })).toEqual([20, 30, 40, 50])
      expect(await minutes({ model: 'gpt-4o' })).toEqual([20, 30])
      expect(await minutes({ model: 'gpt' })).toEqual([])
      expect(await minutes({ model: 'GPT-4O' })).toEqual([])
      expect(await minutes({ source: 'chatbot' })).toEqual([10, 30, 40])
      expect(await minutes({ source: 'chat' })).toEqual([10, 30, 50])
      expect(await minutes({ source: 'search' })).toEqual([20, 40])
      expect(await minutes({ source: 'chatbot', model: 'gpt-4o' })).toEqual([30])
      expect(await minutes({ source: 'search', from: at(30), to: at(60) })).toEqual([40])
      // Instants with another offset mean the same moment.
      expect(
        await minutes({ from: '2026-01-10T01:20:00+01:00', to: '2026-01-10T00:40:00.000+00:00' }),
      ).toEqual([20, 30])
    })

    it('pages with a keyset cursor, start-time ties broken by id, each span once', async () => {
      const projectId = await newProject()
      const batch = Array.from({ length: 57 }, (_, i) =>
        span(projectId, Math.floor(i / 4), { model: i % 3 === 0 ? 'a' : 'b' }),
      )
      await repos.spans.insertMany(batch)
      for (const limit of [1, 4, 7, 57, 100]) {
        const spans = await all(everything(projectId), limit)
        expect(spans).toHaveLength(57)
        expect(new Set(spans.map((s) => s.id)).size).toBe(57)
        const keys = spans.map((s) => [s.startTime, s.id] as const)
        const sorted = [...keys].sort((x, y) =>
          x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : 1,
        )
        expect(keys).toEqual(sorted)
      }
      const onlyA = await all({ ...everything(projectId), model: 'a' }, 5)
      expect(onlyA).toHaveLength(19)
      expect(onlyA.every((s) => s.model === 'a')).toBe(true)

      const first = await repos.spans.query(everything(projectId), { limit: 57 })
      expect(first.next).toBeNull()
      const last = first.spans[56]!
      const beyond = await repos.spans.query(everything(projectId), {
        limit: 10,
        after: { startTime: last.startTime, id: last.id },
      })
      expect(beyond).toEqual({ spans: [], next: null })
    })

    it('refuses an invalid filter or page', async () => {
      const projectId = await newProject()
      const filter = everything(projectId)
      await expectCode(repos.spans.query(filter, { limit: 0 }), 'invalid_input')
      await expectCode(repos.spans.query(filter, { limit: 1001 }), 'invalid_input')
      await expectCode(repos.spans.query(filter, { limit: 1.5 }), 'invalid_input')
      await expectCode(
        repos.spans.query(filter, { limit: 10, after: { startTime: 'yesterday', id: 'x' } }),
        'invalid_input',
      )
      await expectCode(
        repos.spans.query({ ...filter, from: 'last week' }, { limit: 1 }),
        'invalid_input',
      )
      await expectCode(repos.spans.count({ ...filter, to: '2026-01-01' }), 'invalid_input')
      await expectCode(repos.spans.count({ ...filter, model: '' }), 'invalid_input')
      await expectCode(repos.spans.facets(projectId, { limit: 0 }), 'invalid_input')
    })

    it('lists the distinct models and sources seen, sorted', async () => {
      const projectId = await newProject()
      expect(await repos.spans.facets(projectId)).toEqual({ models: [], sources: [] })
      await repos.spans.insertMany([
        span(projectId, 0, { model: 'gpt-4o', serviceName: 'chatbot', spanName: 'chat' }),
        span(projectId, 1, { model: 'claude', serviceName: 'chatbot', spanName: 'chat' }),
        span(projectId, 2, { model: null, serviceName: 'Search', spanName: 'chatbot' }),
        span(projectId, 3, { model: 'gpt-4o', serviceName: 'batch', spanName: 'embed' }),
        span(projectId, 90, { model: 'late', serviceName: 'later', spanName: 'chat' }),
      ])
      await repos.spans.insertMany([span(await newProject(), 0, { model: 'elsewhere' })])
      expect(await repos.spans.facets(projectId)).toEqual({
        models: ['claude', 'gpt-4o', 'late'],
        sources: ['Search', 'batch', 'chat', 'chatbot', 'embed', 'later'],
      })
      expect(await repos.spans.facets(projectId, { from: at(1), to: at(3) })).toEqual({
        models: ['claude'],
        sources: ['Search', 'chat', 'chatbot'],
      })
      expect(await repos.spans.facets(projectId, { limit: 2 })).toEqual({
        models: ['claude', 'gpt-4o'],
        sources: ['Search', 'batch'],
      })
    })

    it('deletes a project with its spans', async () => {
      const projectId = await newProject()
      const kept = await newProject()
      const gone = span(projectId, 0)
      await repos.spans.insertMany([gone, span(kept, 0)])
      await repos.projects.delete(projectId)
      expect(await repos.spans.find(projectId, gone.traceId, gone.spanId)).toBeUndefined()
      expect(await repos.spans.count(everything(projectId))).toBe(0)
      expect(await repos.spans.count(everything(kept))).toBe(1)
    })
  })
}
