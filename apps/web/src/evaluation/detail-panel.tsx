import { useQuery } from '@tanstack/react-query'
import { api, call } from '../api/client'
import type { Column } from '../api/types'
import { ErrorNote, Spinner } from '../components/ui'
import { count, duration, money, score, when } from '../format'
import { verdictOf } from './columns'
import type { CellRef } from './table'

/** The side panel of one generator or evaluator cell: prompt, raw answer, usage, attempts. */
export function DetailPanel({
  evaluationId,
  cell,
  columns,
  runActive,
  canEdit,
  onStopCell,
  onClose,
}: {
  evaluationId: string
  cell: CellRef
  columns: Column[]
  runActive: boolean
  canEdit: boolean
  onStopCell: (rowId: string, columnId: string) => void
  onClose: () => void
}) {
  const { row, column } = cell
  const view = row.results[column.id]
  const detail = useQuery({
    queryKey: ['cell', row.id, column.id, view?.finishedAt ?? null],
    queryFn: async () =>
      (
        await call(
          api.GET('/api/v1/rows/{rowId}/cells/{columnId}', {
            params: { path: { rowId: row.id, columnId: column.id } },
          }),
        )
      ).result,
  })
  const config = column.config
  const prompt = useQuery({
    queryKey: ['prompt', row.id, column.id],
    enabled:
      (config.kind === 'evaluator' && !config.evaluator.evaluatorId.startsWith('metric:')) ||
      (config.kind === 'generated' && config.generator.type === 'prompt'),
    queryFn: () =>
      call(
        api.POST('/api/v1/evaluations/{evaluationId}/prompt-preview', {
          params: { path: { evaluationId } },
          body:
            config.kind === 'evaluator'
              ? {
                  rowId: row.id,
                  evaluatorId: config.evaluator.evaluatorId,
                  mapping: config.evaluator.mapping,
                  options: config.evaluator.options ?? {},
                }
              : {
                  rowId: row.id,
                  template:
                    config.kind === 'generated' && config.generator.type === 'prompt'
                      ? config.generator.prompt
                      : '',
                },
        }),
      ),
  })
  const d = detail.data ?? null
  const verdict = verdictOf(view)
  const mapping = config.kind === 'evaluator' ? config.evaluator.mapping : null
  const nameOf = (id: string) => columns.find((c) => c.id === id)?.name ?? id
  return (
    <aside className="detail" aria-label="Cell detail" data-testid="detail-panel">
      <header>
        <div>
          <h2>{column.name}</h2>
          <div className="muted">Row {row.index + 1}</div>
        </div>
        <button
          type="button"
          className="icon"
          aria-label="Close the detail panel"
          onClick={onClose}
        >
          ×
        </button>
      </header>
      <div className="detail-body">
        <div className="detail-score">
          <span className={`chip big v-${verdict}`}>
            {view?.status === 'done' ? score(view.value) : (view?.status ?? 'pending')}
          </span>
          {verdict === 'pass' || verdict === 'fail' ? (
            <span className={`verdict-${verdict}`}>{verdict}</span>
          ) : null}
          {canEdit &&
          runActive &&
          (!view || view.status === 'pending' || view.status === 'running') ? (
            <button type="button" onClick={() => onStopCell(row.id, column.id)}>
              Stop this cell
            </button>
          ) : null}
        </div>
        {view?.explanation ? (
          <section>
            <h3>Explanation</h3>
            <p className="explanation" data-testid="explanation">
              {view.explanation}
            </p>
          </section>
        ) : null}
        {view?.error ? (
          <section>
            <h3>Error</h3>
            <p className="error-note">
              <code>{view.error.code}</code> {view.error.message}
            </p>
          </section>
        ) : null}
        {mapping ? (
          <section>
            <h3>Variables</h3>
            <dl className="props">
              {Object.entries(mapping).map(([variable, columnId]) => (
                <div key={variable} className="prop-row">
                  <dt>
                    <code>{`{{${variable}}}`}</code>
                  </dt>
                  <dd>{nameOf(columnId)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ) : null}
        {prompt.data ? (
          <section>
            <h3>Rendered prompt</h3>
            {prompt.data.problem ? <p className="error-note">{prompt.data.problem}</p> : null}
            {prompt.data.system ? <pre className="prompt">{prompt.data.system}</pre> : null}
            {prompt.data.prompt ? <pre className="prompt">{prompt.data.prompt}</pre> : null}
          </section>
        ) : null}
        {detail.isPending ? <Spinner /> : null}
        <ErrorNote error={detail.error} />
        {d ? (
          <>
            <section>
              <h3>Usage</h3>
              <dl className="props">
                <dt>Tokens in / out</dt>
                <dd>
                  {count(d.tokensIn)} / {count(d.tokensOut)}
                </dd>
                <dt>Cost</dt>
                <dd>{money(d.cost)}</dd>
                <dt>Latency</dt>
                <dd>{d.latencyMs === null ? '–' : duration(d.latencyMs)}</dd>
                <dt>Attempts</dt>
                <dd>{d.attempts}</dd>
                <dt>Model</dt>
                <dd>{d.model ?? '–'}</dd>
                <dt>Cached</dt>
                <dd>{d.cached ? 'yes (no model call)' : 'no'}</dd>
                <dt>Finished</dt>
                <dd>{when(d.finishedAt)}</dd>
              </dl>
            </section>
            <section>
              <h3>Raw answer</h3>
              {d.raw ? (
                <pre className="prompt">{d.raw}</pre>
              ) : (
                <p className="muted">None stored.</p>
              )}
            </section>
          </>
        ) : detail.isSuccess ? (
          <p className="muted">No finished result for this cell yet.</p>
        ) : null}
      </div>
    </aside>
  )
}
