import { type Column, ColumnNameSchema } from '../../domain/column.js'
import type { Row } from '../../domain/row.js'
import { AssayError } from '../../errors.js'
import type { ImportedDataset, RowRepository } from '../../ports/repositories.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'

/**
 * The in-memory RowRepository. An import stages its rows and writes them (with the new data
 * columns and the row count) in one synchronous step at the end, so a throw or an abort leaves
 * nothing behind and two concurrent imports cannot interleave.
 */
export function createMemoryRowRepository(state: MemoryState, deps: MemoryDeps): RowRepository {
  function rowsOf(evaluationId: string, afterIndex: number): Row[] {
    const rows: Row[] = []
    for (const row of state.rows.values()) {
      if (row.evaluationId === evaluationId && row.index > afterIndex) rows.push(row)
    }
    return rows.sort((a, b) => a.index - b.index)
  }

  function dataColumnsOf(evaluationId: string): Column[] {
    return [...state.columns.values()]
      .filter((c) => c.evaluationId === evaluationId && c.config.kind === 'data')
      .sort((a, b) => a.position - b.position)
  }

  function requireEvaluation(evaluationId: string) {
    const evaluation = state.evaluations.get(evaluationId)
    if (!evaluation) throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
    return evaluation
  }

  /**
   * The columns the import writes to, and for each of them the header position of its value.
   * `check` only validates (it makes no ids).
   */
  function planColumns(evaluationId: string, header: readonly string[], check = false) {
    const existing = dataColumnsOf(evaluationId)
    if (existing.length > 0) {
      return { columns: existing, order: headerOrder(existing, header), created: false }
    }
    const others = [...state.columns.values()].filter((c) => c.evaluationId === evaluationId)
    const clash = header.find((name) => others.some((c) => c.name === name))
    if (clash !== undefined) {
      throw new AssayError('conflict', `the evaluation already has a column named "${clash}"`)
    }
    if (check) return { columns: [], order: null, created: true }
    const base = others.reduce((max, c) => Math.max(max, c.position + 1), 0)
    const createdAt = deps.clock.isoNow()
    const columns: Column[] = header.map((name, i) => ({
      id: deps.ids.next('col'),
      evaluationId,
      name,
      position: base + i,
      config: { kind: 'data' },
      createdAt,
    }))
    return { columns, order: null, created: true }
  }

  return {
    async importRows(evaluationId, header, batches, options = {}): Promise<ImportedDataset> {
      const { signal } = options
      checkHeader(header)
      throwIfAborted(signal)
      requireEvaluation(evaluationId)
      planColumns(evaluationId, header, true)

      const staged: string[][] = []
      let rowNumber = 0
      for await (const batch of batches) {
        throwIfAborted(signal)
        for (const values of batch) {
          rowNumber += 1
          checkRow(values, header, rowNumber)
          staged.push([...values])
        }
      }
      throwIfAborted(signal)

      // Commit: nothing below awaits, so no other call sees a half-written import.
      const evaluation = requireEvaluation(evaluationId)
      const plan = planColumns(evaluationId, header)
      if (plan.created) for (const column of plan.columns) state.columns.set(column.id, column)
      let index = rowsOf(evaluationId, -1).reduce((max, r) => Math.max(max, r.index + 1), 0)
      for (const values of staged) {
        const id = deps.ids.next('row')
        const ordered = plan.order ? plan.order.map((i) => values[i] ?? '') : values
        state.rows.set(id, { id, evaluationId, index, values: ordered })
        index += 1
      }
      state.evaluations.set(evaluationId, {
        ...evaluation,
        rowCount: evaluation.rowCount + staged.length,
      })
      return { rows: staged.length, columns: plan.columns.map(copyColumn) }
    },

    async list(evaluationId, options) {
      checkLimit(options.limit, 'limit')
      return rowsOf(evaluationId, options.afterIndex ?? -1)
        .slice(0, options.limit)
        .map(copyRow)
    },

    async get(rowId) {
      const row = state.rows.get(rowId)
      return row ? copyRow(row) : undefined
    },

    async count(evaluationId) {
      return state.evaluations.get(evaluationId)?.rowCount ?? 0
    },

    async *stream(evaluationId, options = {}) {
      const pageSize = options.pageSize ?? 1000
      checkLimit(pageSize, 'pageSize')
      let afterIndex = -1
      for (;;) {
        const page = rowsOf(evaluationId, afterIndex).slice(0, pageSize).map(copyRow)
        for (const row of page) yield row
        const last = page[page.length - 1]
        if (page.length < pageSize || last === undefined) return
        afterIndex = last.index
      }
    },
  }
}

function copyRow(row: Row): Row {
  return { ...row, values: [...row.values] }
}

function copyColumn(column: Column): Column {
  return { ...column, config: { ...column.config } as Column['config'] }
}

function checkLimit(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AssayError('invalid_input', `${name} must be a positive integer`)
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AssayError('cancelled', 'the import was cancelled; nothing was imported', {
      cause: signal.reason,
    })
  }
}

/** Header names are column names: valid, and unique. */
function checkHeader(header: readonly string[]): void {
  if (header.length === 0) throw new AssayError('invalid_input', 'the dataset has no header')
  const seen = new Set<string>()
  header.forEach((name, i) => {
    const parsed = ColumnNameSchema.safeParse(name)
    if (!parsed.success) {
      const reason = parsed.error.issues[0]?.message ?? 'invalid name'
      throw new AssayError('invalid_input', `header column ${i + 1} ("${name}"): ${reason}`, {
        position: { line: 1, column: i + 1 },
      })
    }
    if (seen.has(name)) {
      throw new AssayError('invalid_input', `the header names column "${name}" twice`, {
        position: { line: 1, column: i + 1 },
      })
    }
    seen.add(name)
  })
}

/** A row has one string per header column and no NUL (PostgreSQL text cannot hold it). */
function checkRow(values: readonly string[], header: readonly string[], rowNumber: number): void {
  if (values.length !== header.length) {
    throw new AssayError(
      'invalid_input',
      `row ${rowNumber} has ${values.length} values but the header has ${header.length} columns`,
      { details: { row: rowNumber } },
    )
  }
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (typeof value !== 'string') {
      throw new AssayError('invalid_input', `row ${rowNumber}, column "${header[i]}" is not text`, {
        details: { row: rowNumber, column: header[i] },
      })
    }
    if (value.includes('\u0000')) {
      throw new AssayError(
        'invalid_input',
        `row ${rowNumber}, column "${header[i]}" contains a NUL character, which cannot be stored`,
        { details: { row: rowNumber, column: header[i] } },
      )
    }
  }
}

/** For each data column (in position order), where its value sits in `header`. */
function headerOrder(columns: readonly Column[], header: readonly string[]): number[] | null {
  const at = new Map(header.map((name, i) => [name, i]))
  const missing = columns.filter((c) => !at.has(c.name)).map((c) => c.name)
  const names = new Set(columns.map((c) => c.name))
  const extra = header.filter((name) => !names.has(name))
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `missing ${missing.map((n) => `"${n}"`).join(', ')}` : '',
      extra.length > 0 ? `not in the evaluation ${extra.map((n) => `"${n}"`).join(', ')}` : '',
    ].filter((p) => p !== '')
    throw new AssayError(
      'invalid_input',
      `the header must name exactly the evaluation's data columns: ${parts.join('; ')}`,
      { details: { missing, extra } },
    )
  }
  const order = columns.map((c) => at.get(c.name) ?? 0)
  return order.every((h, i) => h === i) ? null : order
}
