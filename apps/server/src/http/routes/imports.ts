import { createReadStream, createWriteStream, type ReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { AssayError, isAssayError } from '@assay/core'
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { CSV_DELIMITERS } from '../../dataset/csv-reader.js'
import { DATASET_FORMATS } from '../../dataset/dataset-format.js'
import { importDataset, PREVIEW_ROWS, previewDataset } from '../../dataset/import-dataset.js'
import { principalOf } from '../auth/access.js'
import type { App, AppEnv, RouteDeps } from '../context.js'
import { defineRoute, json } from '../route.js'
import { EvaluationParam } from './evaluations.js'

const ImportQuery = z.object({
  format: z.enum(DATASET_FORMATS).default('csv'),
  delimiter: z.enum(CSV_DELIMITERS).optional(),
})

const FileBody = {
  body: {
    required: true,
    description:
      'The file itself, as the raw body (not multipart): CSV (UTF-8, BOM allowed) or JSONL',
    content: {
      'text/csv': { schema: z.string() },
      'application/x-ndjson': { schema: z.string() },
      'application/octet-stream': { schema: z.string() },
    },
  },
} as const

const LimitsSchema = z.object({
  maxFileBytes: z.number(),
  maxRows: z.number(),
  maxColumns: z.number(),
  maxCellChars: z.number(),
})

/** The request body as a byte stream, refused past `maxBytes` whatever Content-Length says. */
async function* bodyBytes(c: Context<AppEnv>, maxBytes: number): AsyncGenerator<Uint8Array> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN)
  if (declared > maxBytes) tooLarge(maxBytes)
  const body = c.req.raw.body
  if (!body)
    throw new AssayError('invalid_input', 'the request has no body: send the file as the body')
  let seen = 0
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength
    if (seen > maxBytes) tooLarge(maxBytes)
    yield chunk
  }
}

function tooLarge(maxBytes: number): never {
  throw new AssayError(
    'limit_exceeded',
    `the file is larger than the import limit of ${maxBytes} bytes`,
  )
}

/**
 * Receives the whole upload into a private temporary file before anything is written, so a slow
 * or stalled client never holds the import's database transaction open; then hands `use` the
 * file's bytes. The file is deleted afterwards, whatever happened (refusal, error, abort).
 */
async function withSpooledUpload<T>(
  c: Context<AppEnv>,
  maxBytes: number,
  use: (bytes: AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T> {
  const signal = c.req.raw.signal
  const dir = await mkdtemp(join(tmpdir(), 'assay-import-'))
  let reader: ReadStream | undefined
  try {
    const file = join(dir, 'upload')
    try {
      await pipeline(
        bodyBytes(c, maxBytes),
        createWriteStream(file, { flags: 'wx', mode: 0o600 }),
        {
          signal,
        },
      )
    } catch (error) {
      if (isAssayError(error)) throw error
      // The client went away or the connection broke mid-upload: nothing was imported.
      throw new AssayError('cancelled', 'the upload was interrupted; nothing was imported', {
        cause: error,
      })
    }
    reader = createReadStream(file, { highWaterMark: 256 * 1024 })
    return await use(reader)
  } finally {
    reader?.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}

export function registerImportRoutes(app: App, deps: RouteDeps): void {
  const { repos, config } = deps.services
  const limits = config.importLimits

  app.openapi(
    defineRoute(deps, 'user', {
      method: 'get',
      path: '/api/v1/imports/limits',
      tags: ['import'],
      summary: 'The configured import limits (shown in the import dialog)',
      responses: json(LimitsSchema, 'limits'),
    }),
    (c) => c.json(limits, 200),
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/imports/preview',
        tags: ['import'],
        summary: `The header and first ${PREVIEW_ROWS} rows of a file, nothing stored`,
        request: { params: EvaluationParam, query: ImportQuery, ...FileBody },
        responses: json(
          z.object({
            format: z.enum(DATASET_FORMATS),
            delimiter: z.string().nullable(),
            columns: z.array(z.string()),
            rows: z.array(z.array(z.string())),
            limits: LimitsSchema,
          }),
          'the preview',
        ),
      },
    ),
    async (c) => {
      const { format, delimiter } = c.req.valid('query')
      const preview = await previewDataset(
        { bytes: bodyBytes(c, limits.maxFileBytes), format, delimiter },
        limits,
      )
      return c.json({ ...preview, limits }, 200)
    },
  )

  app.openapi(
    defineRoute(
      deps,
      { role: 'editor', resource: 'evaluation' },
      {
        method: 'post',
        path: '/api/v1/evaluations/{evaluationId}/imports',
        tags: ['import'],
        summary:
          'Import a file into the evaluation, all or nothing; a refusal names the line and column',
        request: { params: EvaluationParam, query: ImportQuery, ...FileBody },
        responses: json(
          z.object({ rows: z.number(), columns: z.array(z.string()) }),
          'imported',
          201,
        ),
      },
    ),
    async (c) => {
      const { evaluationId } = c.req.valid('param')
      const { format, delimiter } = c.req.valid('query')
      const evaluation = await repos.evaluations.get(evaluationId)
      const project = evaluation && (await repos.projects.get(evaluation.projectId))
      if (!evaluation || !project)
        throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
      const outcome = await withSpooledUpload(c, limits.maxFileBytes, (bytes) =>
        importDataset(
          repos,
          {
            projectName: project.name,
            evaluationName: evaluation.name,
            userId: principalOf(c).user.id,
          },
          { bytes, format, delimiter },
          limits,
          c.req.raw.signal,
        ),
      )
      return c.json({ rows: outcome.rows, columns: outcome.columns }, 201)
    },
  )
}
