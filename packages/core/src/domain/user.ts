import { z } from 'zod'
import { IdSchema, InstantSchema } from './ids.js'

export const EmailSchema = z.string().trim().toLowerCase().pipe(z.email().max(254))

/** A user as the rest of the product sees it: the password hash is never part of it. */
export const UserSchema = z.object({
  id: IdSchema,
  email: EmailSchema,
  name: z.string().trim().max(200),
  /** Instance administrators manage users and may enter every project. */
  isAdmin: z.boolean(),
  createdAt: InstantSchema,
  disabled: z.boolean(),
})
export type User = z.infer<typeof UserSchema>
