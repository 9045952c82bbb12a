import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api, call } from '../api/client'
import type { Connection, Role } from '../api/types'
import { Confirm, Empty, ErrorNote, Field, Modal, Spinner } from '../components/ui'
import { money } from '../format'

export function useConnections(projectId: string) {
  return useQuery({
    queryKey: ['connections', projectId],
    queryFn: async () =>
      (
        await call(
          api.GET('/api/v1/projects/{projectId}/connections', { params: { path: { projectId } } }),
        )
      ).connections,
  })
}

const PROVIDERS: [Connection['provider'], string][] = [
  ['openai-compatible', 'OpenAI-compatible (Ollama, vLLM, LM Studio, llama.cpp…)'],
  ['openai', 'OpenAI'],
  ['anthropic', 'Anthropic'],
  ['azure-openai', 'Azure OpenAI'],
]

export function ConnectionsTab({ projectId, role }: { projectId: string; role: Role }) {
  const connections = useConnections(projectId)
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState<Connection | 'new' | null>(null)
  const [deleting, setDeleting] = useState<Connection | null>(null)
  const canEdit = role !== 'viewer'
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['connections', projectId] })
  return (
    <section>
      <div className="section-head">
        <h2>Model connections</h2>
        {canEdit ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add connection
          </button>
        ) : null}
      </div>
      <p className="hint">
        API keys are stored encrypted and never shown again. Global connections come from the
        server's environment.
      </p>
      {connections.isPending ? <Spinner /> : null}
      <ErrorNote error={connections.error} />
      {connections.data?.length === 0 ? (
        <Empty>No model connection: LLM judges and prompt columns need one.</Empty>
      ) : null}
      {connections.data && connections.data.length > 0 ? (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Provider</th>
              <th>Model</th>
              <th>Base URL</th>
              <th>Key</th>
              <th>Limits</th>
              <th>Price / 1M in · out</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {connections.data.map((c) => (
              <tr key={c.id}>
                <td className="strong">
                  {c.name} {c.projectId === null ? <span className="badge">global</span> : null}
                </td>
                <td>{c.provider}</td>
                <td>
                  <code>{c.model}</code>
                </td>
                <td className="truncate">{c.baseUrl ?? '–'}</td>
                <td>{c.hasApiKey ? 'set' : 'none'}</td>
                <td>
                  {c.limits?.concurrency ?? 4} parallel
                  {c.limits?.requestsPerMinute ? ` · ${c.limits.requestsPerMinute} req/min` : ''}
                </td>
                <td>
                  {money(c.prices?.inputPerMillion)} · {money(c.prices?.outputPerMillion)}
                </td>
                <td className="actions">
                  {canEdit && c.projectId !== null ? (
                    <>
                      <button type="button" className="ghost" onClick={() => setEditing(c)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="ghost danger-text"
                        onClick={() => setDeleting(c)}
                      >
                        Delete
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {editing ? (
        <ConnectionDialog
          projectId={projectId}
          connection={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={async () => {
            await refresh()
            setEditing(null)
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title="Delete connection"
          danger
          confirmLabel="Delete"
          message={<p>Delete the connection {deleting.name}?</p>}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await call(
              api.DELETE('/api/v1/connections/{connectionId}', {
                params: { path: { connectionId: deleting.id } },
              }),
            )
            await refresh()
            setDeleting(null)
          }}
        />
      ) : null}
    </section>
  )
}

const optionalNumber = (text: string): number | null => (text.trim() === '' ? null : Number(text))

function ConnectionDialog({
  projectId,
  connection: c,
  onClose,
  onSaved,
}: {
  projectId: string
  connection: Connection | null
  onClose: () => void
  onSaved: () => Promise<void>
}) {
  const [name, setName] = useState(c?.name ?? '')
  const [provider, setProvider] = useState<Connection['provider']>(
    c?.provider ?? 'openai-compatible',
  )
  const [baseUrl, setBaseUrl] = useState(c?.baseUrl ?? '')
  const [model, setModel] = useState(c?.model ?? '')
  const [apiKey, setApiKey] = useState('')
  const [temperature, setTemperature] = useState(String(c?.defaults?.temperature ?? ''))
  const [maxTokens, setMaxTokens] = useState(String(c?.defaults?.maxOutputTokens ?? ''))
  const [concurrency, setConcurrency] = useState(String(c?.limits?.concurrency ?? 4))
  const [rpm, setRpm] = useState(String(c?.limits?.requestsPerMinute ?? ''))
  const [tpm, setTpm] = useState(String(c?.limits?.tokensPerMinute ?? ''))
  const [priceIn, setPriceIn] = useState(String(c?.prices?.inputPerMillion ?? ''))
  const [priceOut, setPriceOut] = useState(String(c?.prices?.outputPerMillion ?? ''))
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const t = optionalNumber(temperature)
    const m = optionalNumber(maxTokens)
    const body = {
      name,
      provider,
      baseUrl: baseUrl.trim() || null,
      model,
      defaults: {
        ...(t !== null ? { temperature: t } : {}),
        ...(m !== null ? { maxOutputTokens: m } : {}),
      },
      limits: {
        concurrency: Number(concurrency) || 1,
        requestsPerMinute: optionalNumber(rpm),
        tokensPerMinute: optionalNumber(tpm),
      },
      prices: {
        inputPerMillion: optionalNumber(priceIn),
        outputPerMillion: optionalNumber(priceOut),
      },
      ...(apiKey ? { apiKey } : {}),
    }
    try {
      if (c)
        await call(
          api.PATCH('/api/v1/connections/{connectionId}', {
            params: { path: { connectionId: c.id } },
            body,
          }),
        )
      else
        await call(
          api.POST('/api/v1/projects/{projectId}/connections', {
            params: { path: { projectId } },
            body,
          }),
        )
      await onSaved()
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  const text = (label: string, value: string, set: (v: string) => void, type = 'text') => (
    <Field label={label}>
      {(id) => <input id={id} type={type} value={value} onChange={(e) => set(e.target.value)} />}
    </Field>
  )
  return (
    <Modal title={c ? `Edit ${c.name}` : 'Add a model connection'} onClose={onClose} wide>
      <form onSubmit={submit} className="grid-form">
        <div className="cols-2">
          {text('Name', name, setName)}
          <Field label="Provider">
            {(id) => (
              <select
                id={id}
                value={provider}
                onChange={(e) => setProvider(e.target.value as Connection['provider'])}
              >
                {PROVIDERS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('Base URL', baseUrl, setBaseUrl)}
          {text('Model id', model, setModel)}
        </div>
        <Field
          label="API key"
          hint={c?.hasApiKey ? 'A key is set; leave empty to keep it.' : undefined}
        >
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="off"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
            />
          )}
        </Field>
        <div className="cols-3">
          {text('Temperature', temperature, setTemperature, 'number')}
          {text('Max output tokens', maxTokens, setMaxTokens, 'number')}
          {text('Concurrency', concurrency, setConcurrency, 'number')}
          {text('Requests / min', rpm, setRpm, 'number')}
          {text('Tokens / min', tpm, setTpm, 'number')}
          <span />
          {text('Price per 1M input tokens ($)', priceIn, setPriceIn, 'number')}
          {text('Price per 1M output tokens ($)', priceOut, setPriceOut, 'number')}
        </div>
        <ErrorNote error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  )
}
