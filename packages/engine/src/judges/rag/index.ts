export * from './context-entity-recall.js'
export * from './context-precision.js'
export * from './context-recall.js'
export * from './create-rag-metric.js'
export * from './faithfulness.js'
export * from './formulas.js'
export * from './noise-sensitivity.js'
export * from './rag-metric.js'
export type { RagOutcome, RagRun, RagTranscriptEntry } from './rag-session.js'
export * from './rag-steps.js'
export * from './split-contexts.js'
export {
  type Attribution,
  parseAttributions,
  parseEntities,
  parseStatements,
  parseUsefulness,
  parseVerdicts,
  type StepParse,
  type Verdict as StepVerdict,
} from './step-parsers.js'
