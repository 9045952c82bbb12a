import type { CellResult, CellValue } from '../../domain/cell.js'
import type { Row } from '../../domain/row.js'
import { AssayError } from '../../errors.js'
import type { ColumnScales, ResultsQueryRepository } from '../../ports/results-query.js'
import {
  type AggregateGroup,
  agreementOfPairs,
  checkPageStart,
  columnAggregate,
  comparedColumns,
  decodeCursor,
  encodeCursor,
  fallbackScale,
  JUDGE_UNPARSEABLE,
  labelValue,
  listingSignature,
  type PlannedColumn,
  type PlannedFilter,
  type PlannedSort,
  parseQuery,
  planColumns,
  planFilters,
  planSort,
  type SortKey,
  scoreMatches,
  textMatches,
  thumbsOf,
  thumbsScore,
  verdictOf,
} from '../../results/plan.js'
import {
  type CellVerdictChange,
  type ColumnAggregate,
  type ColumnComparison,
  type ResultCellView,
  ResultsAggregateQuerySchema,
  ResultsQuerySchema,
  type ResultsRow,
  RunComparisonQuerySchema,
  type RunPassRate,
} from '../../results/query.js'
import type { MemoryDeps, MemoryState } from '../memory-state.js'
import { compareText } from './checks.js'

/** True when `a` is more recent than `b`: later finishedAt, then the greater run id. */
function isLater(a: CellResult, b: CellResult): boolean {
  return (compareText(a.finishedAt, b.finishedAt) || compareText(a.runId, b.runId)) > 0
}

function toView(result: CellResult): ResultCellView {
  return {
    runId: result.runId,
    status: result.status,
    value: result.value,
    pass: result.pass,
    explanation: result.explanation,
    error: result.error ? { ...result.error } : null,
    tokensIn: result.tokensIn,
    tokensOut: result.tokensOut,
    cost: result.cost,
    latencyMs: result.latencyMs,
    attempts: result.attempts,
    cached: result.cached,
    model: result.model,
    finishedAt: result.finishedAt,
  }
}

/** The cells of one evaluation as the table sees them: latest results, or one run's. */
type Cells = {
  rows: Row[]
  result(columnId: string, rowId: string): CellResult | undefined
  value(columnId: string, rowId: string): CellValue | undefined
}

/**
 * The in-memory ResultsQueryRepository: computes everything from the fake's tables on each call
 * with the shared meaning of filters, sorts and cursors in core's results/plan.ts.
 */
export function createMemoryResultsQueryRepository(
  state: MemoryState,
  _deps: MemoryDeps,
): ResultsQueryRepository {
  function requireEvaluation(evaluationId: string): void {
    if (!state.evaluations.has(evaluationId)) {
      throw new AssayError('not_found', `evaluation ${evaluationId} does not exist`)
    }
  }

  function requireRun(evaluationId: string, runId: string): void {
    const run = state.runs.get(runId)
    if (!run || run.evaluationId !== evaluationId) {
      throw new AssayError('not_found', `run ${runId} is not a run of this evaluation`)
    }
  }

  function columnsOf(evaluationId: string): Map<string, PlannedColumn> {
    return planColumns([...state.columns.values()].filter((c) => c.evaluationId === evaluationId))
  }

  function cellsOf(evaluationId: string, runId: string | null): Cells {
    const rows = [...state.rows.values()]
      .filter((r) => r.evaluationId === evaluationId)
      .sort((a, b) => a.index - b.index)
    const rowIds = new Set(rows.map((r) => r.id))
    const results = new Map<string, CellResult>()
    for (const result of state.cellResults.values()) {
      if (!rowIds.has(result.rowId)) continue
      const k = `${result.columnId}\u0000${result.rowId}`
      if (runId !== null) {
        if (result.runId === runId) results.set(k, result)
        continue
      }
      if (result.status !== 'done' && result.status !== 'error') continue
      const found = results.get(k)
      if (!found || isLater(result, found)) results.set(k, result)
    }
    return {
      rows,
      result: (columnId, rowId) => results.get(`${columnId}\u0000${rowId}`),
      value: (columnId, rowId) => state.cellValues.get(`${columnId}\u0000${rowId}`),
    }
  }

  /** The text a text filter or text sort reads. */
  function textOf(cells: Cells, column: PlannedColumn, row: Row): string | null {
    const role = column.role
    if (role.kind === 'data') return row.values[role.index] ?? null
    if (role.kind === 'generated') {
      const result = cells.result(column.column.id, row.id)
      if (!result || result.status !== 'done') return null
      return typeof result.value === 'string' ? result.value : null
    }
    return cells.value(column.column.id, row.id)?.value ?? null
  }

  function scoreOf(cells: Cells, columnId: string, row: Row): number | null {
    const result = cells.result(columnId, row.id)
    if (!result || result.status !== 'done' || typeof result.value !== 'number') return null
    return result.value
  }

  function matches(cells: Cells, filters: readonly PlannedFilter[], row: Row): boolean {
    return filters.every(({ filter, column }) => {
      switch (filter.type) {
        case 'text':
          return textMatches(textOf(cells, column, row), filter)
        case 'score':
          return scoreMatches(scoreOf(cells, column.column.id, row), filter)
        case 'verdict': {
          const verdict = verdictOf(cells.result(column.column.id, row.id))
          return verdict !== 'none' && filter.values.includes(verdict)
        }
        case 'thumbs':
          return filter.values.includes(thumbsOf(cells.value(column.column.id, row.id)?.value))
        default:
          return false
      }
    })
  }

  function keyOf(cells: Cells, sort: PlannedSort, row: Row): SortKey {
    const column = sort.column
    if (column.role.kind === 'evaluator') return scoreOf(cells, column.column.id, row)
    if (column.role.kind === 'thumbs')
      return thumbsScore(cells.value(column.column.id, row.id)?.value)
    return textOf(cells, column, row)
  }

  /** Sort order: keys (empty last) in the sort's direction, then row index ascending. */
  function compare(
    sort: PlannedSort | null,
    a: { key: SortKey; index: number },
    b: { key: SortKey; index: number },
  ): number {
    if (sort !== null && a.key !== b.key) {
      if (a.key === null) return 1
      if (b.key === null) return -1
      const order =
        typeof a.key === 'number' && typeof b.key === 'number'
          ? a.key - b.key
          : compareText(String(a.key), String(b.key))
      if (order !== 0) return sort.direction === 'asc' ? order : -order
    }
    return a.index - b.index
  }

  function matchingRows(evaluationId: string, filtersInput: PlannedFilter[]): Row[] {
    const cells = cellsOf(evaluationId, null)
    return cells.rows.filter((row) => matches(cells, filtersInput, row))
  }

  function passRateOf(
    results: (CellResult | undefined)[],
  ): RunPassRate & { verdicts: ('pass' | 'fail' | 'other')[] } {
    let pass = 0
    let fail = 0
    let error = 0
    const verdicts = results.map((result) => {
      const verdict = verdictOf(result)
      if (verdict === 'pass') pass++
      else if (verdict === 'fail') fail++
      else if (verdict === 'error') error++
      return verdict === 'pass' || verdict === 'fail' ? verdict : 'other'
    })
    return {
      pass,
      fail,
      error,
      passRate: pass + fail === 0 ? null : pass / (pass + fail),
      verdicts,
    }
  }

  return {
    async page(evaluationId, input) {
      const query = parseQuery(ResultsQuerySchema, input)
      checkPageStart(query)
      requireEvaluation(evaluationId)
      if (query.runId !== null) requireRun(evaluationId, query.runId)
      const columns = columnsOf(evaluationId)
      const filters = planFilters(columns, query.filters)
      const sort = planSort(columns, query.sort)
      const signature = listingSignature(sort, query.filters, query.runId)
      const cells = cellsOf(evaluationId, query.runId)
      const keyed = cells.rows
        .filter((row) => matches(cells, filters, row))
        .map((row) => ({ row, index: row.index, key: sort ? keyOf(cells, sort, row) : null }))
        .sort((a, b) => compare(sort, a, b))
      let start = query.offset === null ? 0 : Math.min(query.offset, keyed.length)
      let total = keyed.length
      if (query.cursor !== null) {
        const cursor = decodeCursor(query.cursor, signature)
        total = cursor.total ?? total
        let key: SortKey = null
        if ('key' in cursor) key = cursor.key
        else if (sort !== null) {
          const row = cells.rows.find((r) => r.index === cursor.index)
          if (!row) {
            throw new AssayError('invalid_input', 'the cursor row is gone; start again', {
              position: { field: 'cursor' },
            })
          }
          key = keyOf(cells, sort, row)
        }
        const after = { key, index: cursor.index }
        start = keyed.findIndex((k) => compare(sort, k, after) > 0)
        if (start < 0) start = keyed.length
      }
      const slice = keyed.slice(start, start + query.limit)
      const last = slice[slice.length - 1]
      const more = start + query.limit < keyed.length
      const rows: ResultsRow[] = slice.map(({ row }) => {
        const view: ResultsRow = { id: row.id, index: row.index, data: {}, values: {}, results: {} }
        for (const { column, role } of columns.values()) {
          if (role.kind === 'data') view.data[column.id] = row.values[role.index] ?? ''
          else if (role.kind === 'text-value' || role.kind === 'thumbs') {
            const value = cells.value(column.id, row.id)
            if (value) {
              view.values[column.id] = {
                value: value.value,
                editedBy: value.editedBy,
                editedAt: value.editedAt,
              }
            }
          } else {
            const result = cells.result(column.id, row.id)
            if (result) view.results[column.id] = toView(result)
          }
        }
        return view
      })
      return {
        rows,
        nextCursor: more && last ? encodeCursor(signature, last.index, last.key, total) : null,
        total,
        rowCount: cells.rows.length,
      }
    },

    async aggregate(evaluationId, input, options = {}) {
      const query = parseQuery(ResultsAggregateQuerySchema, input)
      requireEvaluation(evaluationId)
      if (query.runId !== null) requireRun(evaluationId, query.runId)
      const columns = columnsOf(evaluationId)
      const filters = planFilters(columns, query.filters)
      const cells = cellsOf(evaluationId, query.runId)
      const rows = cells.rows.filter((row) => matches(cells, filters, row))
      const scales: ColumnScales = options.scales ?? {}
      const aggregates: ColumnAggregate[] = []
      const ordered = [...columns.values()].sort((a, b) => a.column.position - b.column.position)
      for (const { column, role } of ordered) {
        if (role.kind === 'evaluator') {
          const groups: AggregateGroup[] = []
          for (const row of rows) {
            const result = cells.result(column.id, row.id)
            if (!result) continue
            const tokens = result.tokensIn + result.tokensOut
            groups.push({
              status: result.status,
              score: typeof result.value === 'number' ? result.value : null,
              pass: result.pass,
              count: 1,
              unparseable:
                result.status === 'error' && result.error?.code === JUDGE_UNPARSEABLE ? 1 : 0,
              tokensIn: result.tokensIn,
              tokensOut: result.tokensOut,
              cost: result.cost ?? 0,
              unknownCost: result.cost === null && tokens > 0 ? 1 : 0,
            })
          }
          const head = {
            columnId: column.id,
            kind: 'evaluator' as const,
            scale: scales[column.id] ?? fallbackScale(role.threshold),
            threshold: role.threshold,
          }
          aggregates.push(columnAggregate(head, rows.length, groups))
        } else if (role.kind === 'thumbs') {
          const groups: AggregateGroup[] = []
          for (const row of rows) {
            const score = thumbsScore(cells.value(column.id, row.id)?.value)
            if (score === null) continue
            groups.push({
              status: 'done',
              score,
              pass: score === 1,
              count: 1,
              unparseable: 0,
              tokensIn: 0,
              tokensOut: 0,
              cost: 0,
              unknownCost: 0,
            })
          }
          const head = {
            columnId: column.id,
            kind: 'human' as const,
            scale: { kind: 'boolean' as const },
            threshold: null,
          }
          aggregates.push(columnAggregate(head, rows.length, groups))
        }
      }
      return { rows: rows.length, rowCount: cells.rows.length, columns: aggregates }
    },

    async agreement(evaluationId, evaluatorColumnId, labelColumnId, input) {
      const query = parseQuery(ResultsAggregateQuerySchema, input)
      requireEvaluation(evaluationId)
      if (query.runId !== null) requireRun(evaluationId, query.runId)
      const columns = columnsOf(evaluationId)
      const judge = columns.get(evaluatorColumnId)
      if (!judge || judge.role.kind !== 'evaluator') {
        throw new AssayError('invalid_input', 'agreement needs an evaluator column', {
          position: { field: 'evaluatorColumnId' },
        })
      }
      const label = columns.get(labelColumnId)
      if (!label || labelColumnId === evaluatorColumnId) {
        throw new AssayError('invalid_input', 'agreement needs another column of the evaluation', {
          position: { field: 'labelColumnId' },
        })
      }
      const filters = planFilters(columns, query.filters)
      const cells = cellsOf(evaluationId, query.runId)
      const rows = cells.rows.filter((row) => matches(cells, filters, row))
      const pairs = rows.map((row) => {
        const score = scoreOf(cells, evaluatorColumnId, row)
        let value: number | null
        if (label.role.kind === 'evaluator') value = scoreOf(cells, labelColumnId, row)
        else if (label.role.kind === 'thumbs')
          value = thumbsScore(cells.value(labelColumnId, row.id)?.value)
        else value = labelValue(textOf(cells, label, row))
        return [score, value] as const
      })
      const threshold = judge.role.threshold
      return {
        evaluatorColumnId,
        labelColumnId,
        rows: rows.length,
        ...agreementOfPairs(pairs, threshold),
      }
    },

    async compareRuns(runA, runB, input) {
      const query = parseQuery(RunComparisonQuerySchema, input)
      const a = state.runs.get(runA)
      const b = state.runs.get(runB)
      if (!a) throw new AssayError('not_found', `run ${runA} does not exist`)
      if (!b || b.evaluationId !== a.evaluationId) {
        throw new AssayError('not_found', `run ${runB} is not a run of the same evaluation`)
      }
      const evaluationId = a.evaluationId
      const columns = columnsOf(evaluationId)
      const compared = comparedColumns(columns, query.columnIds)
      const filters = planFilters(columns, query.filters)
      const rows = matchingRows(evaluationId, filters)
      const cellsA = cellsOf(evaluationId, runA)
      const cellsB = cellsOf(evaluationId, runB)
      const flips = new Map<number, CellVerdictChange[]>()
      const summaries: ColumnComparison[] = compared.map((columnId) => {
        const left = passRateOf(rows.map((row) => cellsA.result(columnId, row.id)))
        const right = passRateOf(rows.map((row) => cellsB.result(columnId, row.id)))
        let fixed = 0
        let broken = 0
        rows.forEach((row, i) => {
          const va = left.verdicts[i]
          const vb = right.verdicts[i]
          if (va === 'other' || vb === 'other' || va === vb || !va || !vb) return
          if (va === 'fail') fixed++
          else broken++
          const list = flips.get(row.index) ?? []
          list.push({
            columnId,
            a: va,
            b: vb,
            scoreA: scoreOf(cellsA, columnId, row),
            scoreB: scoreOf(cellsB, columnId, row),
          })
          flips.set(row.index, list)
        })
        const { verdicts: _a, ...rateA } = left
        const { verdicts: _b, ...rateB } = right
        const change =
          rateA.passRate === null || rateB.passRate === null
            ? null
            : rateB.passRate - rateA.passRate
        return { columnId, a: rateA, b: rateB, change, fixed, broken }
      })
      const signature = 'compare:index'
      const after = query.cursor === null ? -1 : decodeCursor(query.cursor, signature).index
      const changed = rows.filter((row) => flips.has(row.index))
      const next = changed.filter((row) => row.index > after)
      const page = next.slice(0, query.limit)
      const last = page[page.length - 1]
      return {
        runA,
        runB,
        rows: rows.length,
        columns: summaries,
        changes: page.map((row) => ({
          index: row.index,
          rowId: row.id,
          cells: flips.get(row.index) ?? [],
        })),
        nextCursor:
          next.length > query.limit && last ? encodeCursor(signature, last.index, null) : null,
        changedRows: changed.length,
      }
    },
  }
}
