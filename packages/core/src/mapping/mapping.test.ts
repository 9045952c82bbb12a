import { describe, expect, it } from 'vitest'
import type { Column, ColumnConfig } from '../domain/column.js'
import { mappingByName, validateMapping } from './mapping.js'

const column = (id: string, name: string, config: ColumnConfig = { kind: 'data' }): Column => ({
  id,
  evaluationId: 'ev',
  name,
  position: 0,
  config,
  createdAt: '2026-01-01T00:00:00.000Z',
})
const judge: ColumnConfig = {
  kind: 'evaluator',
  evaluator: {
    evaluatorId: 'coherence',
    connectionId: null,
    params: {},
    mapping: {},
    threshold: null,
    options: {},
    compareWithColumnId: null,
  },
}
const columns = [column('c1', 'question'), column('c2', 'answer'), column('c3', 'score', judge)]

describe('variable mapping', () => {
  it('resolves every variable to its column', () => {
    const result = validateMapping(['input', 'output'], { input: 'c1', output: 'c2' }, columns)
    expect(
      result.ok && Object.fromEntries(Object.entries(result.value).map(([k, v]) => [k, v.name])),
    ).toEqual({
      input: 'question',
      output: 'answer',
    })
  })

  it('names every problem at once', () => {
    const result = validateMapping(
      ['input', 'output', 'context'],
      { input: 'nope', output: 'c3', extra: 'c1' },
      columns,
    )
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.message).toContain('{{input}} is mapped to a column that does not exist')
      expect(result.error.message).toContain('{{output}} may not read evaluator column "score"')
      expect(result.error.message).toContain('{{context}} is not mapped')
      expect(result.error.message).toContain('{{extra}} is mapped but the prompt does not use it')
    }
  })

  it('refuses a column reading itself', () => {
    const result = validateMapping(['x'], { x: 'c2' }, columns, 'c2')
    expect(result.ok).toBe(false)
  })

  it('translates names to ids and lists the known columns on a typo', () => {
    expect(mappingByName({ input: 'question' }, columns)).toEqual({
      ok: true,
      value: { input: 'c1' },
    })
    const result = mappingByName({ input: 'Question' }, columns)
    expect(!result.ok && result.error.message).toBe(
      'no such column: {{input}} → "Question" (columns: "question", "answer", "score")',
    )
  })
})
