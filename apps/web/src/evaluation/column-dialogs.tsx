import { useQuery } from '@tanstack/react-query'
import { type FormEvent, type ReactNode, useEffect, useMemo, useState } from 'react'
import { api, call } from '../api/client'
import type {
  ApiTestResult,
  Column,
  ColumnConfigInput,
  Connection,
  ProjectEvaluator,
  SystemEvaluator,
  TestOutcome,
} from '../api/types'
import { ErrorNote, Field, Modal, Spinner } from '../components/ui'
import { count, duration, score } from '../format'
import { useConnections } from '../pages/connections'
import {
  CATEGORY_LABEL,
  groupEvaluators,
  scaleText,
  useProjectEvaluators,
  useSystemEvaluators,
} from '../pages/evaluators'
import { kindOf } from './columns'
import { guessMapping, parseCurl, thresholdProblem } from './config-helpers'

type Saved = (columns: Column[]) => void

async function createColumn(
  evaluationId: string,
  name: string,
  config: ColumnConfigInput,
  contextsColumnName?: string,
): Promise<Column[]> {
  const answer = await call(
    api.POST('/api/v1/evaluations/{evaluationId}/columns', {
      params: { path: { evaluationId } },
      body: { name, config, ...(contextsColumnName ? { contextsColumnName } : {}) },
    }),
  )
  return answer.columns
}

function ColumnSelect({
  id,
  columns,
  value,
  onChange,
  allowEmpty = true,
}: {
  id: string
  columns: Column[]
  value: string
  onChange: (id: string) => void
  allowEmpty?: boolean
}) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      {allowEmpty ? <option value="">Choose a column…</option> : null}
      {columns.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name}
        </option>
      ))}
    </select>
  )
}

function ConnectionSelect({
  id,
  connections,
  value,
  onChange,
}: {
  id: string
  connections: Connection[]
  value: string
  onChange: (v: string) => void
}) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose a model connection…</option>
      {connections.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name} ({c.model})
        </option>
      ))}
    </select>
  )
}

function Outcomes({ outcomes }: { outcomes: TestOutcome[] }) {
  return (
    <div className="test-outcomes" data-testid="test-outcomes">
      {outcomes.map((o) => (
        <div key={o.rowId} className="outcome">
          <div>
            <span
              className={`chip v-${o.status === 'error' ? 'error' : o.pass === true ? 'pass' : o.pass === false ? 'fail' : 'none'}`}
            >
              {o.status === 'error' ? 'error' : score(o.value)}
            </span>{' '}
            <span className="muted">
              {count(o.tokens.input)} / {count(o.tokens.output)} tokens · {duration(o.latencyMs)} ·{' '}
              {o.attempts} attempt(s)
            </span>
          </div>
          {o.explanation ? <p>{o.explanation}</p> : null}
          {o.error ? <p className="error-note">{o.error.message}</p> : null}
        </div>
      ))}
    </div>
  )
}

function Footer({
  onClose,
  busy,
  disabled,
  extra,
  submitLabel = 'Save',
}: {
  onClose: () => void
  busy: boolean
  disabled?: boolean
  extra?: ReactNode
  submitLabel?: string
}) {
  return (
    <div className="form-actions">
      {extra}
      <span className="spacer" />
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      <button type="submit" className="primary" disabled={busy || disabled}>
        {submitLabel}
      </button>
    </div>
  )
}

/** Row numbers typed as `1, 3-5` → the ids of those rows (at most 10, within the first 500). */
async function rowIdsOf(evaluationId: string, text: string): Promise<string[]> {
  const numbers = new Set<number>()
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map((x) => Number(x.trim()))
    if (!a || !Number.isInteger(a)) continue
    for (let n = a; n <= (b && b >= a ? b : a) && numbers.size < 10; n++) numbers.add(n)
  }
  if (numbers.size === 0) numbers.add(1)
  const max = Math.min(500, Math.max(...numbers))
  const page = (await call(
    api.POST('/api/v1/evaluations/{evaluationId}/results/query', {
      params: { path: { evaluationId } },
      body: { limit: max },
    }),
  )) as unknown as { rows: { id: string; index: number }[] }
  return page.rows.filter((r) => numbers.has(r.index + 1)).map((r) => r.id)
}

// ------------------------------------------------------------------------------------------
// Add evaluator

type AnyEvaluator = SystemEvaluator | ProjectEvaluator

export function AddEvaluatorDialog({
  evaluationId,
  projectId,
  columns,
  onClose,
  onSaved,
}: {
  evaluationId: string
  projectId: string
  columns: Column[]
  onClose: () => void
  onSaved: Saved
}) {
  const system = useSystemEvaluators()
  const custom = useProjectEvaluators(projectId)
  const [selected, setSelected] = useState<AnyEvaluator | null>(null)
  const groups = groupEvaluators(system.data ?? [])
  return (
    <Modal title="Add evaluator" onClose={onClose} wide testId="add-evaluator-dialog">
      <div className="evaluator-picker">
        <nav className="picker-list" aria-label="Evaluators">
          {system.isPending ? <Spinner /> : null}
          {groups.map(([category, list]) => (
            <div key={category}>
              <h3>{CATEGORY_LABEL[category] ?? category}</h3>
              {list.map((e) => (
                <button
                  key={e.id}
                  type="button"
                  className={selected?.id === e.id ? 'pick active' : 'pick'}
                  aria-pressed={selected?.id === e.id}
                  onClick={() => setSelected(e)}
                >
                  {e.name}
                </button>
              ))}
            </div>
          ))}
          {custom.data && custom.data.length > 0 ? (
            <div>
              <h3>Custom</h3>
              {custom.data.map((e) => (
                <button
                  key={e.id}
                  type="button"
                  className={selected?.id === e.id ? 'pick active' : 'pick'}
                  aria-pressed={selected?.id === e.id}
                  onClick={() => setSelected(e)}
                >
                  {e.name}
                </button>
              ))}
            </div>
          ) : null}
        </nav>
        <div className="picker-detail">
          {selected ? (
            <EvaluatorForm
              key={selected.id}
              evaluator={selected}
              evaluationId={evaluationId}
              projectId={projectId}
              columns={columns}
              onClose={onClose}
              onSaved={onSaved}
            />
          ) : (
            <p className="muted">Choose an evaluator on the left.</p>
          )}
        </div>
      </div>
    </Modal>
  )
}

function EvaluatorForm({
  evaluator,
  evaluationId,
  projectId,
  columns,
  onClose,
  onSaved,
}: {
  evaluator: AnyEvaluator
  evaluationId: string
  projectId: string
  columns: Column[]
  onClose: () => void
  onSaved: Saved
}) {
  const isLlm = evaluator.kind === 'llm'
  const connections = useConnections(projectId)
  const parameters =
    'parameters' in evaluator
      ? (evaluator.parameters as {
          name: string
          label?: string
          description?: string
          type?: string
          required?: boolean
        }[])
      : []
  const defaultThreshold =
    'defaultThreshold' in evaluator && evaluator.defaultThreshold
      ? evaluator.defaultThreshold
      : evaluator.scale.kind === 'score'
        ? {
            op: evaluator.polarity === 'negative' ? ('<' as const) : ('>' as const),
            value: (evaluator.scale.min + evaluator.scale.max) / 2,
          }
        : null
  const sources = columns.filter((c) => kindOf(c) !== 'evaluator')
  const [name, setName] = useState(evaluator.name)
  const [connectionId, setConnectionId] = useState('')
  const [temperature, setTemperature] = useState('')
  const [maxTokens, setMaxTokens] = useState('')
  const [mapping, setMapping] = useState<Record<string, string>>(() =>
    guessMapping(evaluator.variables, sources),
  )
  const [op, setOp] = useState<'>' | '<'>(defaultThreshold?.op ?? '>')
  const [value, setValue] = useState(String(defaultThreshold?.value ?? ''))
  const [params, setParams] = useState<Record<string, string>>({})
  const [extra, setExtra] = useState<{ key: string; value: string }[]>([])
  const [outcomes, setOutcomes] = useState<TestOutcome[] | null>(null)
  const [testRows, setTestRows] = useState('1')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!connectionId && connections.data?.[0]) setConnectionId(connections.data[0].id)
  }, [connections.data, connectionId])

  const options = useMemo(() => {
    const o: Record<string, unknown> = {}
    for (const p of parameters) {
      const raw = params[p.name] ?? ''
      if (raw.trim() === '') continue
      o[p.name] =
        p.type === 'string-list'
          ? raw
              .split('\n')
              .map((s) => s.trim())
              .filter(Boolean)
          : p.type === 'number'
            ? Number(raw)
            : raw
    }
    for (const { key, value: v } of extra) {
      if (!key.trim()) continue
      try {
        o[key.trim()] = JSON.parse(v)
      } catch {
        o[key.trim()] = v
      }
    }
    return o
  }, [params, extra, parameters])

  const missing = evaluator.variables.filter((v) => !mapping[v])
  const thresholdError =
    evaluator.scale.kind === 'score' ? thresholdProblem(evaluator.scale, op, Number(value)) : null
  const needsConnection = isLlm && !connectionId

  const preview = useQuery({
    queryKey: ['prompt-preview', evaluationId, evaluator.id, mapping, options],
    enabled: isLlm && missing.length === 0,
    queryFn: () =>
      call(
        api.POST('/api/v1/evaluations/{evaluationId}/prompt-preview', {
          params: { path: { evaluationId } },
          body: { evaluatorId: evaluator.id, mapping, options },
        }),
      ),
  })

  const config = (): ColumnConfigInput => {
    const t = temperature.trim() === '' ? null : Number(temperature)
    const m = maxTokens.trim() === '' ? null : Number(maxTokens)
    return {
      kind: 'evaluator',
      evaluator: {
        evaluatorId: evaluator.id,
        connectionId: isLlm ? connectionId || null : null,
        params: {
          ...(t !== null ? { temperature: t } : {}),
          ...(m !== null ? { maxOutputTokens: m } : {}),
        },
        mapping,
        threshold: evaluator.scale.kind === 'score' ? { op, value: Number(value) } : null,
        options,
      },
    }
  }
  const test = async () => {
    setBusy(true)
    setError(null)
    setOutcomes(null)
    try {
      const rowIds = await rowIdsOf(evaluationId, testRows)
      const answer = await call(
        api.POST('/api/v1/evaluations/{evaluationId}/columns/test', {
          params: { path: { evaluationId } },
          body: { name, config: config(), rowIds },
        }),
      )
      setOutcomes(answer.outcomes)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onSaved(await createColumn(evaluationId, name, config()))
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  return (
    <form onSubmit={submit} className="grid-form" aria-label={`Configure ${evaluator.name}`}>
      <div className="evaluator-summary">
        <h3>{evaluator.name}</h3>
        <span className="muted">
          {scaleText(evaluator.scale)} ·{' '}
          {evaluator.polarity === 'negative' ? 'negative: higher is worse' : 'positive'}
        </span>
        {evaluator.description ? <p className="muted">{evaluator.description}</p> : null}
      </div>
      <Field label="Column name">
        {(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      {isLlm ? (
        <div className="cols-3">
          <Field label="Model">
            {(id) => (
              <ConnectionSelect
                id={id}
                connections={connections.data ?? []}
                value={connectionId}
                onChange={setConnectionId}
              />
            )}
          </Field>
          <Field label="Temperature">
            {(id) => (
              <input
                id={id}
                type="number"
                step="0.1"
                min={0}
                max={2}
                placeholder="default"
                value={temperature}
                onChange={(e) => setTemperature(e.target.value)}
              />
            )}
          </Field>
          <Field label="Max output tokens">
            {(id) => (
              <input
                id={id}
                type="number"
                min={1}
                placeholder="default"
                value={maxTokens}
                onChange={(e) => setMaxTokens(e.target.value)}
              />
            )}
          </Field>
        </div>
      ) : null}
      {isLlm && connections.data?.length === 0 ? (
        <p className="error-note">
          This evaluator needs a model connection. Add one under the project's Model connections.
        </p>
      ) : null}
      {evaluator.prompt ? (
        <details>
          <summary>Prompt (read-only)</summary>
          <pre className="prompt">{evaluator.prompt}</pre>
        </details>
      ) : null}
      <fieldset className="mapping">
        <legend>Map variables</legend>
        {evaluator.variables.map((v) => (
          <div key={v} className="map-row">
            <label htmlFor={`map-${v}`}>
              <code>{`{{${v}}}`}</code>
            </label>
            <span aria-hidden="true">→</span>
            <ColumnSelect
              id={`map-${v}`}
              columns={sources}
              value={mapping[v] ?? ''}
              onChange={(id) => setMapping({ ...mapping, [v]: id })}
            />
          </div>
        ))}
        {missing.length > 0 ? (
          <p className="hint">Map every variable: {missing.join(', ')}.</p>
        ) : null}
      </fieldset>
      {isLlm && missing.length === 0 ? (
        <details open>
          <summary>Preview on row 1</summary>
          {preview.isPending ? <Spinner /> : null}
          {preview.data?.problem ? <p className="error-note">{preview.data.problem}</p> : null}
          {preview.data?.prompt ? (
            <pre className="prompt" data-testid="prompt-preview">
              {preview.data.prompt}
            </pre>
          ) : null}
          <ErrorNote error={preview.error} />
        </details>
      ) : null}
      {evaluator.scale.kind === 'score' ? (
        <fieldset className="threshold">
          <legend>Pass threshold</legend>
          <div className="row-gap">
            <select
              aria-label="Threshold operator"
              value={op}
              onChange={(e) => setOp(e.target.value as '>' | '<')}
            >
              <option value=">">Greater than</option>
              <option value="<">Less than</option>
            </select>
            <input
              aria-label="Threshold value"
              type="number"
              step="any"
              min={evaluator.scale.min}
              max={evaluator.scale.max}
              value={value}
              aria-invalid={thresholdError !== null}
              onChange={(e) => setValue(e.target.value)}
            />
            <span className="muted">
              scale {evaluator.scale.min}–{evaluator.scale.max}; equal fails
            </span>
          </div>
          {thresholdError ? (
            <p className="error-note" role="alert">
              {thresholdError}
            </p>
          ) : null}
        </fieldset>
      ) : (
        <p className="hint">Boolean evaluator: 1 passes, 0 fails.</p>
      )}
      {parameters.map((p) => (
        <Field key={p.name} label={p.label ?? p.name} hint={p.description}>
          {(id) =>
            p.type === 'string-list' ? (
              <textarea
                id={id}
                rows={3}
                value={params[p.name] ?? ''}
                onChange={(e) => setParams({ ...params, [p.name]: e.target.value })}
                required={p.required}
              />
            ) : (
              <input
                id={id}
                value={params[p.name] ?? ''}
                onChange={(e) => setParams({ ...params, [p.name]: e.target.value })}
                required={p.required}
              />
            )
          }
        </Field>
      ))}
      {evaluator.kind === 'metric' ? (
        <fieldset className="extra-params">
          <legend>Extra parameters</legend>
          {extra.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
            <div key={i} className="row-gap">
              <input
                aria-label="Parameter name"
                placeholder="name (e.g. min)"
                value={row.key}
                onChange={(e) =>
                  setExtra(extra.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))
                }
              />
              <input
                aria-label="Parameter value"
                placeholder="value (JSON or text)"
                value={row.value}
                onChange={(e) =>
                  setExtra(extra.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))
                }
              />
              <button
                type="button"
                className="ghost"
                aria-label="Remove parameter"
                onClick={() => setExtra(extra.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </div>
          ))}
          <button
            type="button"
            className="ghost"
            onClick={() => setExtra([...extra, { key: '', value: '' }])}
          >
            + Add parameter
          </button>
        </fieldset>
      ) : null}
      {outcomes ? <Outcomes outcomes={outcomes} /> : null}
      <ErrorNote error={error} />
      <Footer
        onClose={onClose}
        busy={busy}
        disabled={missing.length > 0 || thresholdError !== null || needsConnection || !name.trim()}
        extra={
          <>
            <label className="inline-label">
              Rows
              <input
                className="narrow"
                value={testRows}
                onChange={(e) => setTestRows(e.target.value)}
                aria-describedby="test-rows-hint"
                placeholder="1, 3-5"
              />
            </label>
            <button
              type="button"
              onClick={test}
              disabled={busy || missing.length > 0 || thresholdError !== null || needsConnection}
            >
              Test
            </button>
            <span id="test-rows-hint" className="visually-hidden">
              Row numbers to test the evaluator on, for example 1, 3-5 (up to 10 rows)
            </span>
          </>
        }
      />
    </form>
  )
}

// ------------------------------------------------------------------------------------------
// Run a prompt

export function PromptColumnDialog({
  evaluationId,
  projectId,
  columns,
  onClose,
  onSaved,
}: {
  evaluationId: string
  projectId: string
  columns: Column[]
  onClose: () => void
  onSaved: Saved
}) {
  const connections = useConnections(projectId)
  const [name, setName] = useState('output')
  const [connectionId, setConnectionId] = useState('')
  const [prompt, setPrompt] = useState(
    columns[0] ? `Answer the question.\n\n{{${columns[0].name}}}` : '',
  )
  const [temperature, setTemperature] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    if (!connectionId && connections.data?.[0]) setConnectionId(connections.data[0].id)
  }, [connections.data, connectionId])
  const preview = useQuery({
    queryKey: ['prompt-preview-template', evaluationId, prompt],
    enabled: prompt.length > 0,
    queryFn: () =>
      call(
        api.POST('/api/v1/evaluations/{evaluationId}/prompt-preview', {
          params: { path: { evaluationId } },
          body: { template: prompt },
        }),
      ),
  })
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const t = temperature.trim() === '' ? null : Number(temperature)
      onSaved(
        await createColumn(evaluationId, name, {
          kind: 'generated',
          generator: {
            type: 'prompt',
            connectionId: connectionId || null,
            prompt,
            params: t !== null ? { temperature: t } : {},
          },
        }),
      )
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  return (
    <Modal title="Run a prompt" onClose={onClose} wide>
      <form onSubmit={submit} className="grid-form">
        <div className="cols-3">
          <Field label="Column name">
            {(id) => (
              <input id={id} value={name} onChange={(e) => setName(e.target.value)} required />
            )}
          </Field>
          <Field label="Model">
            {(id) => (
              <ConnectionSelect
                id={id}
                connections={connections.data ?? []}
                value={connectionId}
                onChange={setConnectionId}
              />
            )}
          </Field>
          <Field label="Temperature">
            {(id) => (
              <input
                id={id}
                type="number"
                step="0.1"
                placeholder="default"
                value={temperature}
                onChange={(e) => setTemperature(e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field
          label="Prompt"
          hint={`Variables are column names: ${columns.map((c) => `{{${c.name}}}`).join(' ')}`}
        >
          {(id) => (
            <textarea
              id={id}
              rows={8}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              required
            />
          )}
        </Field>
        <details open>
          <summary>Preview on row 1</summary>
          {preview.data?.problem ? <p className="error-note">{preview.data.problem}</p> : null}
          {preview.data?.prompt ? <pre className="prompt">{preview.data.prompt}</pre> : null}
        </details>
        <ErrorNote error={error} />
        <Footer onClose={onClose} busy={busy} disabled={!connectionId} />
      </form>
    </Modal>
  )
}

// ------------------------------------------------------------------------------------------
// Run an API / RAG endpoint

export function ApiColumnDialog({
  evaluationId,
  rag,
  onClose,
  onSaved,
}: {
  evaluationId: string
  rag: boolean
  onClose: () => void
  onSaved: Saved
}) {
  const [name, setName] = useState(rag ? 'answer' : 'api_output')
  const [contextsName, setContextsName] = useState('retrieved_contexts')
  const [method, setMethod] = useState<'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH'>('POST')
  const [url, setUrl] = useState('')
  const [headers, setHeaders] = useState<{ name: string; value: string }[]>([
    { name: 'Content-Type', value: 'application/json' },
  ])
  const [body, setBody] = useState('{"question": {{input}}}')
  const [outputPath, setOutputPath] = useState(rag ? '$.answer' : '$.output')
  const [contextsPath, setContextsPath] = useState('$.contexts')
  const [tab, setTab] = useState<'headers' | 'body' | 'response'>('body')
  const [curl, setCurl] = useState('')
  const [result, setResult] = useState<ApiTestResult | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const generator = () => ({
    type: 'api' as const,
    method,
    url,
    headers: headers.filter((h) => h.name.trim()),
    body,
    outputPath,
    ...(rag ? { contextsPath } : {}),
  })
  const test = async () => {
    setBusy(true)
    setError(null)
    try {
      setResult(
        await call(
          api.POST('/api/v1/evaluations/{evaluationId}/api-test', {
            params: { path: { evaluationId } },
            body: { generator: generator() },
          }),
        ),
      )
      setTab('response')
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onSaved(
        await createColumn(
          evaluationId,
          name,
          { kind: 'generated', generator: generator() },
          rag ? contextsName : undefined,
        ),
      )
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  return (
    <Modal title={rag ? 'Run a RAG endpoint' : 'Run an API'} onClose={onClose} wide>
      <form onSubmit={submit} className="grid-form">
        <div className={rag ? 'cols-2' : ''}>
          <Field label={rag ? 'Answer column name' : 'Column name'}>
            {(id) => (
              <input id={id} value={name} onChange={(e) => setName(e.target.value)} required />
            )}
          </Field>
          {rag ? (
            <Field label="Contexts column name">
              {(id) => (
                <input
                  id={id}
                  value={contextsName}
                  onChange={(e) => setContextsName(e.target.value)}
                  required
                />
              )}
            </Field>
          ) : null}
        </div>
        <Field label="Paste a curl command (optional)">
          {(id) => (
            <div className="row-gap">
              <input
                id={id}
                className="grow"
                placeholder="curl -X POST https://… -H '…' -d '…'"
                value={curl}
                onChange={(e) => setCurl(e.target.value)}
              />
              <button
                type="button"
                onClick={() => {
                  const parsed = parseCurl(curl)
                  if (!parsed) return setError(new Error('That does not look like a curl command.'))
                  setMethod(parsed.method)
                  setUrl(parsed.url)
                  if (parsed.headers.length) setHeaders(parsed.headers)
                  setBody(parsed.body)
                  setError(null)
                }}
              >
                Use
              </button>
            </div>
          )}
        </Field>
        <div className="row-gap">
          <select
            aria-label="Method"
            value={method}
            onChange={(e) => setMethod(e.target.value as 'GET')}
          >
            {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
          <input
            aria-label="URL"
            className="grow"
            placeholder="https://api.example.com/answer"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            required
          />
        </div>
        <div className="tabs small" role="tablist">
          {(['headers', 'body', 'response'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={tab === t ? 'tab active' : 'tab'}
              onClick={() => setTab(t)}
            >
              {t[0]?.toUpperCase() + t.slice(1)}
            </button>
          ))}
        </div>
        {tab === 'headers' ? (
          <div>
            <p className="muted">
              Put API keys here: saved header values are shown as ••••, and kept only while the URL
              goes to the same server. The URL and body are shown to every member.
            </p>
            {headers.map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
              <div key={i} className="row-gap">
                <input
                  aria-label="Header name"
                  value={h.name}
                  onChange={(e) =>
                    setHeaders(
                      headers.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)),
                    )
                  }
                />
                <input
                  aria-label="Header value"
                  className="grow"
                  value={h.value}
                  onChange={(e) =>
                    setHeaders(
                      headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)),
                    )
                  }
                />
                <button
                  type="button"
                  className="ghost"
                  aria-label="Remove header"
                  onClick={() => setHeaders(headers.filter((_, j) => j !== i))}
                >
                  ×
                </button>
              </div>
            ))}
            <button
              type="button"
              className="ghost"
              onClick={() => setHeaders([...headers, { name: '', value: '' }])}
            >
              + Add header
            </button>
          </div>
        ) : null}
        {tab === 'body' ? (
          <Field
            label="Body template"
            hint="{{column}} is replaced by the row's value (JSON-escaped in a JSON body)."
          >
            {(id) => (
              <textarea id={id} rows={6} value={body} onChange={(e) => setBody(e.target.value)} />
            )}
          </Field>
        ) : null}
        {tab === 'response' ? (
          result ? (
            <div className="api-result" data-testid="api-test-result">
              <div className="muted">
                {result.request.method} {result.request.url} → {result.status ?? 'no answer'}{' '}
                {result.latencyMs !== null ? `in ${duration(result.latencyMs)}` : ''}
              </div>
              {result.problem ? <p className="error-note">{result.problem}</p> : null}
              <pre className="prompt">{result.body}</pre>
              <div>
                Output: <code>{result.output ?? '—'}</code>
              </div>
              {rag ? (
                <div>
                  Contexts: <code>{result.contexts ?? '—'}</code>
                </div>
              ) : null}
            </div>
          ) : (
            <p className="muted">Press Test to send the request for row 1.</p>
          )
        ) : null}
        <div className={rag ? 'cols-2' : ''}>
          <Field label="JSON output path">
            {(id) => (
              <input
                id={id}
                value={outputPath}
                onChange={(e) => setOutputPath(e.target.value)}
                required
              />
            )}
          </Field>
          {rag ? (
            <Field label="JSON contexts path">
              {(id) => (
                <input
                  id={id}
                  value={contextsPath}
                  onChange={(e) => setContextsPath(e.target.value)}
                  required
                />
              )}
            </Field>
          ) : null}
        </div>
        <ErrorNote error={error} />
        <Footer
          onClose={onClose}
          busy={busy}
          disabled={!url}
          extra={
            <button type="button" onClick={test} disabled={busy || !url}>
              Test
            </button>
          }
        />
      </form>
    </Modal>
  )
}

// ------------------------------------------------------------------------------------------
// Human feedback and empty columns

export function SimpleColumnDialog({
  evaluationId,
  mode,
  onClose,
  onSaved,
}: {
  evaluationId: string
  mode: 'human' | 'manual'
  onClose: () => void
  onSaved: Saved
}) {
  const [name, setName] = useState(mode === 'human' ? 'thumbs' : 'ground_truth')
  const [feedback, setFeedback] = useState<'thumbs' | 'better_output' | 'comment'>('thumbs')
  const [valueType, setValueType] = useState<'text' | 'number'>('text')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    try {
      onSaved(
        await createColumn(
          evaluationId,
          name,
          mode === 'human' ? { kind: 'human', feedback } : { kind: 'manual', valueType },
        ),
      )
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  return (
    <Modal title={mode === 'human' ? 'Add human feedback' : 'Add empty column'} onClose={onClose}>
      <form onSubmit={submit} className="grid-form">
        <Field label="Column name">
          {(id) => (
            <input id={id} value={name} onChange={(e) => setName(e.target.value)} required />
          )}
        </Field>
        {mode === 'human' ? (
          <fieldset className="radios">
            <legend>Feedback</legend>
            {(
              [
                ['thumbs', 'Thumbs up / down (1 / 0; gets a footer and an Insights tile)'],
                ['better_output', 'Better output (text)'],
                ['comment', 'Comment (text)'],
              ] as const
            ).map(([value, label]) => (
              <label key={value}>
                <input
                  type="radio"
                  checked={feedback === value}
                  onChange={() => setFeedback(value)}
                />
                {label}
              </label>
            ))}
          </fieldset>
        ) : (
          <Field label="Values">
            {(id) => (
              <select
                id={id}
                value={valueType}
                onChange={(e) => setValueType(e.target.value as 'text')}
              >
                <option value="text">Text</option>
                <option value="number">Number</option>
              </select>
            )}
          </Field>
        )}
        <ErrorNote error={error} />
        <Footer onClose={onClose} busy={busy} />
      </form>
    </Modal>
  )
}

export function PropertiesDialog({
  column,
  columns,
  onClose,
}: {
  column: Column
  columns: Column[]
  onClose: () => void
}) {
  const system = useSystemEvaluators()
  const nameOf = (id: string) => columns.find((c) => c.id === id)?.name ?? id
  const c = column.config
  const evaluator =
    c.kind === 'evaluator' ? system.data?.find((e) => e.id === c.evaluator.evaluatorId) : undefined
  return (
    <Modal title={`Properties of ${column.name}`} onClose={onClose} wide>
      <dl className="props">
        <dt>Kind</dt>
        <dd>{kindOf(column)}</dd>
        {c.kind === 'evaluator' ? (
          <>
            <dt>Evaluator</dt>
            <dd>{evaluator?.name ?? c.evaluator.evaluatorId}</dd>
            {evaluator ? (
              <>
                <dt>Scale</dt>
                <dd>{scaleText(evaluator.scale)}</dd>
                <dt>Polarity</dt>
                <dd>{evaluator.polarity}</dd>
              </>
            ) : null}
            <dt>Threshold</dt>
            <dd>
              {c.evaluator.threshold
                ? `${c.evaluator.threshold.op === '>' ? 'Greater than' : 'Less than'} ${c.evaluator.threshold.value}`
                : 'boolean: 1 passes'}
            </dd>
            <dt>Mapping</dt>
            <dd>
              {Object.entries(c.evaluator.mapping).map(([v, id]) => (
                <div key={v}>
                  <code>{`{{${v}}}`}</code> → {nameOf(id)}
                </div>
              ))}
            </dd>
            {c.evaluator.options && Object.keys(c.evaluator.options).length > 0 ? (
              <>
                <dt>Parameters</dt>
                <dd>
                  <code>{JSON.stringify(c.evaluator.options)}</code>
                </dd>
              </>
            ) : null}
          </>
        ) : null}
        {c.kind === 'generated' ? (
          <>
            <dt>Generator</dt>
            <dd>{c.generator.type}</dd>
            {c.generator.type === 'prompt' ? (
              <>
                <dt>Prompt</dt>
                <dd>
                  <pre className="prompt">{c.generator.prompt}</pre>
                </dd>
              </>
            ) : null}
            {c.generator.type === 'api' ? (
              <>
                <dt>Request</dt>
                <dd>
                  <code>
                    {c.generator.method} {c.generator.url}
                  </code>
                </dd>
                <dt>Output path</dt>
                <dd>
                  <code>{c.generator.outputPath}</code>
                </dd>
              </>
            ) : null}
          </>
        ) : null}
        {c.kind === 'human' ? (
          <>
            <dt>Feedback</dt>
            <dd>{c.feedback}</dd>
          </>
        ) : null}
      </dl>
      {evaluator?.prompt ? (
        <details>
          <summary>Prompt (read-only)</summary>
          <pre className="prompt">{evaluator.prompt}</pre>
        </details>
      ) : null}
    </Modal>
  )
}
