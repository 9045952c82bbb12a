import type { z } from 'zod'
import { invalid, type Result } from '../result.js'
import { BleuParamsSchema, createBleuMetric } from './bleu.js'
import {
  ContainsParamsSchema,
  createContainsAllMetric,
  createContainsAnyMetric,
  createContainsMetric,
  NeedlesParamsSchema,
} from './contains.js'
import { createExactMatchMetric, ExactMatchParamsSchema } from './exact-match.js'
import { createJsonSchemaMetric, JsonSchemaParamsSchema } from './json-schema.js'
import { createJsonValidMetric, JsonValidParamsSchema } from './json-valid.js'
import { createLengthBoundsMetric, LengthBoundsParamsSchema } from './length-bounds.js'
import { createLevenshteinMetric, LevenshteinParamsSchema } from './levenshtein.js'
import type { MetricFn } from './metric-result.js'
import { createNumericBoundsMetric, NumericBoundsParamsSchema } from './numeric-bounds.js'
import { createNumericToleranceMetric, NumericToleranceParamsSchema } from './numeric-tolerance.js'
import { createRegexMetric, RegexParamsSchema } from './regex.js'
import { createRougeLMetric, RougeLParamsSchema } from './rouge-l.js'
import { createTokenF1Metric, TokenF1ParamsSchema } from './token-f1.js'

export const METRIC_IDS = [
  'exact-match',
  'contains',
  'contains-all',
  'contains-any',
  'regex',
  'json-valid',
  'json-schema',
  'numeric-tolerance',
  'levenshtein',
  'token-f1',
  'bleu',
  'rouge-l',
  'length-bounds',
  'numeric-bounds',
] as const
export type MetricId = (typeof METRIC_IDS)[number]

/** `boolean`: the score is always 1 or 0; `ratio`: any value in 0..1, higher is better. */
export type MetricScale = 'boolean' | 'ratio'

/** What the product needs to offer a metric as an evaluator column. */
export type MetricDefinition = {
  id: MetricId
  /** Human name, e.g. "ROUGE-L". */
  name: string
  /** One sentence for pickers and tooltips. */
  description: string
  /** The `{{variables}}` the metric reads, in the order a form should show them. */
  variables: readonly string[]
  /** Parameter schema with defaults; `create` parses with it. */
  params: z.ZodType
  scale: MetricScale
  /**
   * Validates `params` (undefined or null → `{}`, i.e. all defaults) and builds the scoring function
   * once: patterns and schemas are compiled here, so bad configuration is refused now, with
   * `{ code: 'invalid_input', message }`, and never thrown while scoring rows.
   */
  create(params?: unknown): Result<MetricFn>
}

/** "needles: give at least one needle; min: min may not be greater than max" */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.')
      return path ? `${path}: ${issue.message}` : issue.message
    })
    .join('; ')
}

function define<S extends z.ZodType>(
  definition: Omit<MetricDefinition, 'params' | 'create'> & {
    params: S
    build: (params: z.output<S>) => Result<MetricFn>
  },
): MetricDefinition {
  const { build, ...rest } = definition
  return {
    ...rest,
    create(params?: unknown) {
      const parsed = definition.params.safeParse(params ?? {})
      if (!parsed.success) {
        return invalid(
          `invalid parameters for ${definition.name}: ${describeZodError(parsed.error)}`,
        )
      }
      return build(parsed.data)
    },
  }
}

const OUTPUT = ['output'] as const
const OUTPUT_EXPECTED = ['output', 'expected'] as const

/** Every deterministic metric, keyed by id. */
export const METRICS: Readonly<Record<MetricId, MetricDefinition>> = {
  'exact-match': define({
    id: 'exact-match',
    name: 'Exact match',
    description: 'Output equals the expected value after optional normalisation.',
    variables: OUTPUT_EXPECTED,
    scale: 'boolean',
    params: ExactMatchParamsSchema,
    build: createExactMatchMetric,
  }),
  contains: define({
    id: 'contains',
    name: 'Contains',
    description: 'Output contains the expected value.',
    variables: OUTPUT_EXPECTED,
    scale: 'boolean',
    params: ContainsParamsSchema,
    build: createContainsMetric,
  }),
  'contains-all': define({
    id: 'contains-all',
    name: 'Contains all',
    description: 'Output contains every one of the listed strings.',
    variables: OUTPUT,
    scale: 'boolean',
    params: NeedlesParamsSchema,
    build: createContainsAllMetric,
  }),
  'contains-any': define({
    id: 'contains-any',
    name: 'Contains any',
    description: 'Output contains at least one of the listed strings.',
    variables: OUTPUT,
    scale: 'boolean',
    params: NeedlesParamsSchema,
    build: createContainsAnyMetric,
  }),
  regex: define({
    id: 'regex',
    name: 'Regex match',
    description: 'Output matches (or, negated, does not match) a regular expression.',
    variables: OUTPUT,
    scale: 'boolean',
    params: RegexParamsSchema,
    build: createRegexMetric,
  }),
  'json-valid': define({
    id: 'json-valid',
    name: 'JSON valid',
    description: 'Output parses as JSON.',
    variables: OUTPUT,
    scale: 'boolean',
    params: JsonValidParamsSchema,
    build: createJsonValidMetric,
  }),
  'json-schema': define({
    id: 'json-schema',
    name: 'JSON schema valid',
    description: 'Output is JSON accepted by a JSON Schema (draft-07 by default).',
    variables: OUTPUT,
    scale: 'boolean',
    params: JsonSchemaParamsSchema,
    build: createJsonSchemaMetric,
  }),
  'numeric-tolerance': define({
    id: 'numeric-tolerance',
    name: 'Numeric tolerance',
    description: 'Output is a number within an absolute or relative tolerance of the expected one.',
    variables: OUTPUT_EXPECTED,
    scale: 'boolean',
    params: NumericToleranceParamsSchema,
    build: createNumericToleranceMetric,
  }),
  levenshtein: define({
    id: 'levenshtein',
    name: 'Levenshtein similarity',
    description: '1 minus the character edit distance over the longer length.',
    variables: OUTPUT_EXPECTED,
    scale: 'ratio',
    params: LevenshteinParamsSchema,
    build: createLevenshteinMetric,
  }),
  'token-f1': define({
    id: 'token-f1',
    name: 'Token F1',
    description: 'SQuAD-style F1 of the shared words between output and expected.',
    variables: OUTPUT_EXPECTED,
    scale: 'ratio',
    params: TokenF1ParamsSchema,
    build: createTokenF1Metric,
  }),
  bleu: define({
    id: 'bleu',
    name: 'BLEU',
    description: 'Sentence BLEU (up to 4-grams) against one or more references.',
    variables: OUTPUT_EXPECTED,
    scale: 'ratio',
    params: BleuParamsSchema,
    build: createBleuMetric,
  }),
  'rouge-l': define({
    id: 'rouge-l',
    name: 'ROUGE-L',
    description: 'Longest-common-subsequence F-measure against one or more references.',
    variables: OUTPUT_EXPECTED,
    scale: 'ratio',
    params: RougeLParamsSchema,
    build: createRougeLMetric,
  }),
  'length-bounds': define({
    id: 'length-bounds',
    name: 'Length bounds',
    description: 'Output length in characters or words is within a minimum and maximum.',
    variables: OUTPUT,
    scale: 'boolean',
    params: LengthBoundsParamsSchema,
    build: createLengthBoundsMetric,
  }),
  'numeric-bounds': define({
    id: 'numeric-bounds',
    name: 'Numeric bounds',
    description: 'A numeric column (latency, tokens) is within a minimum and maximum.',
    variables: ['value'],
    scale: 'boolean',
    params: NumericBoundsParamsSchema,
    build: createNumericBoundsMetric,
  }),
}

export function isMetricId(id: string): id is MetricId {
  return (METRIC_IDS as readonly string[]).includes(id)
}

/** Looks a metric up by id and creates it: one call for "attach this metric with these params". */
export function createMetric(id: string, params?: unknown): Result<MetricFn> {
  if (!isMetricId(id)) return invalid(`unknown metric '${id}'; known: ${METRIC_IDS.join(', ')}`)
  return METRICS[id].create(params)
}
