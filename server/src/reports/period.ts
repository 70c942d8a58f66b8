import { ZoneCalendar } from '../engine/tz.ts';

/** A reporting period: a calendar month `2026-03`, quarter `2026-Q1` or year `2026`, in local time. */
export type Period = {
  kind: 'month' | 'quarter' | 'year';
  label: string;
  /** First local date of the period, and the first one after it (`YYYY-MM-DD`). */
  first: string;
  next: string;
};

const pad = (n: number) => String(n).padStart(2, '0');
const date = (y: number, m: number) => (m > 12 ? `${y + 1}-01-01` : `${y}-${pad(m)}-01`);

export function parsePeriod(label: string): Period | undefined {
  let m = /^(\d{4})-(\d{2})$/.exec(label);
  if (m) {
    const [y, mo] = [Number(m[1]), Number(m[2])];
    if (mo < 1 || mo > 12) return undefined;
    return { kind: 'month', label, first: date(y, mo), next: date(y, mo + 1) };
  }
  m = /^(\d{4})-Q([1-4])$/.exec(label);
  if (m) {
    const [y, q] = [Number(m[1]), Number(m[2])];
    return { kind: 'quarter', label, first: date(y, q * 3 - 2), next: date(y, q * 3 + 1) };
  }
  m = /^(\d{4})$/.exec(label);
  if (m) return { kind: 'year', label, first: date(Number(m[1]), 1), next: date(Number(m[1]) + 1, 1) };
  return undefined;
}

export const PERIOD_FORMAT = 'a month 2026-03, a quarter 2026-Q1 or a year 2026';

/** The period as epoch ms in a time zone: from local midnight of its first day to local midnight after its last (SPEC 1: periods are local). */
export function periodBounds(p: Period, timeZone: string): { start: number; end: number } {
  const cal = new ZoneCalendar(timeZone);
  const at = (d: string) => {
    const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
    return cal.toEpoch(y, m, dd);
  };
  return { start: at(p.first), end: at(p.next) };
}
