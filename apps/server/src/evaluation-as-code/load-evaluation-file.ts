import { AssayError } from '@assay/core'
import { isNode, LineCounter, parseDocument } from 'yaml'
import { type EvaluationFile, EvaluationFileSchema } from './config-schema.js'
import { interpolateEnv } from './interpolate.js'

/**
 * Parses an evaluation file: YAML syntax, then `${ENV}` interpolation, then the schema. Every
 * refusal names the file, the line and the key path, e.g.
 * `eval.yaml line 12 (evaluators[0].threshold): …`.
 */
export function parseEvaluationFile(
  text: string,
  env: Record<string, string | undefined>,
  fileName = 'the file',
): EvaluationFile {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true })
  const syntax = doc.errors[0]
  if (syntax) {
    const line = syntax.linePos?.[0]?.line
    throw new AssayError(
      'invalid_input',
      `${fileName}${line ? ` line ${line}` : ''}: ${syntax.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      {
        position: line ? { line } : {},
      },
    )
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true)
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line
    }
    return undefined
  }
  let raw: unknown
  try {
    raw = interpolateEnv(doc.toJS(), env)
  } catch (error) {
    if (error instanceof AssayError) {
      const field = error.position?.field ?? ''
      const line = lineOf(
        field
          .split(/[.[\]]+/)
          .filter(Boolean)
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      )
      throw new AssayError(
        'invalid_input',
        `${fileName}${line ? ` line ${line}` : ''}: ${error.message}`,
        {
          position: { line, field },
        },
      )
    }
    throw error
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AssayError(
      'invalid_input',
      `${fileName}: expected a mapping with project, evaluation, …`,
    )
  }
  const parsed = EvaluationFileSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = issue?.path ?? []
    const line = lineOf(path)
    const where = path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('')
    throw new AssayError(
      'invalid_input',
      `${fileName}${line ? ` line ${line}` : ''}${where ? ` (${where})` : ''}: ${issue?.message ?? 'invalid'}`,
      { position: { line, field: where } },
    )
  }
  return parsed.data
}
