// Builds a deterministic value that conforms to a (practical subset of) JSON Schema: the judge
// answer of the stub. Score-like numbers come from the request hash; everything else from a PRNG
// seeded with that hash, so the same request and schema always give the same value.

import { explanationSentence, itemLabel, listItem } from './phrases.js'
import { createRandom, pickInt, type Random } from './random.js'

type Schema = Record<string, unknown>

const MAX_DEPTH = 8
const SCORE_NAME = /score|rating|grade|rank/i
const PASS_NAME = /^(pass|passed|passes|passing|success|succeeded|correct|is_?correct|ok|valid)$/i
const EXPLANATION_NAME =
  /explanation|reason|rationale|justification|feedback|comment|critique|analysis|thought/i
const VERDICT_NAME = /verdict/i

interface Context {
  root: Schema
  hash: number
  random: Random
  /** Fraction in [0, 1] of the nearest score generated so far (drives pass and wording). */
  fraction: number
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** The default judge score (1..5) of a request hash, as used without a schema. */
export function defaultScore(hash: number): number {
  return 1 + (hash % 5)
}

/** `{ score, explanation }`: the judge answer when no schema is given. */
export function defaultJudgeObject(hash: number): { score: number; explanation: string } {
  const score = defaultScore(hash)
  return { score, explanation: explanationSentence((score - 1) / 4, hash) }
}

/** A value for `schema`; `hash` is the FNV-1a hash of the request messages. */
export function valueForSchema(schema: unknown, hash: number): unknown {
  const root = isSchema(schema) ? schema : {}
  const context: Context = {
    root,
    hash,
    random: createRandom(hash),
    fraction: (defaultScore(hash) - 1) / 4,
  }
  return generate(root, '', context, 0)
}

function resolve(schema: Schema, context: Context, depth: number): Schema {
  let current = schema
  for (let hops = 0; hops < MAX_DEPTH; hops++) {
    const ref = current.$ref
    if (typeof ref === 'string' && ref.startsWith('#')) {
      let target: unknown = context.root
      for (const raw of ref.slice(1).split('/').filter(Boolean)) {
        const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')
        target = isSchema(target) ? target[key] : undefined
      }
      if (!isSchema(target)) return {}
      current = { ...target, ...withoutKey(current, '$ref') }
      continue
    }
    const options = (current.anyOf ?? current.oneOf) as unknown
    if (Array.isArray(options)) {
      const choice =
        options.find((o) => isSchema(o) && o.type !== 'null') ?? options.find((o) => isSchema(o))
      if (!isSchema(choice)) return {}
      current = { ...withoutKey(withoutKey(current, 'anyOf'), 'oneOf'), ...choice }
      continue
    }
    if (Array.isArray(current.allOf)) {
      let merged: Schema = withoutKey(current, 'allOf')
      for (const part of current.allOf) {
        if (!isSchema(part)) continue
        const resolved = resolve(part, context, depth + 1)
        merged = {
          ...merged,
          ...resolved,
          properties: { ...asSchema(merged.properties), ...asSchema(resolved.properties) },
        }
      }
      current = merged
      continue
    }
    break
  }
  return current
}

function asSchema(value: unknown): Schema {
  return isSchema(value) ? value : {}
}

function withoutKey(schema: Schema, key: string): Schema {
  const { [key]: _omitted, ...rest } = schema
  return rest
}

function typeOf(schema: Schema): string {
  const type = schema.type
  if (typeof type === 'string') return type
  if (Array.isArray(type)) {
    const first = type.find((t) => t !== 'null') ?? type[0]
    if (typeof first === 'string') return first
  }
  if (isSchema(schema.properties)) return 'object'
  if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array'
  return 'string'
}

function generate(raw: Schema, name: string, context: Context, depth: number): unknown {
  const schema = resolve(raw, context, depth)
  if ('const' in schema) return schema.const
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[pickInt(context.random, 0, schema.enum.length - 1)]
  }
  const type = typeOf(schema)
  switch (type) {
    case 'object':
      return depth >= MAX_DEPTH ? {} : objectValue(schema, context, depth)
    case 'array':
      return depth >= MAX_DEPTH ? [] : arrayValue(schema, name, context, depth)
    case 'number':
    case 'integer':
      return numberValue(schema, name, type === 'integer', context)
    case 'boolean':
      return PASS_NAME.test(name) ? context.fraction >= 0.5 : context.random() < 0.5
    case 'null':
      return null
    default:
      return stringValue(schema, name, context)
  }
}

function objectValue(schema: Schema, context: Context, depth: number): Record<string, unknown> {
  const properties = asSchema(schema.properties)
  const names = Object.keys(properties)
  const result: Record<string, unknown> = {}
  const outerFraction = context.fraction
  // Scores first, so pass/explanation in the same object agree with them.
  const first = (n: string) => SCORE_NAME.test(n) || VERDICT_NAME.test(n)
  const ordered = [...names.filter(first), ...names.filter((n) => !first(n))]
  const values = new Map<string, unknown>()
  for (const key of ordered)
    values.set(key, generate(asSchema(properties[key]), key, context, depth + 1))
  for (const key of names) result[key] = values.get(key)
  context.fraction = outerFraction
  return result
}

function arrayValue(schema: Schema, name: string, context: Context, depth: number): unknown[] {
  const tuple = Array.isArray(schema.prefixItems)
    ? schema.prefixItems
    : Array.isArray(schema.items)
      ? schema.items
      : undefined
  if (tuple)
    return tuple.map((item, i) => generate(asSchema(item), `${name}[${i}]`, context, depth + 1))
  const minItems = num(schema.minItems) ?? 0
  const maxItems = num(schema.maxItems) ?? Number.POSITIVE_INFINITY
  const count = Math.max(minItems, Math.min(maxItems, 2 + (context.random() < 0.5 ? 0 : 1)))
  const items = isSchema(schema.items)
    ? resolve(schema.items, context, depth + 1)
    : { type: 'string' }
  const label = itemLabel(name)
  const out: unknown[] = []
  for (let i = 0; i < count; i++) {
    if (typeOf(items) === 'string' && !('enum' in items) && !('const' in items)) {
      out.push(fitLength(listItem(label, i, context.hash), items))
    } else {
      out.push(generate(items, name, context, depth + 1))
    }
  }
  return out
}

function numberValue(schema: Schema, name: string, integer: boolean, context: Context): number {
  const exclusiveMin = num(schema.exclusiveMinimum)
  const exclusiveMax = num(schema.exclusiveMaximum)
  let lo = num(schema.minimum) ?? (exclusiveMin === undefined ? undefined : exclusiveMin + 1)
  let hi = num(schema.maximum) ?? (exclusiveMax === undefined ? undefined : exclusiveMax - 1)
  if (VERDICT_NAME.test(name)) {
    lo = Math.max(lo ?? 0, 0)
    hi = Math.min(hi ?? 1, 1)
  }
  if (lo === undefined) lo = hi === undefined || hi >= 2 ? 1 : hi >= 1 ? 0 : hi - 4
  if (hi === undefined) hi = lo + 4
  let low = lo
  let high = hi
  const wide = integer || high - low >= 4 || VERDICT_NAME.test(name)
  if (wide) {
    low = Math.ceil(low)
    high = Math.floor(high)
    if (high < low) return low
  }
  const steps = wide ? high - low : 4
  const draw = SCORE_NAME.test(name)
    ? context.hash % (steps + 1)
    : pickInt(context.random, 0, steps)
  const value = wide ? low + draw : Math.round((low + ((high - low) * draw) / 4) * 100) / 100
  if (SCORE_NAME.test(name) || VERDICT_NAME.test(name)) {
    context.fraction = steps === 0 ? 1 : draw / steps
  }
  return value
}

function stringValue(schema: Schema, name: string, context: Context): string {
  const format = schema.format
  const hex = context.hash.toString(16).padStart(8, '0')
  if (format === 'date-time') return '2026-01-01T00:00:00.000Z'
  if (format === 'date') return '2026-01-01'
  if (format === 'email') return `stub-${hex}@example.com`
  if (format === 'uri' || format === 'url') return `https://example.com/${hex}`
  if (format === 'uuid') return `${hex}-0000-4000-8000-${hex}0000`
  if (VERDICT_NAME.test(name)) return context.random() < 0.5 ? 'no' : 'yes'
  const text = EXPLANATION_NAME.test(name)
    ? explanationSentence(context.fraction, context.hash)
    : listItem(itemLabel(name), pickInt(context.random, 0, 9), context.hash)
  return fitLength(text, schema)
}

function fitLength(text: string, schema: Schema): string {
  const minLength = num(schema.minLength) ?? 0
  const maxLength = num(schema.maxLength) ?? Number.POSITIVE_INFINITY
  let out = text
  while (out.length < minLength) out += ` ${text}`
  return out.length > maxLength ? out.slice(0, maxLength) : out
}
