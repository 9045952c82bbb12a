import { type Column, isMetricId, METRICS, type Repositories, type Scale } from '@assay/core'
import { getSystemEvaluator } from '@assay/engine'

/** The scale an evaluator column's values are on (metrics, system and custom evaluators). */
export async function scaleOfColumn(repos: Repositories, column: Column): Promise<Scale | null> {
  if (column.config.kind === 'human') {
    return column.config.feedback === 'thumbs' ? { kind: 'boolean' } : null
  }
  if (column.config.kind !== 'evaluator') return null
  const id = column.config.evaluator.evaluatorId
  if (id.startsWith('metric:')) {
    const metricId = id.slice('metric:'.length)
    if (!isMetricId(metricId)) return null
    return METRICS[metricId].scale === 'boolean'
      ? { kind: 'boolean' }
      : { kind: 'score', min: 0, max: 1 }
  }
  const evaluator = getSystemEvaluator(id) ?? (await repos.evaluators.get(id))
  return evaluator?.scale ?? null
}
