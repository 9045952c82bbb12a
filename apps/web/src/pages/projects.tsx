import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api, call } from '../api/client'
import type { Project } from '../api/types'
import {
  Confirm,
  Empty,
  ErrorNote,
  Field,
  MenuButton,
  Modal,
  RoleBadge,
  Spinner,
} from '../components/ui'
import { when } from '../format'
import { Link, navigate, useTitle } from '../router'

export function useProjects() {
  return useQuery({
    queryKey: ['projects'],
    queryFn: async () => (await call(api.GET('/api/v1/projects'))).projects,
  })
}

export function ProjectsPage() {
  useTitle('Projects')
  const projects = useProjects()
  const [creating, setCreating] = useState(false)
  const [renaming, setRenaming] = useState<Project | null>(null)
  const [deleting, setDeleting] = useState<Project | null>(null)
  const queryClient = useQueryClient()

  return (
    <div className="page">
      <div className="page-head">
        <h1>Projects</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New Project
        </button>
      </div>
      {projects.isPending ? <Spinner /> : null}
      <ErrorNote error={projects.error} />
      {projects.data?.length === 0 ? (
        <Empty>No project yet. Create one to import a dataset and evaluate it.</Empty>
      ) : null}
      {projects.data && projects.data.length > 0 ? (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Your role</th>
              <th>Created</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {projects.data.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/projects/${p.id}`} className="strong">
                    {p.name}
                  </Link>
                </td>
                <td>
                  <RoleBadge role={p.role} />
                </td>
                <td>{when(p.createdAt)}</td>
                <td className="actions">
                  <MenuButton
                    label="⋯"
                    ariaLabel={`Actions for ${p.name}`}
                    className="icon"
                    items={[
                      { label: 'Open', onSelect: () => navigate(`/projects/${p.id}`) },
                      p.role === 'admin'
                        ? { label: 'Rename', onSelect: () => setRenaming(p) }
                        : null,
                      { label: 'Share', onSelect: () => navigate(`/projects/${p.id}/members`) },
                      p.role === 'admin'
                        ? { label: 'Delete', danger: true, onSelect: () => setDeleting(p) }
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
          title="Create a new project"
          submitLabel="Create"
          onClose={() => setCreating(false)}
          onSubmit={async (name) => {
            const project = await call(api.POST('/api/v1/projects', { body: { name } }))
            await queryClient.invalidateQueries({ queryKey: ['projects'] })
            navigate(`/projects/${project.id}`)
          }}
        />
      ) : null}
      {renaming ? (
        <NameDialog
          title="Rename project"
          submitLabel="Save"
          initial={renaming.name}
          onClose={() => setRenaming(null)}
          onSubmit={async (name) => {
            await call(
              api.PATCH('/api/v1/projects/{projectId}', {
                params: { path: { projectId: renaming.id } },
                body: { name },
              }),
            )
            await queryClient.invalidateQueries({ queryKey: ['projects'] })
            setRenaming(null)
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title="Delete project"
          danger
          confirmLabel="Delete"
          message={
            <p>
              Delete <strong>{deleting.name}</strong> with every evaluation, run, result and custom
              evaluator in it? This cannot be undone.
            </p>
          }
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await call(
              api.DELETE('/api/v1/projects/{projectId}', {
                params: { path: { projectId: deleting.id } },
              }),
            )
            await queryClient.invalidateQueries({ queryKey: ['projects'] })
            setDeleting(null)
          }}
        />
      ) : null}
    </div>
  )
}

export function NameDialog({
  title,
  submitLabel,
  initial = '',
  label = 'Name',
  onClose,
  onSubmit,
}: {
  title: string
  submitLabel: string
  initial?: string
  label?: string
  onClose: () => void
  onSubmit: (name: string) => Promise<void>
}) {
  const [name, setName] = useState(initial)
  const save = useMutation({ mutationFn: onSubmit })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (name.trim()) save.mutate(name.trim())
  }
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={submit}>
        <Field label={label} hint="Up to 100 characters.">
          {(id) => (
            <input
              id={id}
              value={name}
              maxLength={100}
              onChange={(e) => setName(e.target.value)}
              // biome-ignore lint/a11y/noAutofocus: the dialog's only field
              autoFocus
              required
            />
          )}
        </Field>
        <ErrorNote error={save.error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.isPending || !name.trim()}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  )
}
