import type { Generated } from 'kysely'

/*
 * Table types shared by both dialects. Booleans are stored as integers 0/1, instants as ISO-8601
 * text, structured values as JSON text, so one query works on SQLite and PostgreSQL alike.
 * Names are snake_case here and camelCase in the domain; repositories map between them.
 */

export interface UsersTable {
  id: string
  email: string
  name: string
  is_admin: number
  disabled: number
  password_hash: string | null
  created_at: string
}

export interface ProjectsTable {
  id: string
  name: string
  created_at: string
  created_by: string | null
}

export interface ProjectMembersTable {
  project_id: string
  user_id: string
  role: string
  added_at: string
}

export interface EvaluationsTable {
  id: string
  project_id: string
  name: string
  created_at: string
  created_by: string | null
  cache_enabled: number
  row_count: number
}

export interface ColumnsTable {
  id: string
  evaluation_id: string
  name: string
  position: number
  config: string
  created_at: string
}

export interface RowsTable {
  id: Generated<number>
  evaluation_id: string
  idx: number
  /** JSON array of the data columns' strings, in column position order. */
  data: string
}

export interface CellValuesTable {
  column_id: string
  row_id: number
  value: string | null
  edited_by: string | null
  edited_at: string
}

export interface RunsTable {
  id: string
  evaluation_id: string
  status: string
  scope: string
  started_by: string | null
  created_at: string
  segment_started_at: string | null
  elapsed_ms: number
  segments: number
  finished_at: string | null
  tokens_in: number
  tokens_out: number
  cost: number | null
  budget: string | null
  stop_reason: string | null
  /** The last time a worker said it was still executing the run; added by 0002-engine. */
  heartbeat_at: string | null
}

export interface CellResultsTable {
  run_id: string
  column_id: string
  row_id: number
  status: string
  value_num: number | null
  value_text: string | null
  pass: number | null
  explanation: string | null
  raw: string | null
  tokens_in: number
  tokens_out: number
  cost: number | null
  latency_ms: number | null
  attempts: number
  error: string | null
  model: string | null
  prompt_hash: string | null
  cached: number
  finished_at: string
}

/** Model answers kept for reuse, by a hex SHA-256 of the request (model, parameters, prompt). */
export interface ModelCacheTable {
  key: string
  text: string
  input_tokens: number | null
  output_tokens: number | null
  model: string | null
  created_at: string | null
}

export interface ConnectionsTable {
  id: string
  project_id: string | null
  name: string
  provider: string
  base_url: string | null
  model: string
  defaults: string
  limits: string
  prices: string
  structured_output: string
  api_key_sealed: string | null
  created_at: string
  updated_at: string
}

export interface CustomEvaluatorsTable {
  id: string
  project_id: string | null
  scope: string
  kind: string
  category: string
  name: string
  description: string
  prompt: string | null
  variables: string
  scale: string
  polarity: string
  created_at: string
}

export interface SessionsTable {
  id_hash: string
  user_id: string
  csrf_token: string
  created_at: string
  expires_at: string
}

export interface ApiTokensTable {
  id: string
  user_id: string
  name: string
  prefix: string
  token_hash: string
  /** JSON array of project ids; empty means every project of the owner. */
  project_ids: string
  role: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export interface SignInLinksTable {
  token_hash: string
  user_id: string
  expires_at: string
  used_at: string | null
}

export interface TableOptionsTable {
  user_id: string
  evaluation_id: string
  options: string
  updated_at: string
}

/** Production spans received over OTLP (0004-traces); instants as `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
export interface SpansTable {
  id: string
  project_id: string
  trace_id: string
  span_id: string
  parent_span_id: string | null
  service_name: string
  span_name: string
  model: string | null
  start_time: string
  end_time: string
  latency_ms: number
  status: string
  status_message: string | null
  input_tokens: number | null
  output_tokens: number | null
  input: string | null
  output: string | null
  request_id: string | null
  received_at: string
}

/**
 * Per (column, row), a copy of the latest finished result's filter and footer fields (added by
 * 0005-results-query, kept current by every cell result write). `verdict`: 0 fail, 1 pass,
 * 2 done without a verdict, 3 error, 4 error coded judge_unparseable.
 */
export interface LatestResultsTable {
  column_id: string
  row_id: number
  run_id: string
  finished_at: string
  verdict: number
  value_num: number | null
  tokens_in: number
  tokens_out: number
  cost: number | null
}

export interface Database {
  users: UsersTable
  projects: ProjectsTable
  project_members: ProjectMembersTable
  evaluations: EvaluationsTable
  columns: ColumnsTable
  rows: RowsTable
  cell_values: CellValuesTable
  runs: RunsTable
  cell_results: CellResultsTable
  connections: ConnectionsTable
  custom_evaluators: CustomEvaluatorsTable
  model_cache: ModelCacheTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  sign_in_links: SignInLinksTable
  table_options: TableOptionsTable
  spans: SpansTable
  latest_results: LatestResultsTable
}

export type Dialect = 'sqlite' | 'postgres'
