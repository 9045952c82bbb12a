import { describe, expect, it } from 'vitest'
import { compileJsonSchema, jsonSchemaValid } from './json-schema.js'
import { METRICS } from './registry.js'

const PERSON = {
  type: 'object',
  required: ['name', 'age'],
  properties: {
    name: { type: 'string', minLength: 1 },
    age: { type: 'integer', minimum: 0 },
    email: { type: 'string', format: 'email' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
}

function person() {
  const made = METRICS['json-schema'].create({ schema: PERSON })
  if (!made.ok) throw new Error(made.error.message)
  return made.value
}

describe('json-schema', () => {
  it.each([
    ['{"name": "Ada", "age": 36}', 1, 'valid against the schema'],
    ['{"name": "Ada", "age": 36, "email": "not-an-email"}', 1, 'valid against the schema'],
    ['{"name": "Zoë 😀", "age": 0, "tags": []}', 1, 'valid against the schema'],
    ['{"name": "Ada"}', 0, "1 schema error: (root) must have required property 'age'"],
    ['{"name": "Ada", "age": -1.5}', 0, '2 schema errors: /age must be integer; /age must be >= 0'],
    [
      '{"name": "", "age": "x", "tags": [1, "a", 2], "extra": true}',
      0,
      '5 schema errors: (root) must NOT have additional properties; /name must NOT have fewer than 1 characters; /age must be integer; and 2 more',
    ],
    ['[]', 0, '1 schema error: (root) must be object'],
    [
      '{"name": "Ada", "age": 36',
      0,
      "invalid JSON: Expected ',' or '}' after property value in JSON at position 25",
    ],
    ['', 0, 'invalid JSON: Unexpected end of JSON input'],
  ])('%j', (output, score, explanation) => {
    expect(person()({ output })).toEqual({ score, explanation })
  })

  it('compiles once per configuration and reuses the validator', () => {
    const compiled = compileJsonSchema({ schema: PERSON, draft: 'draft-07', stripCodeFence: false })
    if (!compiled.ok) throw new Error(compiled.error.message)
    const validate = compiled.value
    expect(jsonSchemaValid('{"name": "a", "age": 1}', validate).score).toBe(1)
    expect(jsonSchemaValid('{"name": "a"}', validate).score).toBe(0)
    expect(jsonSchemaValid('{"name": "a", "age": 2}', validate).score).toBe(1)
  })

  it.each([
    [{ schema: '{"type": "object", "required": ["a"]}' }, '{"a": 1}', 1],
    [{ schema: true }, '"anything"', 1],
    [{ schema: false }, '1', 0],
    [
      // A declared $schema picks the draft: prefixItems is a 2020-12 keyword.
      {
        schema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          prefixItems: [{ type: 'string' }],
        },
      },
      '[1]',
      0,
    ],
    [{ schema: { prefixItems: [{ type: 'string' }] }, draft: '2020-12' }, '[1]', 0],
    // Under draft-07 prefixItems is an unknown keyword, ignored as the draft says.
    [{ schema: { prefixItems: [{ type: 'string' }] } }, '[1]', 1],
    [
      { schema: { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'string' } },
      '"x"',
      1,
    ],
    [{ schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'string' } }, '1', 0],
    [{ schema: { type: 'object' }, stripCodeFence: true }, '```json\n{}\n```', 1],
  ])('params %o on %j → %i', (params, output, score) => {
    const made = METRICS['json-schema'].create(params)
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value({ output }).score).toBe(score)
  })

  it.each([
    [
      { schema: { type: 'strin' } },
      'invalid JSON schema: schema is invalid: data/type must be equal to one of the allowed values',
    ],
    [
      { schema: { properties: 3 } },
      'invalid JSON schema: schema is invalid: data/properties must be object',
    ],
    [
      { schema: { $ref: 'https://example.com/schema.json' } },
      "invalid JSON schema: can't resolve reference",
    ],
    [
      { schema: { $schema: 'http://json-schema.org/draft-04/schema#' } },
      'unsupported $schema "http://json-schema.org/draft-04/schema#": use draft-07, 2019-09 or 2020-12',
    ],
    [{ schema: '{"type": ' }, 'the schema is not valid JSON: '],
    [{ schema: '[1]' }, 'the schema must be a JSON object or a boolean'],
    [{ schema: { type: 'object' }, draft: '2012' }, 'draft'],
    [{}, 'schema'],
  ])('refuses %o at config time', (params, message) => {
    const made = METRICS['json-schema'].create(params)
    if (made.ok) throw new Error('accepted a bad schema')
    expect(made.error.code).toBe('invalid_input')
    expect(made.error.message).toContain(message)
  })
})
