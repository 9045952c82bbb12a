import { z } from 'zod'

/** Ids are opaque strings made by the IdSource port; prefixes make logs readable. */
export const IdSchema = z.string().min(1).max(64)
export type Id = z.infer<typeof IdSchema>

/** Instants are ISO-8601 strings in UTC, made by the Clock port. */
export const InstantSchema = z.iso.datetime({ offset: true })
export type Instant = z.infer<typeof InstantSchema>
