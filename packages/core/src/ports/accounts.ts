import type { ApiToken, ApiTokenInput, Session } from '../domain/api-token.js'

/*
 * Storage ports for signing in. Secrets (session ids, API tokens, one-time links) are stored only
 * as SHA-256 digests made by the server; these ports never see a secret in clear.
 */

export interface SessionRepository {
  create(session: Session): Promise<void>
  /** The session, while it has not expired at `nowIso`. */
  get(idHash: string, nowIso: string): Promise<Session | undefined>
  delete(idHash: string): Promise<void>
  /** Signs a user out everywhere (password change, account disabled). */
  deleteForUser(userId: string): Promise<void>
  deleteExpired(nowIso: string): Promise<number>
}

export interface ApiTokenRepository {
  create(input: ApiTokenInput): Promise<ApiToken>
  /** The token whose secret hashes to `tokenHash`, revoked or expired ones included. */
  getByHash(tokenHash: string): Promise<ApiToken | undefined>
  get(id: string): Promise<ApiToken | undefined>
  listForUser(userId: string): Promise<ApiToken[]>
  /** Marks the token revoked at `atIso`; revoking twice keeps the first instant. */
  revoke(id: string, atIso: string): Promise<ApiToken>
  /** Records a use; cheap, and may be skipped when the last use is recent. */
  touch(id: string, atIso: string): Promise<void>
}

export interface SignInLinkRepository {
  create(input: { tokenHash: string; userId: string; expiresAt: string }): Promise<void>
  /**
   * Uses the link once: returns its user when it exists, is unused and has not expired at
   * `nowIso`, and marks it used in the same step, so two concurrent uses cannot both succeed.
   */
  consume(tokenHash: string, nowIso: string): Promise<string | undefined>
}

/** Per-user table options of one evaluation (filters, sort, hidden columns, row height). */
export interface TableOptionsRepository {
  get(userId: string, evaluationId: string): Promise<unknown | undefined>
  set(userId: string, evaluationId: string, options: unknown): Promise<void>
}
