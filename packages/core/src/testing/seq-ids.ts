import type { IdSource } from '../ports/id-source.js'

/** Ids `prefix_1`, `prefix_2`, … in order of request. */
export function createSeqIds(): IdSource {
  let n = 0
  return { next: (prefix) => `${prefix}_${++n}` }
}
