import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { AssayError, type Repositories, type SpanInput } from '@assay/core'
import {
  createFixedClock,
  createMemoryRepositories,
  createPlainSecretBox,
  createSeqIds,
} from '@assay/core/testing'
import { createSqlRepositories, migrateToLatest, openDatabase } from '@assay/storage'
import { createPostgresTestDatabase, TEST_POSTGRES_URL } from '@assay/storage/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { receiveTraces } from '../otlp/receive-traces.js'
import { resolveDateRange } from './date-range.js'
import {
  importProductionData,
  type ProductionColumn,
  previewProductionData,
  productionHeader,
} from './import-production-data.js'

const NOW = Date.UTC(2026, 2, 31, 12)
const minutesAgo = (m: number) => new Date(NOW - m * 60_000).toISOString()

type Made = { repos: Repositories; close(): Promise<void> }

async function makeSql(url: string, drop: () => Promise<void> = async () => {}): Promise<Made> {
  const opened = openDatabase(url)
  await migrateToLatest(opened.db, opened.dialect)
  const repos = createSqlRepositories({
    db: opened.db,
    dialect: opened.dialect,
    ids: createSeqIds(),
    clock: createFixedClock(NOW),
    secretBox: createPlainSecretBox(),
  })
  return {
    repos,
    async close() {
      await opened.close()
      await drop()
    },
  }
}

const adapters: [string, () => Promise<Made>][] = [
  [
    'memory',
    async () => ({
      repos: createMemoryRepositories({
        ids: createSeqIds(),
        clock: createFixedClock(NOW),
        secretBox: createPlainSecretBox(),
      }),
      close: async () => {},
    }),
  ],
  ['sqlite', () => makeSql(':memory:')],
]
const pgUrl = TEST_POSTGRES_URL
if (pgUrl) {
  adapters.push([
    'postgres',
    async () => {
      const created = await createPostgresTestDatabase(pgUrl)
      return makeSql(created.url, created.drop)
    },
  ])
}

let n = 0
function span(projectId: string, minutes: number, patch: Partial<SpanInput> = {}): SpanInput {
  n += 1
  const start = NOW - minutes * 60_000
  return {
    projectId,
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    parentSpanId: null,
    serviceName: 'support-bot',
    spanName: 'chat',
    model: 'gpt-4o',
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 812).toISOString(),
    latencyMs: 812.4,
    status: 'ok',
    statusMessage: null,
    inputTokens: 10 + n,
    outputTokens: 5,
    input: `question ${minutes}`,
    output: `answer ${minutes}`,
    requestId: `req-${n}`,
    receivedAt: new Date(NOW).toISOString(),
    ...patch,
  }
}

async function refusal(promise: Promise<unknown>, code: string): Promise<AssayError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AssayError)
    expect((error as AssayError).code).toBe(code)
    return error as AssayError
  }
  throw new Error('expected a refusal')
}

describe('productionHeader', () => {
  it('is input and output, then the chosen columns in a fixed order', () => {
    expect(productionHeader()).toEqual(['input', 'output'])
    expect(productionHeader(['status', 'requestId', 'latencyMs'])).toEqual([
      'input',
      'output',
      'request_id',
      'latency_ms',
      'status',
    ])
    expect(() => productionHeader(['cost' as ProductionColumn])).toThrow(/unknown column "cost"/)
  })
})

for (const [adapter, make] of adapters) {
  describe(`production data on ${adapter}`, () => {
    let made: Made
    let repos: Repositories
    let projectId: string
    let otherProject: string

    beforeAll(async () => {
      made = await make()
      repos = made.repos
      projectId = (await repos.projects.create({ name: 'prod', createdBy: null })).id
      otherProject = (await repos.projects.create({ name: 'other', createdBy: null })).id
      await repos.spans.insertMany([
        // 15 gpt-4o chat spans in the last day, one every 10 minutes (10 … 150 minutes ago).
        ...Array.from({ length: 15 }, (_, i) => span(projectId, (i + 1) * 10)),
        span(projectId, 5, {
          model: 'claude-sonnet-4',
          serviceName: 'search',
          spanName: 'rerank',
          status: 'error',
          output: null,
          inputTokens: null,
          requestId: null,
          latencyMs: 1999.5,
        }),
        span(projectId, 3 * 24 * 60, { input: 'three days ago', serviceName: 'batch' }),
        span(projectId, 45 * 24 * 60, { input: 'forty-five days ago' }),
        span(projectId, 120 * 24 * 60, { input: 'four months ago' }),
        span(otherProject, 1, { input: 'another project' }),
      ])
    })
    afterAll(async () => {
      await made?.close()
    })

    const range = (preset: Parameters<typeof resolveDateRange>[0]['preset']) =>
      resolveDateRange({ preset }, NOW)

    async function newEvaluation(name: string, project = projectId) {
      return repos.evaluations.create({ projectId: project, name, createdBy: null })
    }

    it('previews the first 10 rows, oldest first, with the total (default 30 days)', async () => {
      const preview = await previewProductionData(repos, { projectId, ...range(undefined) })
      expect(preview.total).toBe(17)
      expect(preview.columns).toEqual(['input', 'output'])
      expect(preview.rows).toHaveLength(10)
      expect(preview.rows[0]).toEqual(['three days ago', 'answer 4320'])
      expect(preview.rows[1]).toEqual(['question 150', 'answer 150'])
    })

    it('filters by preset, model and source', async () => {
      const count = async (filter: Partial<Parameters<typeof previewProductionData>[1]>) =>
        (await previewProductionData(repos, { projectId, ...range(undefined), ...filter })).total
      expect(await count(range('last_24_hours'))).toBe(16)
      expect(await count(range('last_7_days'))).toBe(17)
      expect(await count(range('last_90_days'))).toBe(18)
      expect(await count({ model: 'gpt-4o' })).toBe(16)
      expect(await count({ model: 'claude-sonnet-4' })).toBe(1)
      expect(await count({ source: 'search' })).toBe(1)
      expect(await count({ source: 'rerank' })).toBe(1)
      expect(await count({ source: 'batch' })).toBe(1)
      expect(await count({ source: 'chat' })).toBe(16)
      expect(await count({ source: 'chat', ...range('last_24_hours') })).toBe(15)
      expect(
        await count(
          resolveDateRange({ preset: 'custom', from: minutesAgo(30), to: minutesAgo(10) }, NOW),
        ),
      ).toBe(2)
    })

    it('shows the optional columns chosen', async () => {
      const preview = await previewProductionData(repos, {
        projectId,
        ...range('last_24_hours'),
        source: 'search',
        columns: ['status', 'latencyMs', 'outputTokens', 'inputTokens', 'requestId'],
      })
      expect(preview).toEqual({
        columns: [
          'input',
          'output',
          'request_id',
          'input_tokens',
          'output_tokens',
          'latency_ms',
          'status',
        ],
        rows: [['question 5', '', '', '', '5', '2000', 'error']],
        total: 1,
      })
    })

    it('imports every matching span, all columns, in start-time order', async () => {
      const evaluation = await newEvaluation('from production')
      const outcome = await importProductionData(repos, {
        evaluationId: evaluation.id,
        projectId,
        model: 'gpt-4o',
        ...range(undefined),
        columns: ['requestId', 'inputTokens', 'latencyMs'],
      })
      expect(outcome).toEqual({
        evaluationId: evaluation.id,
        rows: 16,
        columns: ['input', 'output', 'request_id', 'input_tokens', 'latency_ms'],
      })
      const rows = await repos.rows.list(evaluation.id, { limit: 100 })
      expect(rows.map((r) => r.values[0])).toEqual([
        'three days ago',
        ...Array.from({ length: 15 }, (_, i) => `question ${(15 - i) * 10}`),
      ])
      expect(rows[1]?.values).toEqual([
        'question 150',
        'answer 150',
        expect.stringMatching(/^req-\d+$/),
        expect.stringMatching(/^\d+$/),
        '812',
      ])
      const columns = await repos.columns.list(evaluation.id)
      expect(columns.map((c) => [c.name, c.config.kind])).toEqual([
        ['input', 'data'],
        ['output', 'data'],
        ['request_id', 'data'],
        ['input_tokens', 'data'],
        ['latency_ms', 'data'],
      ])

      // A second import with the same columns appends.
      const again = await importProductionData(repos, {
        evaluationId: evaluation.id,
        projectId,
        model: 'claude-sonnet-4',
        ...range(undefined),
        columns: ['latencyMs', 'requestId', 'inputTokens'],
      })
      expect(again.rows).toBe(1)
      expect(await repos.rows.count(evaluation.id)).toBe(17)
    })

    it('pages through many spans and spills to a temporary file, with the same rows', async () => {
      const bulkProject = (await repos.projects.create({ name: 'bulk', createdBy: null })).id
      const spans = Array.from({ length: 1234 }, (_, i) =>
        span(bulkProject, 1 + (i % 600), {
          input: `row ${i}\nwith "quotes", a\r\nbreak \u2028 😀`,
        }),
      )
      await repos.spans.insertMany(spans)
      const before = readdirSync(tmpdir()).filter((f) => f.startsWith('assay-production-import-'))
      const inMemory = await newEvaluation('bulk in memory', bulkProject)
      const spilled = await newEvaluation('bulk spilled', bulkProject)
      const request = { projectId: bulkProject, ...range(undefined), columns: ['status' as const] }
      await importProductionData(repos, { ...request, evaluationId: inMemory.id })
      // While importRows reads the batches, the rows sit in a temporary file.
      const spillDirs: string[][] = []
      const watching: Repositories = {
        ...repos,
        rows: {
          ...repos.rows,
          importRows(...args) {
            spillDirs.push(
              readdirSync(tmpdir()).filter((f) => f.startsWith('assay-production-import-')),
            )
            return repos.rows.importRows(...args)
          },
        },
      }
      await importProductionData(watching, {
        ...request,
        evaluationId: spilled.id,
        spillBytes: 1000,
      })
      expect(spillDirs[0]?.length).toBe(before.length + 1)
      const values = async (id: string) =>
        (await repos.rows.list(id, { limit: 2000 })).map((r) => r.values)
      const expected = await values(inMemory.id)
      expect(expected).toHaveLength(1234)
      expect(await values(spilled.id)).toEqual(expected)
      const after = readdirSync(tmpdir()).filter((f) => f.startsWith('assay-production-import-'))
      expect(after).toEqual(before)
    })

    it('refuses, importing nothing: no match, over the limit, a header clash, another project', async () => {
      const evaluation = await newEvaluation('refusals')
      const base = { evaluationId: evaluation.id, projectId, ...range(undefined) }
      expect(
        (await refusal(importProductionData(repos, { ...base, model: 'nope' }), 'invalid_input'))
          .message,
      ).toBe('no production spans match these filters; nothing to import')
      expect(
        (await refusal(importProductionData(repos, { ...base, maxRows: 16 }), 'limit_exceeded'))
          .message,
      ).toContain('17 spans match, more than the import limit of 16 rows')
      await refusal(
        importProductionData(repos, { ...base, evaluationId: 'eval_missing' }),
        'not_found',
      )
      const elsewhere = await newEvaluation('elsewhere', otherProject)
      await refusal(
        importProductionData(repos, { ...base, evaluationId: elsewhere.id }),
        'not_found',
      )
      expect(await repos.rows.count(evaluation.id)).toBe(0)
      expect(await repos.columns.list(evaluation.id)).toEqual([])

      // The evaluation already has other data columns: refused by importRows, nothing added.
      await importProductionData(repos, { ...base, source: 'search' })
      await refusal(importProductionData(repos, { ...base, columns: ['status'] }), 'invalid_input')
      expect(await repos.rows.count(evaluation.id)).toBe(1)
    })

    it('stops when the signal aborts, importing nothing', async () => {
      const evaluation = await newEvaluation('aborted')
      const controller = new AbortController()
      controller.abort()
      await refusal(
        importProductionData(repos, {
          evaluationId: evaluation.id,
          projectId,
          ...range(undefined),
          signal: controller.signal,
        }),
        'cancelled',
      )
      expect(await repos.rows.count(evaluation.id)).toBe(0)
    })

    it('imports what the OTLP receiver stored, end to end', async () => {
      const project = (await repos.projects.create({ name: 'otlp', createdBy: null })).id
      const startNanos = BigInt(NOW - 60_000) * 1_000_000n
      const body = {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'faq' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    name: 'chat gpt-4o-mini',
                    startTimeUnixNano: String(startNanos),
                    endTimeUnixNano: String(startNanos + 420_000_000n),
                    attributes: [
                      { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
                      { key: 'gen_ai.response.id', value: { stringValue: 'chatcmpl-9' } },
                      { key: 'gen_ai.usage.input_tokens', value: { intValue: '31' } },
                      { key: 'gen_ai.usage.output_tokens', value: { intValue: 4 } },
                    ],
                    events: [
                      {
                        name: 'gen_ai.user.message',
                        attributes: [{ key: 'content', value: { stringValue: 'Opening hours?' } }],
                      },
                      {
                        name: 'gen_ai.choice',
                        attributes: [
                          { key: 'message', value: { stringValue: '{"content":"9 to 5."}' } },
                        ],
                      },
                    ],
                    status: { code: 1 },
                  },
                ],
              },
            ],
          },
        ],
      }
      const received = await receiveTraces({
        body: new TextEncoder().encode(JSON.stringify(body)),
        contentType: 'application/json',
        projectId: project,
        repos,
        clock: createFixedClock(NOW),
      })
      expect(received).toMatchObject({ accepted: 1, rejected: 0, skipped: 0 })
      const facets = await repos.spans.facets(project)
      expect(facets).toEqual({ models: ['gpt-4o-mini'], sources: ['chat gpt-4o-mini', 'faq'] })
      const evaluation = await newEvaluation('faq', project)
      await importProductionData(repos, {
        evaluationId: evaluation.id,
        projectId: project,
        model: 'gpt-4o-mini',
        source: 'faq',
        ...range('last_24_hours'),
        columns: ['requestId', 'inputTokens', 'outputTokens', 'latencyMs', 'status'],
      })
      const rows = await repos.rows.list(evaluation.id, { limit: 10 })
      expect(rows.map((r) => r.values)).toEqual([
        ['Opening hours?', '9 to 5.', 'chatcmpl-9', '31', '4', '420', 'ok'],
      ])
    })
  })
}
