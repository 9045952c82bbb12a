import type { Column, ColumnAggregate } from '../api/types'
import { count, money, num, pct } from '../format'
import { thresholdText } from './columns'

/** Evaluation Insights: one tile per evaluator and human thumbs column. */
export function Insights({
  aggregates,
  columns,
  filtered,
  hidden,
}: {
  aggregates: ColumnAggregate[]
  columns: Column[]
  filtered: boolean
  hidden: boolean
}) {
  if (hidden || aggregates.length === 0) return null
  const byId = new Map(columns.map((c) => [c.id, c]))
  return (
    <section className="insights" aria-label="Evaluation Insights">
      <h2 className="visually-hidden">Evaluation Insights</h2>
      {aggregates.map((a) => {
        const column = byId.get(a.columnId)
        if (!column) return null
        return <Tile key={a.columnId} aggregate={a} name={column.name} filtered={filtered} />
      })}
    </section>
  )
}

function Tile({
  aggregate: a,
  name,
  filtered,
}: {
  aggregate: ColumnAggregate
  name: string
  filtered: boolean
}) {
  const verdicts = a.pass + a.fail
  const finished = a.total - a.pending - a.stopped - a.skipped
  const partial = finished < a.total
  const passWidth = a.total ? (a.pass / a.total) * 100 : 0
  const failWidth = a.total ? (a.fail / a.total) * 100 : 0
  const errorWidth = a.total ? (a.error / a.total) * 100 : 0
  const maxBin = Math.max(1, ...a.histogram.bins.map((b) => b.count))
  return (
    <article className="tile" data-testid={`tile-${name}`} aria-label={`Insights for ${name}`}>
      <header>
        <h3 title={name}>{name}</h3>
        <span className="tile-rate" data-testid="pass-rate">
          {pct(a.passRate, 1)}
        </span>
      </header>
      <div
        className="bar"
        role="img"
        aria-label={`${a.pass} passed, ${a.fail} failed, ${a.error} errors of ${a.total}`}
      >
        <span className="bar-pass" style={{ width: `${passWidth}%` }} />
        <span className="bar-fail" style={{ width: `${failWidth}%` }} />
        <span className="bar-error" style={{ width: `${errorWidth}%` }} />
      </div>
      <div className="tile-counts">
        <span className="c-pass" data-testid="pass-count">
          {count(a.pass)} pass
        </span>
        <span className="c-fail" data-testid="fail-count">
          {count(a.fail)} fail
        </span>
        {a.error ? <span className="c-error">{count(a.error)} errors</span> : null}
        {a.noVerdict ? <span className="muted">{count(a.noVerdict)} no verdict</span> : null}
      </div>
      <div className="tile-meta">
        <span data-testid="rows-of" className={partial ? 'partial' : undefined}>
          {count(finished)} of {count(a.total)} rows{filtered ? ' (filtered)' : ''}
        </span>
        <span>
          {a.kind === 'human' ? 'thumbs up passes' : `pass: ${thresholdText(a.threshold)}`}
        </span>
      </div>
      {a.scale.kind === 'score' && a.histogram.bins.length > 0 ? (
        <div className="histogram" role="img" aria-label={`Score histogram of ${name}`}>
          {a.histogram.bins.map((b) => (
            <div
              key={`${b.lo}-${b.hi}`}
              className="hbin"
              title={`${num(b.lo)}–${num(b.hi)}: ${b.count}`}
            >
              <span style={{ height: `${(b.count / maxBin) * 100}%` }} />
            </div>
          ))}
        </div>
      ) : null}
      {a.scale.kind === 'score' ? (
        <div className="tile-meta">
          <span>avg {num(a.avg)}</span>
          <span>
            min {num(a.min)} · max {num(a.max)}
          </span>
        </div>
      ) : null}
      {verdicts === 0 && a.error === 0 ? <p className="muted small">No score yet.</p> : null}
      {a.error || a.unparseable || a.tokensIn || a.tokensOut ? (
        <div className="tile-health">
          {a.unparseable ? <span>{count(a.unparseable)} unparseable</span> : null}
          {a.tokensIn || a.tokensOut ? (
            <span>
              {count(a.tokensIn)} / {count(a.tokensOut)} tokens · {money(a.cost)}
            </span>
          ) : null}
        </div>
      ) : null}
    </article>
  )
}
