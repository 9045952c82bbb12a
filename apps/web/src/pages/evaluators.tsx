import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { api, call } from '../api/client'
import type { ProjectEvaluator, Role, Scale, SystemEvaluator } from '../api/types'
import { Confirm, ErrorNote, Field, Modal, Spinner } from '../components/ui'
import { useMe } from '../me'

export function useSystemEvaluators() {
  return useQuery({
    queryKey: ['system-evaluators'],
    queryFn: async () => (await call(api.GET('/api/v1/evaluators/system'))).evaluators,
    staleTime: Number.POSITIVE_INFINITY,
  })
}

export function useProjectEvaluators(projectId: string) {
  return useQuery({
    queryKey: ['project-evaluators', projectId],
    queryFn: async () =>
      (
        await call(
          api.GET('/api/v1/projects/{projectId}/evaluators', { params: { path: { projectId } } }),
        )
      ).evaluators,
  })
}

export function scaleText(scale: Scale): string {
  return scale.kind === 'boolean' ? 'boolean (1 = pass)' : `score ${scale.min}–${scale.max}`
}

export const CATEGORY_LABEL: Record<string, string> = {
  quality: 'Quality',
  safety: 'Safety',
  rag: 'RAG',
  metric: 'Deterministic metrics',
}

/** System evaluators grouped for display: LLM judges by category, then the metrics. */
export function groupEvaluators(list: SystemEvaluator[]): [string, SystemEvaluator[]][] {
  const groups = new Map<string, SystemEvaluator[]>()
  for (const e of list) {
    const key = e.kind === 'metric' ? 'metric' : e.category
    groups.set(key, [...(groups.get(key) ?? []), e])
  }
  return ['quality', 'safety', 'rag', 'metric']
    .filter((k) => groups.has(k))
    .map((k) => [k, groups.get(k) ?? []])
}

export function EvaluatorsTab({ projectId, role }: { projectId: string; role: Role }) {
  const system = useSystemEvaluators()
  const custom = useProjectEvaluators(projectId)
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState<ProjectEvaluator | 'new' | null>(null)
  const [deleting, setDeleting] = useState<ProjectEvaluator | null>(null)
  const canEdit = role !== 'viewer'
  return (
    <section>
      <div className="section-head">
        <h2>Custom and global evaluators</h2>
        {canEdit ? (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            New custom evaluator
          </button>
        ) : null}
      </div>
      <ErrorNote error={custom.error} />
      {custom.data && custom.data.length === 0 ? (
        <p className="hint">None yet. A custom LLM judge starts from a system template.</p>
      ) : null}
      <div className="evaluator-grid">
        {(custom.data ?? []).map((e) => (
          <EvaluatorCard key={e.id} evaluator={e}>
            {canEdit ? (
              <div className="card-actions">
                <button type="button" onClick={() => setEditing(e)}>
                  Edit
                </button>
                <button type="button" className="danger-text ghost" onClick={() => setDeleting(e)}>
                  Delete
                </button>
              </div>
            ) : null}
          </EvaluatorCard>
        ))}
      </div>
      <h2 className="spaced">System evaluators</h2>
      {system.isPending ? <Spinner /> : null}
      {groupEvaluators(system.data ?? []).map(([category, list]) => (
        <div key={category}>
          <h3>{CATEGORY_LABEL[category] ?? category}</h3>
          <div className="evaluator-grid">
            {list.map((e) => (
              <EvaluatorCard key={e.id} evaluator={e} />
            ))}
          </div>
        </div>
      ))}
      {editing ? (
        <CustomEvaluatorDialog
          projectId={projectId}
          evaluator={editing === 'new' ? null : editing}
          templates={(system.data ?? []).filter((e) => e.kind === 'llm' && e.category !== 'rag')}
          onClose={() => setEditing(null)}
          onSaved={async () => {
            await queryClient.invalidateQueries({ queryKey: ['project-evaluators', projectId] })
            setEditing(null)
          }}
        />
      ) : null}
      {deleting ? (
        <Confirm
          title="Delete evaluator"
          danger
          confirmLabel="Delete"
          message={<p>Delete the evaluator {deleting.name}?</p>}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            await call(
              api.DELETE('/api/v1/evaluators/{evaluatorId}', {
                params: { path: { evaluatorId: deleting.id } },
              }),
            )
            await queryClient.invalidateQueries({ queryKey: ['project-evaluators', projectId] })
            setDeleting(null)
          }}
        />
      ) : null}
    </section>
  )
}

function EvaluatorCard({
  evaluator: e,
  children,
}: {
  evaluator: ProjectEvaluator
  children?: React.ReactNode
}) {
  return (
    <article className="card evaluator-card">
      <header>
        <h4>{e.name}</h4>
        <span className={`badge scope-${e.scope}`}>{e.scope}</span>
      </header>
      {e.description ? <p className="muted">{e.description}</p> : null}
      <dl className="props">
        <dt>Scale</dt>
        <dd>{scaleText(e.scale)}</dd>
        <dt>Polarity</dt>
        <dd>{e.polarity === 'negative' ? 'negative (higher is worse)' : 'positive'}</dd>
        <dt>Variables</dt>
        <dd>
          {e.variables.map((v) => (
            <code key={v} className="var">{`{{${v}}}`}</code>
          ))}
        </dd>
      </dl>
      {e.prompt ? (
        <details>
          <summary>Prompt (read-only)</summary>
          <pre className="prompt">{e.prompt}</pre>
        </details>
      ) : null}
      {children}
    </article>
  )
}

function CustomEvaluatorDialog({
  projectId,
  evaluator,
  templates,
  onClose,
  onSaved,
}: {
  projectId: string
  evaluator: ProjectEvaluator | null
  templates: SystemEvaluator[]
  onClose: () => void
  onSaved: () => Promise<void>
}) {
  const [name, setName] = useState(evaluator?.name ?? '')
  const [description, setDescription] = useState(evaluator?.description ?? '')
  const [category, setCategory] = useState<'quality' | 'safety'>(
    evaluator?.category === 'safety' ? 'safety' : 'quality',
  )
  const [prompt, setPrompt] = useState(evaluator?.prompt ?? '')
  const [outputType, setOutputType] = useState<'score' | 'boolean'>(
    evaluator?.scale.kind ?? 'score',
  )
  const [maxScore, setMaxScore] = useState(
    evaluator?.scale.kind === 'score' ? evaluator.scale.max : 5,
  )
  const [polarity, setPolarity] = useState(evaluator?.polarity ?? 'positive')
  const [global, setGlobal] = useState(false)
  const me = useMe()
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const scale: Scale =
      outputType === 'boolean' ? { kind: 'boolean' } : { kind: 'score', min: 1, max: maxScore }
    const body = { name, description, category, prompt, scale, polarity }
    try {
      if (evaluator)
        await call(
          api.PATCH('/api/v1/evaluators/{evaluatorId}', {
            params: { path: { evaluatorId: evaluator.id } },
            body,
          }),
        )
      else
        await call(
          api.POST('/api/v1/projects/{projectId}/evaluators', {
            params: { path: { projectId } },
            body: { ...body, global },
          }),
        )
      await onSaved()
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  return (
    <Modal title={evaluator ? 'Edit evaluator' : 'New custom evaluator'} onClose={onClose} wide>
      <form onSubmit={submit} className="grid-form">
        <Field label="Evaluator Name">
          {(id) => (
            <input id={id} value={name} onChange={(e) => setName(e.target.value)} required />
          )}
        </Field>
        <Field label="Evaluator Type">
          {(id) => (
            <select
              id={id}
              value={category}
              onChange={(e) => setCategory(e.target.value as 'quality' | 'safety')}
            >
              <option value="quality">Quality</option>
              <option value="safety">Safety</option>
            </select>
          )}
        </Field>
        <Field label="Description">
          {(id) => (
            <input id={id} value={description} onChange={(e) => setDescription(e.target.value)} />
          )}
        </Field>
        <Field
          label="Prompt"
          hint="Use {{variables}}; they are mapped to columns when the evaluator is added. Do not describe the answer format: Assay appends it."
        >
          {(id) => (
            <>
              <div className="row-gap">
                <label htmlFor={`${id}-template`} className="muted">
                  Template
                </label>
                <select
                  id={`${id}-template`}
                  value=""
                  onChange={(e) => {
                    const t = templates.find((x) => x.id === e.target.value)
                    if (t?.prompt) setPrompt(t.prompt)
                  }}
                >
                  <option value="">Start from a system template…</option>
                  {templates.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </select>
              </div>
              <textarea
                id={id}
                rows={10}
                value={prompt}
                onChange={(e) => setPrompt(e.target.value)}
                required
              />
            </>
          )}
        </Field>
        <div className="cols-3">
          <Field label="Output Type">
            {(id) => (
              <select
                id={id}
                value={outputType}
                onChange={(e) => setOutputType(e.target.value as 'score' | 'boolean')}
              >
                <option value="score">Score</option>
                <option value="boolean">Boolean</option>
              </select>
            )}
          </Field>
          {outputType === 'score' ? (
            <Field label="Maximum Score">
              {(id) => (
                <input
                  id={id}
                  type="number"
                  min={2}
                  max={100}
                  value={maxScore}
                  onChange={(e) => setMaxScore(Number(e.target.value))}
                />
              )}
            </Field>
          ) : null}
          <Field label="Polarity">
            {(id) => (
              <select
                id={id}
                value={polarity}
                onChange={(e) => setPolarity(e.target.value as 'positive' | 'negative')}
              >
                <option value="positive">Positive (higher is better)</option>
                <option value="negative">Negative (higher is worse)</option>
              </select>
            )}
          </Field>
        </div>
        {/* Only instance administrators save global evaluators (the server refuses others). */}
        {!evaluator && me.user.isAdmin ? (
          <label className="check">
            <input type="checkbox" checked={global} onChange={(e) => setGlobal(e.target.checked)} />
            Save as a Global Evaluator (a copy shared with every project)
          </label>
        ) : null}
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
