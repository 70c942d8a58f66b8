import { ZoneCalendar } from '../engine/tz.ts';

// Calendar arithmetic on local dates `YYYY-MM-DD`. Dates compare as strings; service lives and
// evaluation periods are counted in whole months so that "5 years from 2020-02-29" is a date.

/** `date` plus `years` (fractional years count as whole months, rounded), clamped to the month's last day. */
export function addYears(date: string, years: number): string {
  return addMonths(date, Math.round(years * 12));
}

export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Whole days from `a` to `b` (negative when `b` is earlier). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Years from `a` to `b`, for display (365.25-day years, two decimals). */
export function yearsBetween(a: string, b: string): number {
  return Math.round((daysBetween(a, b) / 365.25) * 100) / 100;
}

/** The local date at an instant in an IANA zone. */
export function localDate(instant: number, timeZone: string): string {
  return new ZoneCalendar(timeZone).day(instant).date;
}
