import { useQuery } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { api, call } from '../api/client'
import type { Column, ResultsFilter, RunEstimate } from '../api/types'
import { ErrorNote, Field, Modal } from '../components/ui'
import { count, money } from '../format'

export type RunMode = 'unfinished' | 'all' | 'failed' | 'rows' | 'column'

/** What starting a run sends (POST /evaluations/{id}/runs), the estimate takes the same body. */
export type RunRequest = {
  mode: RunMode
  columnIds?: string[]
  filters?: ResultsFilter[]
  budget?: { maxTokens: number | null; maxCost: number | null }
}

const MODE_LABEL: Record<Exclude<RunMode, 'column'>, string> = {
  unfinished: 'Unfinished cells',
  all: 'All cells again (new results for every cell)',
  failed: 'Failed cells again',
  rows: 'The rows the filters select',
}

/**
 * Every run starts here: the cells it will run, the model calls it will make and an estimate of
 * tokens and cost (SPEC §4), with an optional budget. Run is focused, so Enter starts it.
 */
export function RunDialog({
  evaluationId,
  initial,
  columns,
  filters,
  onClose,
  onRun,
}: {
  evaluationId: string
  initial: RunRequest
  columns: Column[]
  filters: ResultsFilter[]
  onClose: () => void
  onRun: (request: RunRequest) => Promise<void>
}) {
  const [mode, setMode] = useState<RunMode>(initial.mode)
  // After the Modal's showModal() (a parent effect runs after its children's), which focuses
  // the first control: Run gets the focus, so Enter confirms.
  const runButton = useRef<HTMLButtonElement>(null)
  useEffect(() => runButton.current?.focus(), [])
  const [tokens, setTokens] = useState('')
  const [cost, setCost] = useState('')
  const maxTokens = tokens.trim() === '' ? null : Number(tokens)
  const maxCost = cost.trim() === '' ? null : Number(cost)
  const budgetInvalid =
    (maxTokens !== null && !(Number.isInteger(maxTokens) && maxTokens > 0)) ||
    (maxCost !== null && !(maxCost > 0))
  const budget = maxTokens === null && maxCost === null ? undefined : { maxTokens, maxCost }
  const request: RunRequest =
    mode === 'column'
      ? { mode, columnIds: initial.columnIds }
      : mode === 'rows'
        ? { mode, filters }
        : { mode }
  const columnName =
    mode === 'column'
      ? (initial.columnIds ?? [])
          .map((id) => columns.find((c) => c.id === id)?.name ?? id)
          .join(', ')
      : ''

  const estimate = useQuery({
    queryKey: ['estimate', evaluationId, JSON.stringify(request)],
    queryFn: async () =>
      call(
        api.POST('/api/v1/evaluations/{evaluationId}/runs/estimate', {
          params: { path: { evaluationId } },
          body: request,
        }),
      ),
    staleTime: 10_000,
    retry: false,
  })
  const e = estimate.data
  const over =
    e && budget
      ? (budget.maxTokens !== null && e.inputTokens + e.outputTokens > budget.maxTokens) ||
        (budget.maxCost !== null && e.cost !== null && e.cost > budget.maxCost)
      : false

  return (
    <Modal title="Run" onClose={onClose} wide testId="run-dialog">
      <form
        className="grid-form"
        onSubmit={(event) => {
          event.preventDefault()
          if (!budgetInvalid) void onRun({ ...request, ...(budget ? { budget } : {}) })
        }}
      >
        <Field label="Cells">
          {(id) => (
            <select id={id} value={mode} onChange={(ev) => setMode(ev.target.value as RunMode)}>
              {initial.mode === 'column' ? (
                <option value="column">Column {columnName}</option>
              ) : null}
              {(Object.keys(MODE_LABEL) as (keyof typeof MODE_LABEL)[])
                .filter((m) => m !== 'rows' || filters.length > 0)
                .map((m) => (
                  <option key={m} value={m}>
                    {MODE_LABEL[m]}
                  </option>
                ))}
            </select>
          )}
        </Field>
        <EstimateView estimate={e} loading={estimate.isFetching} error={estimate.error} />
        <fieldset className="budget">
          <legend>Budget (optional)</legend>
          <p className="hint">
            When the next model request would go over the budget, the run stops by itself, exactly
            as a confirmed stop does, and says why. Everything stored before stays.
          </p>
          <div className="cols-2">
            <Field label="Most tokens (in + out)">
              {(id) => (
                <input
                  id={id}
                  type="number"
                  min={1}
                  step={1}
                  value={tokens}
                  onChange={(ev) => setTokens(ev.target.value)}
                />
              )}
            </Field>
            <Field label="Most cost ($)">
              {(id) => (
                <input
                  id={id}
                  type="number"
                  min={0}
                  step="any"
                  value={cost}
                  onChange={(ev) => setCost(ev.target.value)}
                />
              )}
            </Field>
          </div>
          {budgetInvalid ? (
            <p className="error-note" role="alert">
              A budget is a whole number of tokens above 0, or a cost above $0.
            </p>
          ) : over ? (
            <p className="warn-note" data-testid="over-budget">
              The estimate is over this budget: the run will stop by itself when it reaches it.
            </p>
          ) : null}
        </fieldset>
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={budgetInvalid} ref={runButton}>
            Run
          </button>
        </div>
      </form>
    </Modal>
  )
}

function EstimateView({
  estimate: e,
  loading,
  error,
}: {
  estimate: RunEstimate | undefined
  loading: boolean
  error: unknown
}) {
  if (error) return <ErrorNote error={error} />
  if (!e)
    return (
      <p className="hint" aria-live="polite">
        Estimating…
      </p>
    )
  const atLeast = e.lowerBound ? 'at least ' : ''
  return (
    <section
      className="estimate"
      aria-label="Estimate"
      aria-busy={loading}
      data-testid="run-estimate"
    >
      <p className="estimate-line">
        <strong>{count(e.cells)}</strong> cells in {count(e.rowsWithCells)} rows ·{' '}
        <strong>
          {atLeast}
          {count(e.modelCalls)}
        </strong>{' '}
        model calls
        {e.cachedCalls > 0 ? ` (+ ${count(e.cachedCalls)} from the cache, free)` : ''}
        {e.apiCalls > 0 ? ` · ${count(e.apiCalls)} API calls` : ''} · ~
        {count(e.inputTokens + e.outputTokens)} tokens · ~<strong>{money(e.cost)}</strong>
      </p>
      {e.cells === 0 ? <p className="hint">Nothing to run: every cell in scope is done.</p> : null}
      {e.columns.length > 0 ? (
        <table className="list estimate-columns">
          <thead>
            <tr>
              <th>Column</th>
              <th>Model</th>
              <th className="num">Cells</th>
              <th className="num">Model calls</th>
              <th className="num">Tokens in</th>
              <th className="num">Tokens out</th>
              <th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {e.columns.map((c) => (
              <tr key={c.columnId}>
                <td>{c.columnName}</td>
                <td>
                  {c.model
                    ? `${c.model} (${c.connectionName ?? ''})`
                    : c.kind === 'metric'
                      ? 'metric, no model'
                      : c.kind === 'api'
                        ? 'API endpoint'
                        : '–'}
                </td>
                <td className="num">{count(c.cells)}</td>
                <td className="num">
                  {c.lowerBound ? '≥ ' : ''}
                  {count(c.modelCalls + c.apiCalls)}
                </td>
                <td className="num">{count(c.inputTokens)}</td>
                <td className="num">{count(c.outputTokens)}</td>
                <td className="num">{money(c.cost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <details>
        <summary>How this is estimated</summary>
        <ul className="hint">
          {e.assumptions.map((a) => (
            <li key={a}>{a}</li>
          ))}
        </ul>
      </details>
    </section>
  )
}
