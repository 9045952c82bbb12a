/** The server's public entry: what the CLI (and only the CLI) may import. */
export { CSV_DELIMITERS, type CsvDelimiter } from './dataset/csv-reader.js'
export {
  DATASET_FORMATS,
  type DatasetFormat,
  formatFromFileName,
} from './dataset/dataset-format.js'
export { type ExportOptions, exportDataset } from './dataset/export-dataset.js'
export {
  type DatasetPreview,
  type DatasetSource,
  type ImportOutcome,
  importDataset,
  PREVIEW_ROWS,
  previewDataset,
} from './dataset/import-dataset.js'
export { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './dataset/limits.js'
export { type AssayConfig, loadConfig } from './env.js'
export { parseEvaluationFile } from './evaluation-as-code/load-evaluation-file.js'
export {
  type EvaluatorSummary,
  type RunSummary,
  runEvaluationFile,
  testEvaluationFileColumn,
} from './evaluation-as-code/run-evaluation-file.js'
export { createServices, type Services } from './services.js'
export { type RunningServer, SHUTDOWN_REASON, type StartOptions, startServer } from './start.js'
