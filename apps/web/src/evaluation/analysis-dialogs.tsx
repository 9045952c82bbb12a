import { useState } from 'react'
import { api, call } from '../api/client'
import type { Agreement, Column, ResultsFilter, Run, RunComparison } from '../api/types'
import { ErrorNote, Field, Modal, Spinner } from '../components/ui'
import { count, num, pct, score, when } from '../format'
import { kindOf } from './columns'
import { statusLabel } from './run-controls'

export function CompareDialog({
  runs,
  columns,
  filters,
  onClose,
}: {
  runs: Run[]
  columns: Column[]
  filters: ResultsFilter[]
  onClose: () => void
}) {
  const [a, setA] = useState(runs[1]?.id ?? '')
  const [b, setB] = useState(runs[0]?.id ?? '')
  const [result, setResult] = useState<RunComparison | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const nameOf = (id: string) => columns.find((c) => c.id === id)?.name ?? id
  const label = (r: Run) => `${when(r.createdAt)} · ${r.scope.mode} · ${statusLabel(r.status)}`
  const compare = async () => {
    setBusy(true)
    setError(null)
    try {
      setResult(
        await call(
          api.POST('/api/v1/runs/{runId}/compare', {
            params: { path: { runId: a } },
            body: { otherRunId: b, filters, limit: 100 },
          }),
        ),
      )
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Modal title="Compare runs" onClose={onClose} wide testId="compare-dialog">
      {runs.length < 2 ? <p className="muted">This evaluation needs two runs to compare.</p> : null}
      <div className="cols-3 align-end">
        <Field label="Run A (before)">
          {(id) => (
            <select id={id} value={a} onChange={(e) => setA(e.target.value)}>
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {label(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Run B (after)">
          {(id) => (
            <select id={id} value={b} onChange={(e) => setB(e.target.value)}>
              {runs.map((r) => (
                <option key={r.id} value={r.id}>
                  {label(r)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field">
          <button
            type="button"
            className="primary"
            disabled={!a || !b || a === b || busy}
            onClick={compare}
          >
            Compare
          </button>
        </div>
      </div>
      {busy ? <Spinner /> : null}
      <ErrorNote error={error} />
      {result ? (
        <>
          <table className="list">
            <thead>
              <tr>
                <th>Evaluator</th>
                <th className="num">Pass rate A</th>
                <th className="num">Pass rate B</th>
                <th className="num">Change</th>
                <th className="num">Fixed</th>
                <th className="num">Broken</th>
              </tr>
            </thead>
            <tbody>
              {result.columns.map((c) => (
                <tr key={c.columnId}>
                  <td>{nameOf(c.columnId)}</td>
                  <td className="num">{pct(c.a.passRate, 1)}</td>
                  <td className="num">{pct(c.b.passRate, 1)}</td>
                  <td
                    className={`num ${c.change && c.change > 0 ? 'c-pass' : c.change && c.change < 0 ? 'c-fail' : ''}`}
                  >
                    {c.change === null
                      ? '–'
                      : `${c.change > 0 ? '+' : ''}${(c.change * 100).toFixed(1)} pt`}
                  </td>
                  <td className="num">{count(c.fixed)}</td>
                  <td className="num">{count(c.broken)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>
            {count(result.changedRows)} rows changed verdict
            {result.changes.length < result.changedRows
              ? ` (first ${result.changes.length} shown)`
              : ''}
          </h3>
          <div className="preview-wrap">
            <table className="list">
              <thead>
                <tr>
                  <th>Row</th>
                  <th>Evaluator</th>
                  <th>A</th>
                  <th>B</th>
                </tr>
              </thead>
              <tbody>
                {result.changes.flatMap((row) =>
                  row.cells.map((cell) => (
                    <tr key={`${row.rowId}-${cell.columnId}`}>
                      <td>{row.index + 1}</td>
                      <td>{nameOf(cell.columnId)}</td>
                      <td className={`v-text-${cell.a}`}>
                        {cell.a} {cell.scoreA !== null ? `(${score(cell.scoreA)})` : ''}
                      </td>
                      <td className={`v-text-${cell.b}`}>
                        {cell.b} {cell.scoreB !== null ? `(${score(cell.scoreB)})` : ''}
                      </td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </Modal>
  )
}

export function AgreementDialog({
  evaluationId,
  columns,
  filters,
  onClose,
}: {
  evaluationId: string
  columns: Column[]
  filters: ResultsFilter[]
  onClose: () => void
}) {
  const evaluators = columns.filter((c) => kindOf(c) === 'evaluator')
  const labels = columns.filter((c) => ['data', 'manual', 'thumbs'].includes(kindOf(c)))
  const [judge, setJudge] = useState(evaluators[0]?.id ?? '')
  const [label, setLabel] = useState(
    labels.find((c) => kindOf(c) === 'thumbs')?.id ??
      labels.find((c) => /label|is_|truth|human/i.test(c.name))?.id ??
      labels[0]?.id ??
      '',
  )
  const [result, setResult] = useState<Agreement | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const run = async () => {
    setBusy(true)
    setError(null)
    try {
      setResult(
        await call(
          api.POST('/api/v1/evaluations/{evaluationId}/agreement', {
            params: { path: { evaluationId } },
            body: { evaluatorColumnId: judge, labelColumnId: label, filters },
          }),
        ),
      )
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const stat = (name: string, value: number | null, hint: string) => (
    <div className="stat">
      <div className="stat-value">{value === null ? '–' : num(value, 3)}</div>
      <div className="stat-name">{name}</div>
      <div className="hint">{hint}</div>
    </div>
  )
  return (
    <Modal title="Agreement" onClose={onClose} wide testId="agreement-dialog">
      <p className="hint">
        Can this judge be trusted? Compare an evaluator column with human labels (a 1/0 label column
        or a thumbs column), over the filtered rows.
      </p>
      <div className="cols-3 align-end">
        <Field label="Evaluator column">
          {(id) => (
            <select id={id} value={judge} onChange={(e) => setJudge(e.target.value)}>
              {evaluators.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Label column">
          {(id) => (
            <select id={id} value={label} onChange={(e) => setLabel(e.target.value)}>
              {labels.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field">
          <button
            type="button"
            className="primary"
            disabled={!judge || !label || busy}
            onClick={run}
          >
            Compute
          </button>
        </div>
      </div>
      <ErrorNote error={error} />
      {result ? (
        <>
          <p>
            {count(result.n)} pairs of {count(result.rows)} rows, comparing{' '}
            {result.mode === 'verdict' ? "the judge's pass/fail with the label" : 'the values'}.
          </p>
          <div className="stats">
            {result.accuracy === null ? (
              stat('Accuracy', null, '')
            ) : (
              <div className="stat">
                <div className="stat-value">{pct(result.accuracy, 1)}</div>
                <div className="stat-name">Accuracy</div>
                <div className="hint">pairs that agree</div>
              </div>
            )}
            {stat("Cohen's kappa", result.kappa, 'agreement beyond chance')}
            {stat('Weighted kappa', result.weightedKappa, 'quadratic, for ordinal scores')}
            {stat('Spearman', result.spearman, 'rank correlation of the raw score')}
          </div>
        </>
      ) : null}
    </Modal>
  )
}
