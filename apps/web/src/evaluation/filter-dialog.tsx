import { type FormEvent, useState } from 'react'
import type { Column, ResultsFilter } from '../api/types'
import { Field, Modal } from '../components/ui'
import { kindOf } from './columns'

const VERDICTS = ['pass', 'fail', 'error', 'pending'] as const
const THUMBS = ['up', 'down', 'none'] as const

export function describeFilter(filter: ResultsFilter, columns: Column[]): string {
  const name = columns.find((c) => c.id === filter.columnId)?.name ?? '?'
  switch (filter.type) {
    case 'text':
      return filter.op === 'empty' || filter.op === 'not_empty'
        ? `${name} is ${filter.op === 'empty' ? 'empty' : 'not empty'}`
        : `${name} ${filter.op} “${filter.value ?? ''}”`
    case 'score':
      return filter.op === 'between'
        ? `${name} between ${filter.value} and ${filter.to}`
        : `${name} ${filter.op} ${filter.value}`
    case 'verdict':
      return `${name}: ${filter.values.join(' or ')}`
    case 'thumbs':
      return `${name}: ${filter.values.map((v) => `thumbs ${v}`).join(' or ')}`
  }
}

/** Adds one filter: text for text columns, verdict or score for evaluators, thumbs for thumbs. */
export function FilterDialog({
  columns,
  initialColumnId,
  onAdd,
  onClose,
}: {
  columns: Column[]
  initialColumnId?: string
  onAdd: (filter: ResultsFilter) => void
  onClose: () => void
}) {
  const [columnId, setColumnId] = useState(initialColumnId ?? columns[0]?.id ?? '')
  const column = columns.find((c) => c.id === columnId)
  const kind = column ? kindOf(column) : 'data'
  const [textOp, setTextOp] = useState<'contains' | 'equals' | 'empty' | 'not_empty'>('contains')
  const [text, setText] = useState('')
  const [mode, setMode] = useState<'verdict' | 'score'>('verdict')
  const [verdicts, setVerdicts] = useState<string[]>(['fail'])
  const [scoreOp, setScoreOp] = useState<'>' | '>=' | '<' | '<=' | '=' | 'between'>('>=')
  const [value, setValue] = useState('0')
  const [to, setTo] = useState('1')
  const [thumbs, setThumbs] = useState<string[]>(['up'])

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!column) return
    let filter: ResultsFilter
    if (kind === 'evaluator') {
      filter =
        mode === 'verdict'
          ? { type: 'verdict', columnId, values: verdicts as ('pass' | 'fail')[] }
          : {
              type: 'score',
              columnId,
              op: scoreOp,
              value: Number(value),
              ...(scoreOp === 'between' ? { to: Number(to) } : {}),
            }
    } else if (kind === 'thumbs') {
      filter = { type: 'thumbs', columnId, values: thumbs as ('up' | 'down')[] }
    } else {
      filter = {
        type: 'text',
        columnId,
        op: textOp,
        ...(textOp === 'contains' || textOp === 'equals' ? { value: text } : {}),
      }
    }
    onAdd(filter)
  }
  const toggle = (list: string[], set: (v: string[]) => void, v: string) =>
    set(list.includes(v) ? list.filter((x) => x !== v) : [...list, v])
  const invalid =
    (kind === 'evaluator' && mode === 'verdict' && verdicts.length === 0) ||
    (kind === 'thumbs' && thumbs.length === 0) ||
    (kind !== 'evaluator' &&
      kind !== 'thumbs' &&
      (textOp === 'contains' || textOp === 'equals') &&
      !text)
  return (
    <Modal title="Add a filter" onClose={onClose} testId="filter-dialog">
      <form onSubmit={submit} className="grid-form">
        <Field label="Column">
          {(id) => (
            <select id={id} value={columnId} onChange={(e) => setColumnId(e.target.value)}>
              {columns.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        {kind === 'evaluator' ? (
          <>
            <fieldset className="radios">
              <legend>Filter on</legend>
              <label>
                <input
                  type="radio"
                  checked={mode === 'verdict'}
                  onChange={() => setMode('verdict')}
                />
                Verdict
              </label>
              <label>
                <input type="radio" checked={mode === 'score'} onChange={() => setMode('score')} />
                Score
              </label>
            </fieldset>
            {mode === 'verdict' ? (
              <fieldset className="radios">
                <legend>Verdict is any of</legend>
                {VERDICTS.map((v) => (
                  <label key={v}>
                    <input
                      type="checkbox"
                      checked={verdicts.includes(v)}
                      onChange={() => toggle(verdicts, setVerdicts, v)}
                    />
                    {v}
                  </label>
                ))}
              </fieldset>
            ) : (
              <div className="cols-3">
                <Field label="Operator">
                  {(id) => (
                    <select
                      id={id}
                      value={scoreOp}
                      onChange={(e) => setScoreOp(e.target.value as typeof scoreOp)}
                    >
                      {['>', '>=', '<', '<=', '=', 'between'].map((o) => (
                        <option key={o}>{o}</option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label="Value">
                  {(id) => (
                    <input
                      id={id}
                      type="number"
                      step="any"
                      value={value}
                      onChange={(e) => setValue(e.target.value)}
                    />
                  )}
                </Field>
                {scoreOp === 'between' ? (
                  <Field label="and">
                    {(id) => (
                      <input
                        id={id}
                        type="number"
                        step="any"
                        value={to}
                        onChange={(e) => setTo(e.target.value)}
                      />
                    )}
                  </Field>
                ) : null}
              </div>
            )}
          </>
        ) : kind === 'thumbs' ? (
          <fieldset className="radios">
            <legend>Thumbs is any of</legend>
            {THUMBS.map((v) => (
              <label key={v}>
                <input
                  type="checkbox"
                  checked={thumbs.includes(v)}
                  onChange={() => toggle(thumbs, setThumbs, v)}
                />
                {v}
              </label>
            ))}
          </fieldset>
        ) : (
          <div className="cols-2">
            <Field label="Operator">
              {(id) => (
                <select
                  id={id}
                  value={textOp}
                  onChange={(e) => setTextOp(e.target.value as typeof textOp)}
                >
                  <option value="contains">contains</option>
                  <option value="equals">equals</option>
                  <option value="empty">is empty</option>
                  <option value="not_empty">is not empty</option>
                </select>
              )}
            </Field>
            {textOp === 'contains' || textOp === 'equals' ? (
              <Field label="Text">
                {(id) => <input id={id} value={text} onChange={(e) => setText(e.target.value)} />}
              </Field>
            ) : null}
          </div>
        )}
        <div className="form-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={invalid}>
            Apply filter
          </button>
        </div>
      </form>
    </Modal>
  )
}
