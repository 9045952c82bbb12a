/** Ids come through this port so tests get stable ones. */
export interface IdSource {
  /** A new unique id; `prefix` (`prj`, `run`, …) only makes logs readable. */
  next(prefix: string): string
}
