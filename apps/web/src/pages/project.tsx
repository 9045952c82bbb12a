import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api, call } from '../api/client'
import type { EvaluationSummary, Role } from '../api/types'
import { Confirm, Empty, ErrorNote, MenuButton, RoleBadge, Spinner } from '../components/ui'
import { count, when } from '../format'
import { Link, navigate, useTitle } from '../router'
import { ConnectionsTab } from './connections'
import { EvaluatorsTab } from './evaluators'
import { NameDialog } from './projects'

const TABS = [
  ['evaluations', 'Evaluations'],
  ['evaluators', 'Evaluators'],
  ['connections', 'Model connections'],
  ['members', 'Members'],
] as const

export function useProject(projectId: string) {
  return useQuery({
    queryKey: ['project', projectId],
    enabled: projectId !== '',
    queryFn: () =>
      call(api.GET('/api/v1/projects/{projectId}', { params: { path: { projectId } } })),
  })
}

export function ProjectPage({ projectId, tab }: { projectId: string; tab: string }) {
  const project = useProject(projectId)
  useTitle(project.data?.name ?? 'Project')
  if (project.isPending) return <Spinner />
  if (project.error || !project.data)
    return (
      <div className="page">
        <ErrorNote error={project.error} />
      </div>
    )
  const role = project.data.role
  return (
    <div className="page">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/">Projects</Link> <span aria-hidden="true">/</span>
      </nav>
      <div className="page-head">
        <h1>{project.data.name}</h1>
        <RoleBadge role={role} />
      </div>
      <div className="tabs" role="tablist" aria-label="Project sections">
        {TABS.map(([id, label]) => (
          <Link
            key={id}
            role="tab"
            aria-selected={tab === id}
            className={tab === id ? 'tab active' : 'tab'}
            to={id === 'evaluations' ? `/projects/${projectId}` : `/projects/${projectId}/${id}`}
          >
            {label}
          </Link>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'evaluations' ? <EvaluationsTab projectId={projectId} role={role} /> : null}
        {tab === 'evaluators' ? <EvaluatorsTab projectId={projectId} role={role} /> : null}
        {tab === 'connections' ? <ConnectionsTab projectId={projectId} role={role} /> : null}
        {tab === 'members' ? <MembersTab projectId={projectId} role={role} /> : null}
      </div>
    </div>
  )
}

function EvaluationsTab({ projectId, role }: { projectId: string; role: Role }) {
  const queryClient = useQueryClient()
  const evaluations = useQuery({
    queryKey: ['evaluations', projectId],
    queryFn: async () =>
      (
        await call(
          api.GET('/api/v1/projects/{projectId}/evaluations', { params: { path: { projectId } } }),
        )
      ).evaluations,
  })
  const [creating, setCreating] = useState(false)
  const [renaming, setRenaming] = useState<EvaluationSummary | null>(null)
  const [deleting, setDeleting] = useState<EvaluationSummary | null>(null)
  const canEdit = role !== 'viewer'
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['evaluations', projectId] })
  const list = evaluations.data ?? []
  return (
    <section>
      <div className="section-head">
        <h2>Evaluations</h2>
        {canEdit ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {list.length === 0 ? 'Create evaluation' : 'New evaluation'}
          </button>
        ) : null}
      </div>
      {evaluations.isPending ? <Spinner /> : null}
      <ErrorNote error={evaluations.error} />
      {evaluations.isSuccess && list.length === 0 ? (
        <Empty>
          No evaluation yet. Create one, then import a CSV or JSONL file or production data into it.
        </Empty>
      ) : null}
      {list.length > 0 ? (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th className="num">Rows</th>
              <th>Created</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {list.map((e) => (
              <tr key={e.id}>
                <td>
                  <Link to={`/evaluations/${e.id}`} className="strong">
                    {e.name}
                  </Link>
                </td>
                <td className="num">{count(e.rowCount)}</td>
                <td>{when(e.createdAt)}</td>
                <td className="actions">
                  <MenuButton
                    label="⋯"
                    className="icon"
                    ariaLabel={`Actions for ${e.name}`}
                    items={[
                      { label: 'Open', onSelect: () => navigate(`/evaluations/${e.id}`) },
                      canEdit ? { label: 'Rename', onSelect: () => setRenaming(e) } : null,
                      role === 'admin'
                        ? { label: 'Delete', danger: true, onSelect: () => setDeleting(e) }
                        : null,
                    ]}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {creating ? (
        <NameDialog
          title="Create evaluation"
          submitLabel="Done"
          onClose={() => setCreating(false)}
          onSubmit={async (name) => {
            const created = await call(
              api.POST('/api/v1/projects/{projectId}/evaluations', {
                params: { path: { projectId } },
                body: { name },
              }),
            )
            await refresh()
            navigate(`/evaluations/${created.id}`)
          }}
        />
      ) : null}
      {renaming ? (
        <NameDialog
          title="Rename evaluation"
          submitLabel="Save"
          initial={renaming.name}
          onClose={() => setRenaming(null)}
          onSubmit={async (name) => {
            await call(
              api.PATCH('/api/v1/evaluations/{evaluationId}', {
                params: { path: { evaluationId: renaming.id } },
                body: { name },
              }),
            )
            await refresh()
            setRenaming(null)
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title="Delete evaluation"
          danger
          confirmLabel="Delete"
          message={
            <p>
              Delete <strong>{deleting.name}</strong> with its rows, columns, runs and results?
            </p>
          }
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await call(
              api.DELETE('/api/v1/evaluations/{evaluationId}', {
                params: { path: { evaluationId: deleting.id } },
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

const ROLES: Role[] = ['viewer', 'editor', 'admin']

function MembersTab({ projectId, role }: { projectId: string; role: Role }) {
  const queryClient = useQueryClient()
  const members = useQuery({
    queryKey: ['members', projectId],
    queryFn: async () =>
      (
        await call(
          api.GET('/api/v1/projects/{projectId}/members', { params: { path: { projectId } } }),
        )
      ).members,
  })
  const [email, setEmail] = useState('')
  const [newRole, setNewRole] = useState<Role>('viewer')
  const [error, setError] = useState<unknown>(null)
  const isAdmin = role === 'admin'
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['members', projectId] })
  const put = async (memberEmail: string, memberRole: Role) => {
    setError(null)
    try {
      await call(
        api.PUT('/api/v1/projects/{projectId}/members', {
          params: { path: { projectId } },
          body: { email: memberEmail, role: memberRole },
        }),
      )
      await refresh()
    } catch (e) {
      setError(e)
    }
  }
  const add = async (event: FormEvent) => {
    event.preventDefault()
    await put(email.trim(), newRole)
    setEmail('')
  }
  return (
    <section>
      <div className="section-head">
        <h2>Members</h2>
      </div>
      <p className="hint">
        Admins do everything (members, delete); editors create, edit, run and export; viewers read
        everything and keep their own table options.
      </p>
      {isAdmin ? (
        <form className="inline-form" onSubmit={add} aria-label="Share the project">
          <label htmlFor="member-email">Email</label>
          <input
            id="member-email"
            type="email"
            placeholder="someone@example.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
          <label htmlFor="member-role">Role</label>
          <select
            id="member-role"
            value={newRole}
            onChange={(e) => setNewRole(e.target.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
          <button type="submit" className="primary">
            Share
          </button>
        </form>
      ) : null}
      <ErrorNote error={error ?? members.error} />
      {members.isPending ? <Spinner /> : null}
      <table className="list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Added</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {(members.data ?? []).map((m) => (
            <tr key={m.userId}>
              <td>{m.name}</td>
              <td>{m.email}</td>
              <td>
                {isAdmin ? (
                  <select
                    aria-label={`Role of ${m.email}`}
                    value={m.role}
                    onChange={(e) => put(m.email, e.target.value as Role)}
                  >
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                ) : (
                  <RoleBadge role={m.role} />
                )}
              </td>
              <td>{when(m.addedAt)}</td>
              <td className="actions">
                {isAdmin ? (
                  <button
                    type="button"
                    className="ghost danger-text"
                    onClick={async () => {
                      setError(null)
                      try {
                        await call(
                          api.DELETE('/api/v1/projects/{projectId}/members/{userId}', {
                            params: { path: { projectId, userId: m.userId } },
                          }),
                        )
                        await refresh()
                      } catch (e) {
                        setError(e)
                      }
                    }}
                  >
                    Remove
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
