import { expect } from 'vitest'
import { AssayError } from '../../errors.js'
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

/** Rows in batches of `size`, as `importRows` takes them. */
export async function* batchesOf(
  rows: readonly string[][],
  size: number,
): AsyncGenerator<string[][]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size)
}

/** What `promise` rejected with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject')
}

/** Asserts `promise` rejects with an AssayError of `code`, and returns it. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<AssayError> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(AssayError)
  expect((error as AssayError).code).toBe(code)
  return error as AssayError
}
