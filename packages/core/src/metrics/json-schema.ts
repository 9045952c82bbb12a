import { Ajv, type AnySchema, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { z } from 'zod'
import { invalid, ok, type Result } from '../result.js'
import { parseJson, stripCodeFence } from './json-valid.js'
import { checkResult, type MetricFn, type MetricResult, readVar } from './metric-result.js'

export const JSON_SCHEMA_DRAFTS = ['draft-07', '2019-09', '2020-12'] as const
export type JsonSchemaDraft = (typeof JSON_SCHEMA_DRAFTS)[number]

/** How many validation errors an explanation lists. */
const ERRORS_SHOWN = 3

/**
 * `schema` is a JSON Schema given as an object, a boolean or JSON text. A `$schema` naming
 * draft-07, 2019-09 or 2020-12 picks that draft; otherwise `draft` does (default draft-07).
 * Unknown keywords are ignored as the drafts say, `format` is an annotation only (not
 * checked), and remote `$ref`s are refused since core does no I/O. A `pattern` keyword runs
 * as a JavaScript RegExp, so schemas should come from people allowed to configure evaluators.
 */
export const JsonSchemaParamsSchema = z.strictObject({
  schema: z.union([z.string(), z.boolean(), z.record(z.string(), z.unknown())]),
  draft: z.enum(JSON_SCHEMA_DRAFTS).default('draft-07'),
  stripCodeFence: z.boolean().default(false),
})
export type JsonSchemaParams = z.output<typeof JsonSchemaParamsSchema>

const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  logger: false,
}

/** The draft a schema declares in `$schema`, the fallback when it declares none. */
function draftOf(schema: AnySchema, fallback: JsonSchemaDraft): Result<JsonSchemaDraft> {
  const declared =
    typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined
  if (declared === undefined) return ok(fallback)
  if (typeof declared === 'string') {
    if (declared.includes('draft-07')) return ok('draft-07')
    if (declared.includes('2019-09')) return ok('2019-09')
    if (declared.includes('2020-12')) return ok('2020-12')
  }
  return invalid(
    `unsupported $schema ${JSON.stringify(declared)}: use draft-07, 2019-09 or 2020-12`,
  )
}

function newAjv(draft: JsonSchemaDraft): Ajv {
  if (draft === '2019-09') return new Ajv2019(AJV_OPTIONS)
  if (draft === '2020-12') return new Ajv2020(AJV_OPTIONS)
  return new Ajv(AJV_OPTIONS)
}

/** Parses and compiles the schema once per configuration; problems come back as errors. */
export function compileJsonSchema(params: JsonSchemaParams): Result<ValidateFunction> {
  let schema: unknown = params.schema
  if (typeof schema === 'string') {
    const parsed = parseJson(schema)
    if (!parsed.ok) return invalid(`the schema is not valid JSON: ${parsed.message}`)
    schema = parsed.value
  }
  if (
    typeof schema !== 'boolean' &&
    (typeof schema !== 'object' || schema === null || Array.isArray(schema))
  ) {
    return invalid('the schema must be a JSON object or a boolean')
  }
  const anySchema = schema as AnySchema
  const draft = draftOf(anySchema, params.draft)
  if (!draft.ok) return draft
  try {
    return ok(newAjv(draft.value).compile(anySchema))
  } catch (error) {
    return invalid(`invalid JSON schema: ${(error as Error).message}`)
  }
}

/** Formats ajv errors as "instancePath message", the root shown as "(root)". */
export function describeSchemaErrors(errors: readonly ErrorObject[]): string {
  const shown = errors
    .slice(0, ERRORS_SHOWN)
    .map((e) => `${e.instancePath === '' ? '(root)' : e.instancePath} ${e.message ?? 'is invalid'}`)
  const more = errors.length - shown.length
  return more > 0 ? `${shown.join('; ')}; and ${more} more` : shown.join('; ')
}

/** 1 when `output` is JSON that the compiled schema accepts. */
export function jsonSchemaValid(
  output: string,
  validate: ValidateFunction,
  options: { stripCodeFence: boolean } = { stripCodeFence: false },
): MetricResult {
  const parsed = parseJson(options.stripCodeFence ? stripCodeFence(output) : output)
  if (!parsed.ok) return checkResult(false, `invalid JSON: ${parsed.message}`)
  if (validate(parsed.value)) return checkResult(true, 'valid against the schema')
  const errors = validate.errors ?? []
  const count = errors.length === 1 ? '1 schema error' : `${errors.length} schema errors`
  return checkResult(false, `${count}: ${describeSchemaErrors(errors)}`)
}

export function createJsonSchemaMetric(params: JsonSchemaParams): Result<MetricFn> {
  const compiled = compileJsonSchema(params)
  if (!compiled.ok) return compiled
  const validate = compiled.value
  return ok((vars) => jsonSchemaValid(readVar(vars, 'output'), validate, params))
}
