import { AssayError, normalizeInstant } from '@assay/core'
import { z } from 'zod'

/*
 * The date ranges of the *Import production data* dialog. A preset is relative to "now", so the
 * route resolves it once (with the server's clock) and uses the same [from, to) for the preview
 * and for Proceed.
 */

export const DATE_RANGE_PRESETS = [
  'last_24_hours',
  'last_7_days',
  'last_30_days',
  'last_90_days',
  'custom',
] as const
export const DateRangePresetSchema = z.enum(DATE_RANGE_PRESETS)
export type DateRangePreset = z.infer<typeof DateRangePresetSchema>

/** SPEC §2: the dialog opens on the last 30 days. */
export const DEFAULT_DATE_RANGE_PRESET: DateRangePreset = 'last_30_days'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
const PRESET_SPANS: Record<Exclude<DateRangePreset, 'custom'>, number> = {
  last_24_hours: 24 * HOUR_MS,
  last_7_days: 7 * DAY_MS,
  last_30_days: 30 * DAY_MS,
  last_90_days: 90 * DAY_MS,
}

/** What the dialog sends: a preset (default last 30 days), or `custom` with from and to. */
export type DateRangeSelection = {
  preset?: DateRangePreset | undefined
  from?: string | undefined
  to?: string | undefined
}

/** A resolved range, [from, to), as `YYYY-MM-DDTHH:MM:SS.mmmZ` instants. */
export type DateRange = { preset: DateRangePreset; from: string; to: string }

/**
 * The [from, to) of a selection at `nowMs`: a preset ends at now (exclusive) and starts its
 * length before; `custom` takes the given instants (any ISO-8601 offset), from before to.
 * `invalid_input` names the field that is wrong.
 */
export function resolveDateRange(selection: DateRangeSelection, nowMs: number): DateRange {
  const preset = selection.preset ?? DEFAULT_DATE_RANGE_PRESET
  if (!DateRangePresetSchema.safeParse(preset).success) {
    throw new AssayError(
      'invalid_input',
      `unknown date range preset "${String(preset)}"; use one of ${DATE_RANGE_PRESETS.join(', ')}`,
      { position: { field: 'preset' } },
    )
  }
  if (preset === 'custom') {
    if (selection.from === undefined || selection.to === undefined) {
      throw new AssayError('invalid_input', 'a custom date range needs from and to', {
        position: { field: selection.from === undefined ? 'from' : 'to' },
      })
    }
    const from = normalizeInstant(selection.from, 'from')
    const to = normalizeInstant(selection.to, 'to')
    if (from >= to) {
      throw new AssayError('invalid_input', 'the date range must end after it starts', {
        position: { field: 'to' },
      })
    }
    return { preset, from, to }
  }
  if (selection.from !== undefined || selection.to !== undefined) {
    throw new AssayError('invalid_input', `from and to are only given with the custom preset`, {
      position: { field: selection.from !== undefined ? 'from' : 'to' },
    })
  }
  return {
    preset,
    from: new Date(nowMs - PRESET_SPANS[preset]).toISOString(),
    to: new Date(nowMs).toISOString(),
  }
}
