/**
 * Deterministic metrics: pure functions that score one row without a model.
 *
 * **Result of scoring.** Every metric returns `MetricResult = { score, explanation }`: `score`
 * is 1 or 0 for checks (scale `boolean`) and a value in 0..1 for similarities, token F1, BLEU
 * and ROUGE-L (scale `ratio`); `explanation` is one short sentence ("missing: 'Paris'").
 *
 * **Configuration is refused early, never thrown late.** Each metric has a zod parameter
 * schema with defaults and a factory `createXMetric(params)`; the registry entry
 * `METRICS[id].create(params)` parses the parameters and calls the factory. Both return
 * `Result<MetricFn>` = `{ ok: true, value: fn } | { ok: false, error: { code: 'invalid_input',
 * message } }`, so an invalid regex, an invalid JSON schema or min > max is reported when the
 * evaluator column is attached. Patterns and schemas are compiled there, once per
 * configuration. The returned `fn(vars)` never throws on data (empty, non-numeric or invalid
 * JSON cells score 0 with a reason); it throws only if a variable it declares is missing,
 * which `validateMapping` already rules out.
 *
 * **Variables.** Comparisons read `output` and `expected`; checks on one text read `output`;
 * `numeric-bounds` reads `value`. BLEU, ROUGE-L and token F1 accept several references in
 * `expected` (parameter `references`: `single`, `lines` or `json-array`).
 *
 * @example
 * const made = METRICS['rouge-l'].create({ beta: 1 })
 * if (!made.ok) return made // { code: 'invalid_input', message: 'invalid parameters for …' }
 * made.value({ output: 'police kill the gunman', expected: 'police killed the gunman' })
 * // → { score: 0.75, explanation: 'ROUGE-L 0.75: LCS 3, precision 0.75, recall 0.75' }
 */
export * from './bleu.js'
export * from './contains.js'
export * from './exact-match.js'
export * from './json-schema.js'
export * from './json-valid.js'
export * from './length-bounds.js'
export * from './levenshtein.js'
export * from './metric-result.js'
export * from './numbers.js'
export * from './numeric-bounds.js'
export * from './numeric-tolerance.js'
export * from './references.js'
export * from './regex.js'
export * from './registry.js'
export * from './rouge-l.js'
export * from './text.js'
export * from './token-f1.js'
