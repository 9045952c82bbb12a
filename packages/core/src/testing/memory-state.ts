import type { ApiToken, Session } from '../domain/api-token.js'
import type { CellResult, CellValue } from '../domain/cell.js'
import type { Column } from '../domain/column.js'
import type { Connection } from '../domain/connection.js'
import type { Evaluation } from '../domain/evaluation.js'
import type { Evaluator } from '../domain/evaluator.js'
import type { Project, ProjectMember } from '../domain/project.js'
import type { Row } from '../domain/row.js'
import type { Run } from '../domain/run.js'
import type { Span } from '../domain/span.js'
import type { User } from '../domain/user.js'
import type { Clock } from '../ports/clock.js'
import type { IdSource } from '../ports/id-source.js'
import type { CachedAnswer } from '../ports/repositories.js'
import type { SecretBox } from '../ports/secret-box.js'

/**
 * The in-memory fake's tables, shared by every memory repository so that deletes cascade the
 * way the SQL schema's foreign keys do. Values are stored as given and copied on the way out.
 */
export type MemoryState = {
  users: Map<string, User>
  passwordHashes: Map<string, string | null>
  projects: Map<string, Project>
  /** key: `${projectId}\u0000${userId}` */
  members: Map<string, ProjectMember>
  evaluations: Map<string, Evaluation>
  columns: Map<string, Column>
  rows: Map<string, Row>
  /** key: `${columnId}\u0000${rowId}` */
  cellValues: Map<string, CellValue>
  runs: Map<string, Run>
  /** The last heartbeat of a run, by run id; absent when none was recorded. */
  heartbeats: Map<string, string>
  /** key: `${runId}\u0000${columnId}\u0000${rowId}` */
  cellResults: Map<string, CellResult>
  connections: Map<string, Connection>
  sealedKeys: Map<string, string | null>
  evaluators: Map<string, Evaluator>
  /** Cached model answers by request key. */
  modelCache: Map<string, CachedAnswer>
  /** Production spans; key: `${projectId}\u0000${traceId}\u0000${spanId}`. */
  spans: Map<string, Span>
  /** Sessions by the SHA-256 of their secret. */
  sessions: Map<string, Session>
  apiTokens: Map<string, ApiToken>
  /** API token ids by the SHA-256 of their secret. */
  apiTokenHashes: Map<string, string>
  signInLinks: Map<string, { userId: string; expiresAt: string; used: boolean }>
  /** key: `${userId}\u0000${evaluationId}`; JSON text. */
  tableOptions: Map<string, string>
}

export type MemoryDeps = { ids: IdSource; clock: Clock; secretBox: SecretBox }

export function createMemoryState(): MemoryState {
  return {
    users: new Map(),
    passwordHashes: new Map(),
    projects: new Map(),
    members: new Map(),
    evaluations: new Map(),
    columns: new Map(),
    rows: new Map(),
    cellValues: new Map(),
    runs: new Map(),
    heartbeats: new Map(),
    cellResults: new Map(),
    connections: new Map(),
    sealedKeys: new Map(),
    evaluators: new Map(),
    modelCache: new Map(),
    spans: new Map(),
    sessions: new Map(),
    apiTokens: new Map(),
    apiTokenHashes: new Map(),
    signInLinks: new Map(),
    tableOptions: new Map(),
  }
}
