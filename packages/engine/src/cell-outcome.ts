/** How one cell ended in this run. `stopped` cells are not stored, so a resume runs them. */
export type CellOutcome =
  | {
      status: 'done'
      value: number | string
      pass: boolean | null
      explanation: string | null
      raw: string | null
      /** Values for other columns filled by the same call (a RAG endpoint's contexts). */
      extra?: { columnId: string; value: string }[]
    }
  | { status: 'error'; code: string; message: string; retryable: boolean; raw: string | null }
  | { status: 'stopped'; reason: string }

export function errorOutcome(
  code: string,
  message: string,
  raw: string | null = null,
  retryable = false,
): CellOutcome {
  return { status: 'error', code, message, retryable, raw }
}
