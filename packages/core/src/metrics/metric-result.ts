import { AssayError } from '../errors.js'

/**
 * What every deterministic metric returns for one row: a score (0..1 for similarities, F1,
 * BLEU and ROUGE; exactly 1 or 0 for checks) and one short human sentence saying why.
 */
export type MetricResult = { score: number; explanation: string }

/** A configured metric, ready to score rows. Variables are the row's mapped column values. */
export type MetricFn = (vars: Readonly<Record<string, string>>) => MetricResult

/** A 1/0 result for checks. */
export function checkResult(passed: boolean, explanation: string): MetricResult {
  return { score: passed ? 1 : 0, explanation }
}

/**
 * Reads one mapped variable. The mapping is validated when the evaluator column is attached
 * (`validateMapping`), so a missing variable here is a bug in the caller, not bad data.
 */
export function readVar(vars: Readonly<Record<string, string>>, name: string): string {
  const value = vars[name]
  if (value === undefined) {
    throw new AssayError('invalid_input', `the metric reads {{${name}}}, which was not supplied`)
  }
  return value
}
