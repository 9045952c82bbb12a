import type { Clock } from '../../ports/clock.js'
import type { Repositories } from '../../ports/repositories.js'
import type { SecretBox } from '../../ports/secret-box.js'

/**
 * What a contract suite needs from an adapter: fresh repositories (one per suite, in beforeAll),
 * the clock and secret box they were built with, and a way to inspect raw storage where a
 * contract is about what is stored (e.g. that an API key is not kept in clear).
 */
export type RepositoriesHarness = {
  repos: Repositories
  clock: Clock
  secretBox: SecretBox
  /** Every stored text value of the connections table/map, for the "never in clear" check. */
  rawConnectionTexts(): Promise<string[]>
  close(): Promise<void>
}

export type MakeHarness = () => Promise<RepositoriesHarness>

let counter = 0
/** A name no other test of the same suite run uses. */
export function uniqueName(prefix: string): string {
  counter += 1
  return `${prefix} ${counter}`
}
