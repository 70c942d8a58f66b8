import { z } from 'zod';

/**
 * SPEC 1: a wire timestamp is epoch milliseconds or an RFC 3339 string with an offset.
 * Behind the boundary every timestamp is epoch milliseconds (a number).
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

// 2000-01-01 .. 2200-01-01: anything outside is a unit mistake (seconds for milliseconds) or garbage.
const MIN_MS = 946_684_800_000;
const MAX_MS = 7_258_118_400_000;
// The same range in epoch seconds: the usual mistake of a gateway written in another language.
const MIN_S = MIN_MS / 1000;
const MAX_S = MAX_MS / 1000;

const EXAMPLE_RFC3339 = '2026-03-02T09:00:00+08:00';

const EpochMs = z
  .number()
  .int({ message: 'must be whole epoch milliseconds' })
  .min(MIN_MS, {
    error: (iss) =>
      typeof iss.input === 'number' && iss.input >= MIN_S && iss.input <= MAX_S
        ? `looks like epoch seconds (${iss.input}); timestamps are epoch milliseconds (${iss.input * 1000})`
        : 'is not a plausible time: epoch milliseconds must fall between 2000 and 2200',
  })
  .max(MAX_MS, { message: 'is not a plausible time: epoch milliseconds must fall between 2000 and 2200' });

/** Milliseconds of an RFC 3339 string, or NaN when it is not a real instant (2026-02-30, 24:00:00, +25:00). */
export function parseRfc3339(s: string): number {
  const m = RFC3339.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, sec, , oh = '00', om = '00'] = m.map((x) => x ?? '');
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59 || Number(oh) > 23 || Number(om) > 59) return Number.NaN;
  return Date.parse(s.replace(' ', 'T').toUpperCase());
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const Rfc3339String = z
  .string()
  .regex(RFC3339, { message: `must be an RFC 3339 time with an offset, e.g. ${EXAMPLE_RFC3339}` })
  .refine((s) => !RFC3339.test(s) || !Number.isNaN(parseRfc3339(s)), { message: 'is not a real date and time' })
  .refine(
    (s) => {
      const ms = parseRfc3339(s);
      return Number.isNaN(ms) || (ms >= MIN_MS && ms <= MAX_MS);
    },
    { message: 'is not a plausible time: it must fall between 2000 and 2200' },
  );

export const Timestamp = z
  .union([EpochMs, Rfc3339String], {
    // A number is meant as epoch milliseconds and a string as RFC 3339: say what is wrong with that
    // one, not that it matches neither alternative.
    error: (iss) => {
      const branch = typeof iss.input === 'number' ? 0 : typeof iss.input === 'string' ? 1 : -1;
      const own = iss.code === 'invalid_union' ? iss.errors[branch]?.[0]?.message : undefined;
      return own ?? `must be a time: epoch milliseconds (a number) or an RFC 3339 string with an offset, e.g. ${EXAMPLE_RFC3339}`;
    },
  })
  .transform((v) => (typeof v === 'number' ? v : parseRfc3339(v)));

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

// An IANA name (Area/Location, or a legacy name like UTC); excludes bare offsets like "+08:00", which
// newer engines accept but which have no daylight-saving rules and are not IANA names.
const TZ_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

export const TimeZone = z.string().superRefine((tz, ctx) => {
  if (!TZ_NAME.test(tz) || !isValidTimeZone(tz)) {
    ctx.addIssue({ code: 'custom', message: `"${tz}" is not an IANA time zone (e.g. Asia/Shanghai)` });
    return;
  }
  // Engines match case-insensitively, other consumers (gateways, databases) may not.
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  if (canonical !== tz && canonical.toLowerCase() === tz.toLowerCase()) {
    ctx.addIssue({ code: 'custom', message: `must be written exactly as the IANA name "${canonical}"` });
  }
});

/** Minutes after local midnight of an `HH:MM` string. */
export function clockMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** RFC 3339 in UTC with milliseconds, the form every stored and returned time takes. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
