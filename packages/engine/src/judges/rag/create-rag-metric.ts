import { contextEntityRecallMetric } from './context-entity-recall.js'
import { contextPrecisionMetric } from './context-precision.js'
import { contextRecallMetric } from './context-recall.js'
import { faithfulnessMetric } from './faithfulness.js'
import type { NoiseSensitivityMode } from './formulas.js'
import { noiseSensitivityMetric } from './noise-sensitivity.js'
import type { RagMetric, RagMetricId } from './rag-metric.js'

export type RagMetricOptions = {
  /** Noise sensitivity only: `relevant` (default, as in RAGAS) or `irrelevant`. */
  mode?: NoiseSensitivityMode
}

/** The RAGAS metric `id`, ready to `run` on rows. */
export function createRagMetric(id: RagMetricId, options: RagMetricOptions = {}): RagMetric {
  switch (id) {
    case 'faithfulness':
      return faithfulnessMetric()
    case 'context-precision':
      return contextPrecisionMetric()
    case 'context-recall':
      return contextRecallMetric()
    case 'context-entity-recall':
      return contextEntityRecallMetric()
    case 'noise-sensitivity':
      return noiseSensitivityMetric(options)
  }
}
