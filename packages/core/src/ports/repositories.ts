import type { CellResult, CellStatus, CellValue } from '../domain/cell.js'
import type { Column, ColumnConfig } from '../domain/column.js'
import type { Connection, ConnectionInput } from '../domain/connection.js'
import type { Evaluation } from '../domain/evaluation.js'
import type { Evaluator } from '../domain/evaluator.js'
import type { Project, ProjectMember, ProjectRole } from '../domain/project.js'
import type { Row } from '../domain/row.js'
import type { Run, RunStatus } from '../domain/run.js'
import type { User } from '../domain/user.js'
import type {
  ApiTokenRepository,
  SessionRepository,
  SignInLinkRepository,
  TableOptionsRepository,
} from './accounts.js'
import type { ResultsQueryRepository } from './results-query.js'
import type { SpanRepository } from './span-repository.js'

/*
 * Storage ports. Each has one contract suite in `core/testing`, run against the in-memory fake,
 * SQLite and PostgreSQL. Methods that look something up return `undefined` when it is absent;
 * methods that change something that must exist throw AssayError('not_found'); a name clash
 * throws AssayError('conflict'). Nothing is half-written: each method is one transaction.
 */

export interface ProjectRepository {
  create(input: { name: string; createdBy: string | null }): Promise<Project>
  get(id: string): Promise<Project | undefined>
  getByName(name: string): Promise<Project | undefined>
  list(): Promise<Project[]>
  /** Projects the user is a member of. */
  listForUser(userId: string): Promise<Project[]>
  rename(id: string, name: string): Promise<Project>
  /** Deletes the project and everything inside it (evaluations, rows, runs, members). */
  delete(id: string): Promise<void>
  setMember(projectId: string, userId: string, role: ProjectRole): Promise<ProjectMember>
  removeMember(projectId: string, userId: string): Promise<void>
  listMembers(projectId: string): Promise<ProjectMember[]>
  getMember(projectId: string, userId: string): Promise<ProjectMember | undefined>
}

export interface UserRepository {
  create(input: {
    email: string
    name: string
    isAdmin: boolean
    passwordHash: string | null
  }): Promise<User>
  get(id: string): Promise<User | undefined>
  getByEmail(email: string): Promise<User | undefined>
  list(): Promise<User[]>
  update(id: string, patch: { name?: string; isAdmin?: boolean; disabled?: boolean }): Promise<User>
  /** The only way to read a password hash, kept apart so a User never carries it. */
  getPasswordHash(id: string): Promise<string | null | undefined>
  setPasswordHash(id: string, passwordHash: string): Promise<void>
  count(): Promise<number>
}

export interface EvaluationRepository {
  create(input: { projectId: string; name: string; createdBy: string | null }): Promise<Evaluation>
  get(id: string): Promise<Evaluation | undefined>
  getByName(projectId: string, name: string): Promise<Evaluation | undefined>
  list(projectId: string): Promise<Evaluation[]>
  rename(id: string, name: string): Promise<Evaluation>
  setCacheEnabled(id: string, enabled: boolean): Promise<Evaluation>
  /** Deletes the evaluation with its columns, rows, cell values, runs and results. */
  delete(id: string): Promise<void>
}

export interface ColumnRepository {
  /** Appends a column after the existing ones; names are unique per evaluation. */
  add(input: { evaluationId: string; name: string; config: ColumnConfig }): Promise<Column>
  get(id: string): Promise<Column | undefined>
  list(evaluationId: string): Promise<Column[]>
  rename(id: string, name: string): Promise<Column>
  updateConfig(id: string, config: ColumnConfig): Promise<Column>
  /** Deletes the column with its cell values and results. */
  delete(id: string): Promise<void>
}

/** The outcome of a dataset import. */
/** `rows`: how many rows this import added; `columns`: the data columns afterwards. */
export type ImportedDataset = { rows: number; columns: Column[] }

export interface RowRepository {
  /**
   * Imports a dataset all or nothing, in one transaction: on the first import it creates the
   * data columns named by `header`; a later import must name the same data columns (in any
   * order) and appends. If `batches` throws, or `signal` aborts, nothing is kept and the error
   * is rethrown.
   */
  importRows(
    evaluationId: string,
    header: readonly string[],
    batches: AsyncIterable<readonly (readonly string[])[]>,
    options?: { signal?: AbortSignal },
  ): Promise<ImportedDataset>
  /** Keyset pagination in import order: rows with index > afterIndex. */
  list(evaluationId: string, options: { afterIndex?: number; limit: number }): Promise<Row[]>
  get(rowId: string): Promise<Row | undefined>
  count(evaluationId: string): Promise<number>
  /** Every row in import order, read in pages so memory stays bounded. */
  stream(evaluationId: string, options?: { pageSize?: number }): AsyncIterable<Row>
}

export interface CellValueRepository {
  set(input: CellValue): Promise<CellValue>
  get(rowId: string, columnId: string): Promise<CellValue | undefined>
  listForRows(columnId: string, rowIds: readonly string[]): Promise<CellValue[]>
}

export interface RunRepository {
  create(input: Omit<Run, 'id'>): Promise<Run>
  get(id: string): Promise<Run | undefined>
  list(evaluationId: string): Promise<Run[]>
  listByStatus(statuses: readonly RunStatus[]): Promise<Run[]>
  /**
   * Records that a worker is still executing the run (`heartbeatAt`); after a crash the last
   * heartbeat bounds the elapsed time of the interrupted segment. Does not change the status.
   */
  heartbeat(id: string, atIso: string): Promise<void>
  /** The last heartbeat of the run, or null when none was recorded. */
  lastHeartbeat(id: string): Promise<string | null | undefined>
  /**
   * Writes `next` only if the stored run still has status `expected` (compare-and-set), so two
   * workers cannot both move a run. Returns the stored run, or undefined when it had moved.
   */
  update(next: Run, expected: RunStatus): Promise<Run | undefined>
}

export interface CellResultRepository {
  /**
   * Stores a result once per (run, row, column) and adds its tokens and cost to the run's
   * totals in the same transaction. Returns false, changing nothing, when a result for that
   * key already exists.
   */
  put(result: CellResult): Promise<boolean>
  /**
   * `put` for a batch, in one transaction (the engine's group commit): each result is stored
   * once per (run, row, column) and the usage of those stored is added to their runs' totals in
   * that same transaction. Returns, in order, whether each was stored: false when its key
   * already existed or came earlier in the batch. All or nothing: an invalid result, or one
   * whose run, row or column does not exist, fails the whole batch and stores none of it.
   */
  putMany(results: readonly CellResult[]): Promise<boolean[]>
  get(runId: string, rowId: string, columnId: string): Promise<CellResult | undefined>
  listForRun(runId: string, options?: { columnId?: string }): Promise<CellResult[]>
  /** This run's results for the given rows (any order), for planning a resumed run page by page. */
  listForRunRows(runId: string, rowIds: readonly string[]): Promise<CellResult[]>
  /**
   * For each (column, row) pair among the given columns and rows, the most recent finished result
   * (status `done` or `error`) across every run (latest `finishedAt`; ties broken by the greater
   * run id): what the table shows, what a later run reads when an evaluator's input is a column
   * generated earlier, and what "run unfinished" and "re-run failed" plan from.
   */
  latestForRows(columnIds: readonly string[], rowIds: readonly string[]): Promise<CellResult[]>
  countForRun(runId: string): Promise<number>
  /**
   * A run's stored results counted without reading them (one aggregate query): by status, with
   * usage and per-row completeness — what a run's final counts are made of. Only the results of
   * `columnIds` count when given (e.g. a run's target columns, leaving out the contexts a RAG
   * endpoint stores beside its answer); an unknown run counts nothing.
   */
  countsForRun(runId: string, options?: { columnIds?: readonly string[] }): Promise<RunCellCounts>
}

/** A run's stored results, counted (`CellResultRepository.countsForRun`). */
export type RunCellCounts = {
  /** Results by status; every status is present (0 when none). */
  byStatus: Record<CellStatus, number>
  /** Done results answered from the model cache. */
  cached: number
  /** Done or error results that used tokens (tokensIn + tokensOut > 0). */
  generations: number
  /** Usage summed over every counted result. */
  tokensIn: number
  tokensOut: number
  /** Sum of the known costs. */
  cost: number
  /** Results that used tokens at an unknown price (cost null). */
  unknownCost: number
  /** Distinct rows with a done or error result. */
  rows: number
  /**
   * Of those, the rows with a done or error result in every counted column: each of
   * `columnIds` when given, else every column with a done or error result in the run.
   */
  finishedRows: number
}

/** An answer kept for reuse: identical requests (model, parameters, full prompt) are not sent again. */
export type CachedAnswer = {
  text: string
  inputTokens: number
  outputTokens: number
  model: string
}

export interface ModelCacheRepository {
  get(key: string): Promise<CachedAnswer | undefined>
  /** `get` for several keys at once: the answers found, by key (keys without one are absent). */
  getMany(keys: readonly string[]): Promise<Map<string, CachedAnswer>>
  /** Keeps the first answer stored for a key; a second put for the same key changes nothing. */
  put(key: string, answer: CachedAnswer): Promise<void>
  /** `put` for a batch, in one transaction; the first answer for a key (stored or in the batch) stays. */
  putMany(entries: readonly { key: string; answer: CachedAnswer }[]): Promise<void>
}

export interface ConnectionRepository {
  /** The API key is sealed with the SecretBox on the way in and never returned. */
  create(input: ConnectionInput): Promise<Connection>
  get(id: string): Promise<Connection | undefined>
  getByName(projectId: string | null, name: string): Promise<Connection | undefined>
  list(options?: { projectId?: string | null }): Promise<Connection[]>
  /** `apiKey: undefined` keeps the key, `null` removes it, a string replaces it. */
  update(id: string, patch: Partial<ConnectionInput>): Promise<Connection>
  delete(id: string): Promise<void>
  /** The sealed key, for the composition root to open with the SecretBox; never clear text. */
  getSealedApiKey(id: string): Promise<string | null | undefined>
}

export interface CustomEvaluatorRepository {
  create(input: Omit<Evaluator, 'id' | 'createdAt'>): Promise<Evaluator>
  get(id: string): Promise<Evaluator | undefined>
  /** Custom evaluators of a project plus every global one. */
  list(projectId: string | null): Promise<Evaluator[]>
  update(
    id: string,
    patch: Partial<Omit<Evaluator, 'id' | 'scope' | 'createdAt'>>,
  ): Promise<Evaluator>
  delete(id: string): Promise<void>
}

/** Everything storage provides, as one object the composition root passes around. */
export interface Repositories {
  projects: ProjectRepository
  users: UserRepository
  evaluations: EvaluationRepository
  columns: ColumnRepository
  rows: RowRepository
  cellValues: CellValueRepository
  runs: RunRepository
  cellResults: CellResultRepository
  connections: ConnectionRepository
  evaluators: CustomEvaluatorRepository
  modelCache: ModelCacheRepository
  sessions: SessionRepository
  apiTokens: ApiTokenRepository
  signInLinks: SignInLinkRepository
  tableOptions: TableOptionsRepository
  spans: SpanRepository
  resultsQuery: ResultsQueryRepository
}
