import type { Connection, TokenUsage } from '@assay/core'

/** What one cell spent across its model calls (re-asks and RAG steps included). */
export class CellAccumulator {
  inputTokens = 0
  outputTokens = 0
  /** Null once a call with tokens had an unknown price. */
  cost: number | null = 0
  attempts = 0
  /** Model calls that returned an answer. */
  generations = 0
  latencyMs = 0
  cached = false
  model: string | null = null
  promptHash: string | null = null

  add(usage: TokenUsage, connection: Connection): void {
    this.inputTokens += usage.inputTokens
    this.outputTokens += usage.outputTokens
    this.cost = addCost(this.cost, usage, connection)
  }
}

/** Cost in the connection's currency; null when a price is unknown and tokens were spent. */
export function addCost(
  total: number | null,
  usage: TokenUsage,
  connection: Connection,
): number | null {
  if (usage.inputTokens === 0 && usage.outputTokens === 0) return total
  const { inputPerMillion, outputPerMillion } = connection.prices
  if (total === null || inputPerMillion === null || outputPerMillion === null) return null
  return (
    total +
    (usage.inputTokens * inputPerMillion + usage.outputTokens * outputPerMillion) / 1_000_000
  )
}
