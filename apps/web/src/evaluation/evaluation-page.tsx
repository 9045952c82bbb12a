import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { api, call } from '../api/client'
import type { Column, ResultsFilter, Run, RunProgress, StreamedCell } from '../api/types'
import { Confirm, ErrorNote, MenuButton, RoleBadge, Spinner } from '../components/ui'
import { count } from '../format'
import { useProject } from '../pages/project'
import { NameDialog } from '../pages/projects'
import { Link, useTitle } from '../router'
import { AgreementDialog, CompareDialog } from './analysis-dialogs'
import {
  AddEvaluatorDialog,
  ApiColumnDialog,
  PromptColumnDialog,
  PropertiesDialog,
  SimpleColumnDialog,
} from './column-dialogs'
import { kindOf } from './columns'
import { DetailPanel } from './detail-panel'
import { describeFilter, FilterDialog } from './filter-dialog'
import { ImportDialog } from './import-dialog'
import { Insights } from './insights'
import { ProgressRing, statusLabel, useRunCounts } from './run-controls'
import { RunDialog, type RunRequest } from './run-dialog'
import { type CellRef, type ColumnAction, ResultsTable } from './table'
import { DEFAULT_OPTIONS, useTableOptions } from './table-options'
import { useResults } from './use-results'
import { ACTIVE, useLiveRun, useRuns } from './use-run'

type Dialog =
  | { kind: 'import' }
  | { kind: 'evaluator' }
  | { kind: 'prompt' }
  | { kind: 'api' }
  | { kind: 'rag' }
  | { kind: 'human' }
  | { kind: 'manual' }
  | { kind: 'filter'; columnId?: string }
  | { kind: 'stop' }
  | { kind: 'run'; request: RunRequest }
  | { kind: 'compare' }
  | { kind: 'agreement' }
  | { kind: 'properties'; column: Column }
  | { kind: 'rename'; column: Column }
  | { kind: 'delete'; column: Column }
  | null

export function EvaluationPage({ evaluationId }: { evaluationId: string }) {
  const queryClient = useQueryClient()
  const evaluation = useQuery({
    queryKey: ['evaluation', evaluationId],
    queryFn: () =>
      call(
        api.GET('/api/v1/evaluations/{evaluationId}', {
          params: { path: { evaluationId } },
        }),
      ),
  })
  const e = evaluation.data
  useTitle(e?.name ?? 'Evaluation')
  const project = useProject(e?.projectId ?? '')
  const columns = useMemo(
    () => [...(e?.columns ?? [])].sort((a, b) => a.position - b.position),
    [e?.columns],
  )
  const table = useTableOptions(evaluationId, e ? columns : undefined)
  const options = table.options ?? DEFAULT_OPTIONS
  const { update: updateOptions } = table
  const onWidths = useCallback(
    (widths: Record<string, number>) => updateOptions((o) => ({ ...o, widths })),
    [updateOptions],
  )
  const hiddenKey = options.hidden.join(',')
  const visible = useMemo(
    () => columns.filter((c) => !hiddenKey.split(',').includes(c.id)),
    [columns, hiddenKey],
  )
  const [reloadKey, setReloadKey] = useState(0)
  const results = useResults(
    evaluationId,
    options.filters,
    options.sort,
    table.ready ? reloadKey : -1,
  )
  const filtersKey = JSON.stringify(options.filters)
  const [aggTick, setAggTick] = useState(0)
  const aggregate = useQuery({
    queryKey: ['aggregate', evaluationId, filtersKey, aggTick],
    enabled: table.ready,
    queryFn: async () =>
      await call(
        api.POST('/api/v1/evaluations/{evaluationId}/results/aggregate', {
          params: { path: { evaluationId } },
          body: { filters: JSON.parse(filtersKey) as ResultsFilter[] },
        }),
      ),
    placeholderData: (previous) => previous,
  })
  const aggTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const refreshAggregate = useCallback((delay = 400) => {
    if (aggTimer.current) return
    aggTimer.current = setTimeout(() => {
      aggTimer.current = null
      setAggTick((t) => t + 1)
    }, delay)
  }, [])
  useEffect(
    () => () => {
      if (aggTimer.current) clearTimeout(aggTimer.current)
    },
    [],
  )

  const runs = useRuns(evaluationId)
  const latest = runs.data?.[0]
  const { applyCells } = results
  const live = useLiveRun(latest, {
    onCells: useCallback(
      (cells: StreamedCell[]) => {
        applyCells(cells)
        refreshAggregate()
      },
      [applyCells, refreshAggregate],
    ),
    onReset: () => {
      setReloadKey((k) => k + 1)
      refreshAggregate(0)
    },
    onEnd: () => refreshAggregate(0),
  })
  const run = live.run ?? latest ?? null
  const runActive = run ? ACTIVE.has(run.status) : false
  const progress = live.progress && live.progress.runId === run?.id ? live.progress : null
  const finalCounts = useRunCounts(run, !runActive).data ?? null

  const [dialog, setDialog] = useState<Dialog>(null)
  const [detail, setDetail] = useState<CellRef | null>(null)
  const [actionError, setActionError] = useState<unknown>(null)
  const [hideInsights, setHideInsights] = useState(false)

  const aggregates = useMemo(
    () => new Map((aggregate.data?.columns ?? []).map((a) => [a.columnId, a])),
    [aggregate.data],
  )

  if (evaluation.isPending) return <Spinner />
  if (!e)
    return (
      <div className="page">
        <ErrorNote error={evaluation.error} />
      </div>
    )
  const role = e.role
  const canEdit = role !== 'viewer'

  const afterColumns = async () => {
    setDialog(null)
    await queryClient.invalidateQueries({ queryKey: ['evaluation', evaluationId] })
    setReloadKey((k) => k + 1)
    refreshAggregate(0)
  }
  const act = async (action: () => Promise<unknown>) => {
    setActionError(null)
    try {
      await action()
    } catch (error) {
      setActionError(error)
    }
  }
  const startRun = (body: RunRequest) =>
    act(async () => {
      const started = await call(
        api.POST('/api/v1/evaluations/{evaluationId}/runs', {
          params: { path: { evaluationId } },
          body,
        }),
      )
      queryClient.setQueryData<Run[]>(['runs', evaluationId], (old) => [started, ...(old ?? [])])
      await queryClient.invalidateQueries({ queryKey: ['runs', evaluationId] })
    })
  const stop = (target: { columnId?: string; rowId?: string } = {}) =>
    act(async () => {
      if (!run) return
      const stopped = await call(
        api.POST('/api/v1/runs/{runId}/stop', {
          params: { path: { runId: run.id } },
          body: target,
        }),
      )
      if (!target.columnId && !target.rowId)
        queryClient.setQueryData<Run[]>(['runs', evaluationId], (old) =>
          (old ?? []).map((r) => (r.id === stopped.id ? stopped : r)),
        )
      await queryClient.invalidateQueries({ queryKey: ['runs', evaluationId] })
      refreshAggregate(0)
    })
  const resume = () =>
    act(async () => {
      if (!run) return
      const resumed = await call(
        api.POST('/api/v1/runs/{runId}/resume', { params: { path: { runId: run.id } } }),
      )
      queryClient.setQueryData<Run[]>(['runs', evaluationId], (old) =>
        (old ?? []).map((r) => (r.id === resumed.id ? resumed : r)),
      )
      await queryClient.invalidateQueries({ queryKey: ['runs', evaluationId] })
    })
  const runnable = columns.some((c) => kindOf(c) === 'evaluator' || kindOf(c) === 'generated')

  const onColumnAction = (column: Column, action: ColumnAction) => {
    switch (action) {
      case 'sort-asc':
      case 'sort-desc':
        table.update((o) => ({
          ...o,
          sort: { columnId: column.id, direction: action === 'sort-asc' ? 'asc' : 'desc' },
        }))
        return
      case 'sort-clear':
        table.update((o) => ({ ...o, sort: null }))
        return
      case 'filter':
        setDialog({ kind: 'filter', columnId: column.id })
        return
      case 'hide':
        table.update((o) => ({ ...o, hidden: [...o.hidden, column.id] }))
        return
      case 'run':
        setDialog({ kind: 'run', request: { mode: 'column', columnIds: [column.id] } })
        return
      case 'stop':
        void stop({ columnId: column.id })
        return
      case 'properties':
      case 'rename':
      case 'delete':
        setDialog({ kind: action, column })
        return
    }
  }

  const onEdit = async (row: { id: string }, column: Column, value: string | null) => {
    try {
      const saved = await call(
        api.PUT('/api/v1/rows/{rowId}/cells/{columnId}', {
          params: { path: { rowId: row.id, columnId: column.id } },
          body: { value },
        }),
      )
      results.applyEdit(row.id, column.id, {
        value: saved.value,
        editedBy: saved.editedBy,
        editedAt: saved.editedAt,
      })
      if (kindOf(column) === 'thumbs') refreshAggregate(0)
    } catch (error) {
      setActionError(error)
    }
  }

  const filtered = options.filters.length > 0
  const projectName = project.data?.name ?? 'Project'
  const lastStopped = run && (run.status === 'stopped' || run.status === 'failed')
  return (
    <div className="eval-page">
      <div className="eval-head">
        <div>
          <nav className="crumbs" aria-label="Breadcrumb">
            <Link to="/">Projects</Link> <span aria-hidden="true">/</span>{' '}
            <Link to={`/projects/${e.projectId}`}>{projectName}</Link>{' '}
            <span aria-hidden="true">/</span>
          </nav>
          <div className="title-row">
            <h1>{e.name}</h1>
            <RoleBadge role={role} />
            <span className="muted">{count(e.rowCount)} rows</span>
          </div>
        </div>
        <div className="eval-actions">
          {run ? (
            <RunStatusLine
              run={run}
              progress={runActive ? progress : null}
              counts={runActive ? null : finalCounts}
            />
          ) : null}
          <ProgressRing run={run} progress={progress} />
          {canEdit && runActive ? (
            <button
              type="button"
              className="danger"
              onClick={() => setDialog({ kind: 'stop' })}
              disabled={run?.status === 'stopping'}
            >
              Stop
            </button>
          ) : null}
          {canEdit && !runActive && lastStopped ? (
            <button type="button" onClick={resume}>
              Resume
            </button>
          ) : null}
          {canEdit ? (
            <div className="split">
              <button
                type="button"
                className="primary"
                disabled={runActive || !runnable || e.rowCount === 0}
                onClick={() => setDialog({ kind: 'run', request: { mode: 'unfinished' } })}
                title="Run every unfinished cell of the generator and evaluator columns"
              >
                Run
              </button>
              <MenuButton
                label="▾"
                className="primary"
                ariaLabel="More run options"
                items={[
                  {
                    label: 'Run unfinished cells…',
                    onSelect: () => setDialog({ kind: 'run', request: { mode: 'unfinished' } }),
                    disabled: runActive,
                  },
                  {
                    label: 'Re-run all (new results for every cell)…',
                    onSelect: () => setDialog({ kind: 'run', request: { mode: 'all' } }),
                    disabled: runActive,
                  },
                  {
                    label: 'Re-run failed cells…',
                    onSelect: () => setDialog({ kind: 'run', request: { mode: 'failed' } }),
                    disabled: runActive,
                  },
                  {
                    label: 'Run on the filtered rows…',
                    disabled: runActive || !filtered,
                    // The server selects the rows matching the filters when the run starts.
                    onSelect: () => setDialog({ kind: 'run', request: { mode: 'rows' } }),
                  },
                ]}
              />
            </div>
          ) : null}
          {canEdit ? (
            <MenuButton
              label="+"
              className="icon add"
              ariaLabel="Add a column"
              testId="add-column"
              items={[
                { label: 'Run a prompt', onSelect: () => setDialog({ kind: 'prompt' }) },
                { label: 'Run an API', onSelect: () => setDialog({ kind: 'api' }) },
                { label: 'Run a RAG endpoint', onSelect: () => setDialog({ kind: 'rag' }) },
                { label: 'Add evaluator', onSelect: () => setDialog({ kind: 'evaluator' }) },
                { label: 'Add human feedback', onSelect: () => setDialog({ kind: 'human' }) },
                { label: 'Add empty column', onSelect: () => setDialog({ kind: 'manual' }) },
              ]}
            />
          ) : null}
          <MenuButton
            label="⋯"
            className="icon"
            ariaLabel="Evaluation menu"
            testId="evaluation-menu"
            items={[
              canEdit
                ? { label: 'Import data', onSelect: () => setDialog({ kind: 'import' }) }
                : null,
              canEdit
                ? { label: 'Export CSV', onSelect: () => download(evaluationId, 'csv') }
                : null,
              canEdit
                ? { label: 'Export JSONL', onSelect: () => download(evaluationId, 'jsonl') }
                : null,
              { label: 'Compare runs', onSelect: () => setDialog({ kind: 'compare' }) },
              { label: 'Agreement', onSelect: () => setDialog({ kind: 'agreement' }) },
              canEdit
                ? {
                    label: e.cacheEnabled
                      ? 'Turn the answer cache off'
                      : 'Turn the answer cache on',
                    onSelect: () =>
                      act(async () => {
                        await call(
                          api.PATCH('/api/v1/evaluations/{evaluationId}', {
                            params: { path: { evaluationId } },
                            body: { cacheEnabled: !e.cacheEnabled },
                          }),
                        )
                        await queryClient.invalidateQueries({
                          queryKey: ['evaluation', evaluationId],
                        })
                      }),
                  }
                : null,
            ]}
          />
        </div>
      </div>
      <ErrorNote error={actionError ?? table.saveError} />
      {e.rowCount === 0 ? (
        <div className="empty big">
          <h2>This evaluation is empty</h2>
          <p>
            Import a CSV or JSONL file (or production traces): you see the first 10 rows before
            anything is stored.
          </p>
          {canEdit ? (
            <button type="button" className="primary" onClick={() => setDialog({ kind: 'import' })}>
              Import data
            </button>
          ) : null}
        </div>
      ) : (
        <>
          <Insights
            aggregates={aggregate.data?.columns ?? []}
            columns={columns}
            filtered={filtered}
            hidden={hideInsights}
          />
          <div className="toolbar">
            <button type="button" onClick={() => setDialog({ kind: 'filter' })}>
              Filter
            </button>
            <MenuButton
              label={`Columns${options.hidden.length ? ` (${options.hidden.length} hidden)` : ''}`}
              ariaLabel="Show or hide columns"
              items={columns.map((c) => ({
                label: `${options.hidden.includes(c.id) ? '☐' : '☑'} ${c.name}`,
                onSelect: () =>
                  table.update((o) => ({
                    ...o,
                    hidden: o.hidden.includes(c.id)
                      ? o.hidden.filter((id) => id !== c.id)
                      : [...o.hidden, c.id],
                  })),
              }))}
            />
            <label className="inline-label">
              Row height
              <select
                value={options.rowHeight}
                onChange={(ev) =>
                  table.update((o) => ({ ...o, rowHeight: ev.target.value as 'normal' }))
                }
              >
                <option value="compact">Compact</option>
                <option value="normal">Normal</option>
                <option value="tall">Tall</option>
              </select>
            </label>
            <button type="button" className="ghost" onClick={() => setHideInsights((h) => !h)}>
              {hideInsights ? 'Show Insights' : 'Hide Insights'}
            </button>
            <div className="chips" data-testid="active-filters">
              {options.filters.map((f, i) => (
                <span key={`${f.columnId}-${i}`} className="chip-filter">
                  {describeFilter(f, columns)}
                  <button
                    type="button"
                    aria-label={`Remove filter ${describeFilter(f, columns)}`}
                    onClick={() =>
                      table.update((o) => ({ ...o, filters: o.filters.filter((_, j) => j !== i) }))
                    }
                  >
                    ×
                  </button>
                </span>
              ))}
              {options.sort ? (
                <span className="chip-filter sort">
                  sorted by {columns.find((c) => c.id === options.sort?.columnId)?.name}{' '}
                  {options.sort.direction === 'asc' ? '▲' : '▼'}
                  <button
                    type="button"
                    aria-label="Clear the sort"
                    onClick={() => table.update((o) => ({ ...o, sort: null }))}
                  >
                    ×
                  </button>
                </span>
              ) : null}
              {options.hidden.length ? (
                <span className="chip-filter">
                  {options.hidden.length} hidden
                  <button
                    type="button"
                    aria-label="Show every column"
                    onClick={() => table.update((o) => ({ ...o, hidden: [] }))}
                  >
                    ×
                  </button>
                </span>
              ) : null}
            </div>
            <span className="spacer" />
            <span className="muted" data-testid="row-count">
              {results.total === null
                ? 'loading…'
                : filtered
                  ? `${count(results.total)} of ${count(e.rowCount)} rows`
                  : `${count(results.total)} rows`}
            </span>
          </div>
          <ErrorNote error={results.error} />
          <div className="table-area">
            <ResultsTable
              columns={visible}
              rows={results.rows}
              total={results.total ?? 0}
              version={results.version}
              options={options}
              aggregates={aggregates}
              canEdit={canEdit}
              runActive={runActive}
              loading={results.loading}
              want={results.want}
              onOpenCell={setDetail}
              onEdit={onEdit}
              onColumnAction={onColumnAction}
              onWidths={onWidths}
            />
            {detail ? (
              <DetailPanel
                evaluationId={evaluationId}
                cell={{
                  row: results.rowById(detail.row.id) ?? detail.row,
                  column: detail.column,
                }}
                columns={columns}
                runActive={runActive}
                canEdit={canEdit}
                onStopCell={(rowId, columnId) => void stop({ rowId, columnId })}
                onClose={() => setDetail(null)}
              />
            ) : null}
          </div>
        </>
      )}
      {dialog?.kind === 'import' ? (
        <ImportDialog
          evaluationId={evaluationId}
          projectId={e.projectId}
          onClose={() => setDialog(null)}
          onImported={() => void afterColumns()}
        />
      ) : null}
      {dialog?.kind === 'evaluator' ? (
        <AddEvaluatorDialog
          evaluationId={evaluationId}
          projectId={e.projectId}
          columns={columns}
          onClose={() => setDialog(null)}
          onSaved={() => void afterColumns()}
        />
      ) : null}
      {dialog?.kind === 'prompt' ? (
        <PromptColumnDialog
          evaluationId={evaluationId}
          projectId={e.projectId}
          columns={columns}
          onClose={() => setDialog(null)}
          onSaved={() => void afterColumns()}
        />
      ) : null}
      {dialog?.kind === 'api' || dialog?.kind === 'rag' ? (
        <ApiColumnDialog
          evaluationId={evaluationId}
          rag={dialog.kind === 'rag'}
          onClose={() => setDialog(null)}
          onSaved={() => void afterColumns()}
        />
      ) : null}
      {dialog?.kind === 'human' || dialog?.kind === 'manual' ? (
        <SimpleColumnDialog
          evaluationId={evaluationId}
          mode={dialog.kind}
          onClose={() => setDialog(null)}
          onSaved={() => void afterColumns()}
        />
      ) : null}
      {dialog?.kind === 'filter' ? (
        <FilterDialog
          columns={columns}
          initialColumnId={dialog.columnId}
          onClose={() => setDialog(null)}
          onAdd={(filter) => {
            table.update((o) => ({ ...o, filters: [...o.filters, filter] }))
            setDialog(null)
          }}
        />
      ) : null}
      {dialog?.kind === 'stop' ? (
        <Confirm
          title="Stop the run?"
          confirmLabel="Continue"
          danger
          message={
            <>
              <p>
                Stopping ends every in-flight model request and starts no new one. Scores already
                stored stay, with their tokens; Insights show results up to the stop point.
              </p>
              <p className="muted">The run keeps going until you press Continue.</p>
            </>
          }
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            setDialog(null)
            await stop()
          }}
        />
      ) : null}
      {dialog?.kind === 'run' ? (
        <RunDialog
          evaluationId={evaluationId}
          initial={dialog.request}
          columns={columns}
          filters={options.filters}
          onClose={() => setDialog(null)}
          onRun={async (request) => {
            setDialog(null)
            await startRun(request)
          }}
        />
      ) : null}
      {dialog?.kind === 'compare' ? (
        <CompareDialog
          runs={runs.data ?? []}
          columns={columns}
          filters={options.filters}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'agreement' ? (
        <AgreementDialog
          evaluationId={evaluationId}
          columns={columns}
          filters={options.filters}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'properties' ? (
        <PropertiesDialog
          column={dialog.column}
          columns={columns}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'rename' ? (
        <NameDialog
          title="Rename column"
          submitLabel="Save"
          initial={dialog.column.name}
          onClose={() => setDialog(null)}
          onSubmit={async (name) => {
            await call(
              api.PATCH('/api/v1/columns/{columnId}', {
                params: { path: { columnId: dialog.column.id } },
                body: { name },
              }),
            )
            await afterColumns()
          }}
        />
      ) : null}
      {dialog?.kind === 'delete' ? (
        <Confirm
          title="Delete column"
          danger
          confirmLabel="Delete"
          message={
            <p>
              Delete the column <strong>{dialog.column.name}</strong> with its values and results?
              Evaluators that read it will fail.
            </p>
          }
          onCancel={() => setDialog(null)}
          onConfirm={async () => {
            await call(
              api.DELETE('/api/v1/columns/{columnId}', {
                params: { path: { columnId: dialog.column.id } },
              }),
            )
            await afterColumns()
          }}
        />
      ) : null}
    </div>
  )
}

function download(evaluationId: string, format: 'csv' | 'jsonl') {
  const a = document.createElement('a')
  a.href = `/api/v1/evaluations/${encodeURIComponent(evaluationId)}/export?format=${format}`
  a.download = ''
  document.body.append(a)
  a.click()
  a.remove()
}

function RunStatusLine({
  run,
  progress,
  counts,
}: {
  run: Run
  progress: RunProgress | null
  counts: RunProgress | null
}) {
  let detail = ''
  if (progress)
    detail = ` · ${count(progress.rows.processed)} / ${count(progress.rows.total)} rows · ${count(progress.cells.done)} cells done${progress.generations ? ` · ${count(progress.generations)} generations` : ''}`
  else if (counts)
    detail = ` · ${count(counts.rows.processed)} / ${count(counts.rows.total)} rows · ${count(counts.cells.done)} cells done${counts.cells.error ? ` · ${count(counts.cells.error)} errors` : ''}`
  return (
    <span className={`run-line status-${run.status}`} data-testid="run-status" aria-live="polite">
      {statusLabel(run.status)}
      {detail}
    </span>
  )
}
