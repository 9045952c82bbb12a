import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api, call } from '../api/client'
import type { Role } from '../api/types'
import { ErrorNote, Spinner } from '../components/ui'
import { when } from '../format'
import { useTitle } from '../router'
import { useProjects } from './projects'

export function TokensPage() {
  useTitle('API tokens')
  const queryClient = useQueryClient()
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: async () => (await call(api.GET('/api/v1/tokens'))).tokens,
  })
  const projects = useProjects()
  const [name, setName] = useState('')
  const [role, setRole] = useState<Role>('viewer')
  const [projectId, setProjectId] = useState('')
  const [days, setDays] = useState('90')
  const [secret, setSecret] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['tokens'] })
  const create = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    try {
      const created = await call(
        api.POST('/api/v1/tokens', {
          body: {
            name,
            role,
            projectIds: projectId ? [projectId] : [],
            expiresInDays: days ? Number(days) : null,
          },
        }),
      )
      setSecret(created.secret)
      setName('')
      await refresh()
    } catch (e) {
      setError(e)
    }
  }
  const projectName = (id: string) => projects.data?.find((p) => p.id === id)?.name ?? id
  return (
    <div className="page">
      <div className="page-head">
        <h1>API tokens</h1>
      </div>
      <p className="hint">
        Tokens authenticate scripts, the CLI and OTLP exporters (
        <code>Authorization: Bearer …</code>
        ). They act as you, capped at the role and projects chosen here.
      </p>
      <form className="inline-form" onSubmit={create} aria-label="Create an API token">
        <label htmlFor="token-name">Name</label>
        <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} required />
        <label htmlFor="token-role">Role</label>
        <select id="token-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option>viewer</option>
          <option>editor</option>
          <option>admin</option>
        </select>
        <label htmlFor="token-project">Project</label>
        <select id="token-project" value={projectId} onChange={(e) => setProjectId(e.target.value)}>
          <option value="">All my projects</option>
          {(projects.data ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <label htmlFor="token-days">Expires in (days)</label>
        <input
          id="token-days"
          type="number"
          min={1}
          className="narrow"
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        <button type="submit" className="primary">
          Create token
        </button>
      </form>
      <ErrorNote error={error ?? tokens.error} />
      {secret ? (
        <output className="notice">
          <strong>Copy the token now; it is not shown again:</strong>
          <code className="secret">{secret}</code>
          <button type="button" onClick={() => navigator.clipboard?.writeText(secret)}>
            Copy
          </button>
          <button type="button" className="ghost" onClick={() => setSecret(null)}>
            Done
          </button>
        </output>
      ) : null}
      {tokens.isPending ? <Spinner /> : null}
      <table className="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Role</th>
            <th>Projects</th>
            <th>Created</th>
            <th>Expires</th>
            <th>Last used</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {(tokens.data ?? []).map((t) => (
            <tr key={t.id} className={t.revokedAt ? 'revoked' : undefined}>
              <td className="strong">{t.name}</td>
              <td>
                <code>{t.prefix}…</code>
              </td>
              <td>{t.role}</td>
              <td>
                {t.projectIds.length === 0 ? 'all' : t.projectIds.map(projectName).join(', ')}
              </td>
              <td>{when(t.createdAt)}</td>
              <td>{t.expiresAt ? when(t.expiresAt) : 'never'}</td>
              <td>{when(t.lastUsedAt)}</td>
              <td className="actions">
                {t.revokedAt ? (
                  <span className="muted">revoked</span>
                ) : (
                  <button
                    type="button"
                    className="ghost danger-text"
                    onClick={async () => {
                      try {
                        await call(
                          api.DELETE('/api/v1/tokens/{tokenId}', {
                            params: { path: { tokenId: t.id } },
                          }),
                        )
                        await refresh()
                      } catch (e) {
                        setError(e)
                      }
                    }}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
