import { z } from 'zod'
import { IdSchema, InstantSchema } from './ids.js'
import { ProjectRoleSchema } from './project.js'

/**
 * An API token as the product shows it. The secret itself is shown once, when it is made; only
 * its SHA-256 is stored, with a short prefix kept so people can tell their tokens apart.
 */
export const ApiTokenSchema = z.object({
  id: IdSchema,
  userId: IdSchema,
  name: z.string().trim().min(1, 'a token needs a name').max(100),
  /** The first characters of the secret, e.g. `assay_3fA9`. */
  prefix: z.string().min(1).max(20),
  /** The projects the token may act in; empty means every project its owner belongs to. */
  projectIds: z.array(IdSchema).max(100),
  /** The most the token may do: the owner's role in a project is capped at this one. */
  role: ProjectRoleSchema,
  createdAt: InstantSchema,
  expiresAt: InstantSchema.nullable(),
  lastUsedAt: InstantSchema.nullable(),
  revokedAt: InstantSchema.nullable(),
})
export type ApiToken = z.infer<typeof ApiTokenSchema>

export const ApiTokenInputSchema = ApiTokenSchema.pick({
  userId: true,
  name: true,
  prefix: true,
  projectIds: true,
  role: true,
  expiresAt: true,
}).extend({ tokenHash: z.string().regex(/^[0-9a-f]{64}$/, 'a token hash is 64 hex digits') })
export type ApiTokenInput = z.infer<typeof ApiTokenInputSchema>

/** A signed-in browser session; the cookie carries a secret whose SHA-256 is `idHash`. */
export const SessionSchema = z.object({
  idHash: z.string().regex(/^[0-9a-f]{64}$/),
  userId: IdSchema,
  /** Sent back in the X-CSRF-Token header on every cookie-authenticated write. */
  csrfToken: z.string().min(16).max(128),
  createdAt: InstantSchema,
  expiresAt: InstantSchema,
})
export type Session = z.infer<typeof SessionSchema>
