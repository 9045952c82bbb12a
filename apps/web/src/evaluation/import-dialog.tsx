import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { ApiError, api, call, currentCsrfToken } from '../api/client'
import type { ImportPreview, ProductionFilters } from '../api/types'
import { ErrorNote, Field, Modal, Spinner } from '../components/ui'
import { count } from '../format'

type Format = 'csv' | 'jsonl'

function formatOf(name: string): Format {
  return /\.(jsonl|ndjson|json)$/i.test(name) ? 'jsonl' : 'csv'
}

/** Sends the file as the raw request body (the import routes read it as a stream). */
async function upload<T>(path: string, file: File, format: Format, delimiter: string): Promise<T> {
  const query = new URLSearchParams({ format })
  if (format === 'csv' && delimiter) query.set('delimiter', delimiter)
  const response = await fetch(`${path}?${query}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson',
      'x-csrf-token': currentCsrfToken() ?? '',
    },
    body: file,
  })
  const body = (await response.json().catch(() => ({}))) as {
    error?: { code: string; message: string; position?: Record<string, unknown> }
  }
  if (!response.ok)
    throw new ApiError(
      response.status,
      body.error?.code ?? 'http_error',
      body.error?.message ?? `${response.status}`,
      body.error?.position,
    )
  return body as T
}

export function ImportDialog({
  evaluationId,
  projectId,
  onClose,
  onImported,
}: {
  evaluationId: string
  projectId: string
  onClose: () => void
  onImported: (rows: number) => void
}) {
  const [tab, setTab] = useState<'file' | 'production'>('file')
  return (
    <Modal title="Import data" onClose={onClose} wide testId="import-dialog">
      <div className="tabs small" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'file'}
          className={tab === 'file' ? 'tab active' : 'tab'}
          onClick={() => setTab('file')}
        >
          Upload file
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'production'}
          className={tab === 'production' ? 'tab active' : 'tab'}
          onClick={() => setTab('production')}
        >
          Import production data
        </button>
      </div>
      {tab === 'file' ? (
        <FileImport evaluationId={evaluationId} onClose={onClose} onImported={onImported} />
      ) : (
        <ProductionImport
          evaluationId={evaluationId}
          projectId={projectId}
          onClose={onClose}
          onImported={onImported}
        />
      )}
    </Modal>
  )
}

function FileImport({
  evaluationId,
  onClose,
  onImported,
}: {
  evaluationId: string
  onClose: () => void
  onImported: (rows: number) => void
}) {
  const [file, setFile] = useState<File | null>(null)
  const [format, setFormat] = useState<Format>('csv')
  const [delimiter, setDelimiter] = useState('')
  const [preview, setPreview] = useState<ImportPreview | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const limits = useQuery({
    queryKey: ['import-limits'],
    queryFn: () => call(api.GET('/api/v1/imports/limits')),
  })
  const base = `/api/v1/evaluations/${encodeURIComponent(evaluationId)}/imports`
  const loadPreview = async (f: File, fmt: Format, delim: string) => {
    setBusy(true)
    setError(null)
    setPreview(null)
    try {
      setPreview(await upload<ImportPreview>(`${base}/preview`, f, fmt, delim))
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const proceed = async () => {
    if (!file) return
    setBusy(true)
    setError(null)
    try {
      const done = await upload<{ rows: number }>(base, file, format, delimiter)
      onImported(done.rows)
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  const l = limits.data
  return (
    <div className="grid-form">
      <div className="cols-3">
        <Field label="File (CSV or JSONL)">
          {(id) => (
            <input
              id={id}
              type="file"
              accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,text/csv"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null
                setFile(f)
                if (f) {
                  const fmt = formatOf(f.name)
                  setFormat(fmt)
                  void loadPreview(f, fmt, delimiter)
                }
              }}
            />
          )}
        </Field>
        <Field label="Format">
          {(id) => (
            <select
              id={id}
              value={format}
              onChange={(e) => {
                const fmt = e.target.value as Format
                setFormat(fmt)
                if (file) void loadPreview(file, fmt, delimiter)
              }}
            >
              <option value="csv">CSV</option>
              <option value="jsonl">JSONL</option>
            </select>
          )}
        </Field>
        {format === 'csv' ? (
          <Field label="Delimiter">
            {(id) => (
              <select
                id={id}
                value={delimiter}
                onChange={(e) => {
                  setDelimiter(e.target.value)
                  if (file) void loadPreview(file, format, e.target.value)
                }}
              >
                <option value="">Detect</option>
                <option value=",">Comma</option>
                <option value=";">Semicolon</option>
                <option value={'\t'}>Tab</option>
              </select>
            )}
          </Field>
        ) : null}
      </div>
      {l ? (
        <p className="hint">
          Limits: {count(l.maxRows)} rows, {count(l.maxColumns)} columns, {count(l.maxCellChars)}{' '}
          characters per cell, {count(Math.round(l.maxFileBytes / 1048576))} MiB per file. A file
          with any problem is refused whole: nothing is imported.
        </p>
      ) : null}
      {busy ? <Spinner /> : null}
      {error ? (
        <div className="refusal" role="alert" data-testid="import-refusal">
          <strong>Refused.</strong> <ErrorNote error={error} />
        </div>
      ) : null}
      {preview ? (
        <div>
          <h3>
            Preview: first {preview.rows.length} rows, {preview.columns.length} columns
          </h3>
          <div className="preview-wrap">
            <table className="list preview" data-testid="import-preview">
              <thead>
                <tr>
                  {preview.columns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((row, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no id
                  <tr key={i}>
                    {row.map((cell, j) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: cells by position
                      <td key={j}>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={!preview || busy} onClick={proceed}>
          Proceed
        </button>
      </div>
    </div>
  )
}

const OPTIONAL_LABEL: Record<string, string> = {
  requestId: 'Request id',
  inputTokens: 'Input tokens',
  outputTokens: 'Output tokens',
  latencyMs: 'Latency (ms)',
  status: 'Status',
}

function ProductionImport({
  evaluationId,
  projectId,
  onClose,
  onImported,
}: {
  evaluationId: string
  projectId: string
  onClose: () => void
  onImported: (rows: number) => void
}) {
  const options = useQuery({
    queryKey: ['production-options', projectId],
    queryFn: () =>
      call(
        api.GET('/api/v1/projects/{projectId}/production-data/options', {
          params: { path: { projectId } },
        }),
      ),
  })
  const [model, setModel] = useState('')
  const [source, setSource] = useState('')
  const [preset, setPreset] = useState('')
  const [columns, setColumns] = useState<string[]>([])
  const [preview, setPreview] = useState<{
    columns: string[]
    rows: string[][]
    total: number
    from: string
    to: string
  } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const o = options.data
  const filters = (): ProductionFilters => ({
    ...(model ? { model } : {}),
    ...(source ? { source } : {}),
    preset: (preset || o?.defaultPreset || 'last_30_days') as ProductionFilters['preset'],
    columns: columns as ProductionFilters['columns'],
  })
  const loadPreview = async () => {
    setBusy(true)
    setError(null)
    try {
      setPreview(
        await call(
          api.POST('/api/v1/projects/{projectId}/production-data/preview', {
            params: { path: { projectId } },
            body: filters(),
          }),
        ),
      )
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  const proceed = async () => {
    if (!preview) return
    setBusy(true)
    try {
      const done = await call(
        api.POST('/api/v1/evaluations/{evaluationId}/production-data', {
          params: { path: { evaluationId } },
          body: { ...filters(), preset: 'custom', from: preview.from, to: preview.to },
        }),
      )
      onImported(done.rows)
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  if (options.isPending) return <Spinner />
  return (
    <div className="grid-form">
      <p className="hint">
        Rows come from traces received over OTLP/HTTP with OpenTelemetry GenAI attributes.
      </p>
      <div className="cols-3">
        <Field label="Models">
          {(id) => (
            <select id={id} value={model} onChange={(e) => setModel(e.target.value)}>
              <option value="">All models</option>
              {(o?.models ?? []).map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Source">
          {(id) => (
            <select id={id} value={source} onChange={(e) => setSource(e.target.value)}>
              <option value="">All sources</option>
              {(o?.sources ?? []).map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Date">
          {(id) => (
            <select
              id={id}
              value={preset || o?.defaultPreset}
              onChange={(e) => setPreset(e.target.value)}
            >
              {(o?.presets ?? [])
                .filter((p) => p !== 'custom')
                .map((p) => (
                  <option key={p} value={p}>
                    {p.replace(/_/g, ' ')}
                  </option>
                ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className="radios">
        <legend>Columns (input and output always)</legend>
        {(o?.optionalColumns ?? []).map((c) => (
          <label key={c}>
            <input
              type="checkbox"
              checked={columns.includes(c)}
              onChange={() =>
                setColumns(columns.includes(c) ? columns.filter((x) => x !== c) : [...columns, c])
              }
            />
            {OPTIONAL_LABEL[c] ?? c}
          </label>
        ))}
      </fieldset>
      <div>
        <button type="button" onClick={loadPreview} disabled={busy}>
          Preview
        </button>
      </div>
      <ErrorNote error={error ?? options.error} />
      {preview ? (
        <div>
          <h3>
            {count(preview.total)} matching spans; first {preview.rows.length} shown
          </h3>
          <div className="preview-wrap">
            <table className="list preview">
              <thead>
                <tr>
                  {preview.columns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((row, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no id
                  <tr key={i}>
                    {row.map((cell, j) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: cells by position
                      <td key={j}>{cell}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      <div className="form-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={!preview || preview.total === 0 || busy}
          onClick={proceed}
        >
          Proceed
        </button>
      </div>
    </div>
  )
}
