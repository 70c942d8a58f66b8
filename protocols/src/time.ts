import { z } from 'zod';

/**
 * SPEC 1: a wire timestamp is epoch milliseconds or an RFC 3339 string with an offset.
 * Behind the boundary every timestamp is epoch milliseconds (a number).
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

// 2000-01-01 .. 2200-01-01: anything outside is a unit mistake (seconds for milliseconds) or garbage.
const MIN_MS = 946_684_800_000;
const MAX_MS = 7_258_118_400_000;

export const Timestamp = z
  .union([
    z.number().int({ message: 'must be whole epoch milliseconds' }),
    z.string().regex(RFC3339, { message: 'must be an RFC 3339 time with an offset, e.g. 2026-03-02T09:00:00+08:00' }),
  ])
  .transform((v, ctx) => {
    const ms = typeof v === 'number' ? v : Date.parse(v);
    if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) {
      ctx.addIssue({
        code: 'custom',
        message: 'is not a plausible time (expected epoch milliseconds between 2000 and 2200, or RFC 3339)',
      });
      return z.NEVER;
    }
    return ms;
  });

/** A calendar date `YYYY-MM-DD` (local to the enterprise's time zone). */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date written YYYY-MM-DD' })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, { message: 'is not a real calendar date' });

/** A local wall-clock time `HH:MM`, 00:00 to 24:00 (24:00 only as an end). */
export const ClockTime = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { message: 'must be a time written HH:MM (00:00–24:00)' });

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = z
  .string()
  .refine(isValidTimeZone, { message: 'is not an IANA time zone (e.g. Asia/Shanghai)' });

/** Minutes after local midnight of an `HH:MM` string. */
export function clockMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** RFC 3339 in UTC with milliseconds, the form every stored and returned time takes. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
