/**
 * Local calendar arithmetic in an IANA time zone (SPEC 1: days, operating hours and production
 * periods are evaluated in the enterprise's zone). Intl is slow, so the current local day is cached:
 * on a day without an offset change, local minutes are plain arithmetic from the day's start.
 */
export type LocalDay = {
  /** `YYYY-MM-DD` */
  date: string;
  year: number;
  /** 0 = Monday … 6 = Sunday */
  weekday: number;
  /** Epoch ms of local 00:00 of this day and of the next. */
  start: number;
  end: number;
};

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const DAY_MS = 86_400_000;

/**
 * One formatter per zone, shared by every calendar of it: each Intl.DateTimeFormat holds ~27 kB of
 * ICU objects outside the JS heap, and a province has one calendar per enterprise (hundreds, nearly
 * all in Asia/Shanghai). Formatting has no state between calls, so sharing changes nothing else.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export class ZoneCalendar {
  private readonly fmt: Intl.DateTimeFormat;
  private cached: LocalDay | undefined;

  constructor(readonly timeZone: string) {
    this.fmt = formatterOf(timeZone);
  }

  private parts(ms: number) {
    const o: Record<string, string> = {};
    for (const p of this.fmt.formatToParts(ms)) o[p.type] = p.value;
    return {
      y: Number(o.year),
      mo: Number(o.month),
      d: Number(o.day),
      h: Number(o.hour),
      mi: Number(o.minute),
      s: Number(o.second),
      wd: WEEKDAYS[o.weekday!] ?? 0,
    };
  }

  /** Offset of local wall time from UTC at `ms`, in ms. */
  private offset(ms: number): number {
    const p = this.parts(ms);
    const wall = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
    return wall - Math.floor(ms / 1000) * 1000;
  }

  /**
   * Epoch ms of a local wall time. Where the wall time occurs twice (clocks set back), the first;
   * where it does not occur (clocks set forward over it, e.g. a skipped midnight), the instant the
   * clocks jumped, so that a day always starts at its first instant.
   */
  toEpoch(y: number, mo: number, d: number, minutes = 0): number {
    const wall = Date.UTC(y, mo - 1, d) + minutes * 60_000;
    // Offsets change at most a few times a year: the ones a day either side cover any transition here.
    const candidates = [wall - this.offset(wall - DAY_MS), wall - this.offset(wall), wall - this.offset(wall + DAY_MS)];
    const valid = candidates.filter((c) => this.offset(c) === wall - c);
    if (valid.length > 0) return Math.min(...valid);
    // A gap: with the offset before the jump the wall time lands just after it; step back to the jump.
    let after = Math.max(...candidates);
    let before = Math.min(...candidates);
    while (after - before > 1000) {
      const mid = before + Math.floor((after - before) / 2000) * 1000;
      if (this.offset(mid) === this.offset(after)) after = mid;
      else before = mid;
    }
    return after;
  }

  day(ms: number): LocalDay {
    const c = this.cached;
    if (c && ms >= c.start && ms < c.end) return c;
    const p = this.parts(ms);
    const start = this.toEpoch(p.y, p.mo, p.d);
    const next = new Date(Date.UTC(p.y, p.mo - 1, p.d) + DAY_MS);
    const end = this.toEpoch(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
    const day: LocalDay = {
      date: `${p.y}-${String(p.mo).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`,
      year: p.y,
      weekday: p.wd,
      start,
      end,
    };
    this.cached = day;
    return day;
  }

  /** Local minutes after midnight at `ms` (fractional). */
  minutes(ms: number): number {
    const d = this.day(ms);
    if (d.end - d.start === DAY_MS) return (ms - d.start) / 60_000;
    const p = this.parts(ms);
    return p.h * 60 + p.mi + p.s / 60;
  }

  /** Epoch ms of `minutes` after local midnight of the day containing `ms`. */
  atMinutes(ms: number, minutes: number): number {
    const d = this.day(ms);
    if (d.end - d.start === DAY_MS) return d.start + minutes * 60_000;
    const [y, mo, dd] = d.date.split('-').map(Number) as [number, number, number];
    return this.toEpoch(y, mo, dd, minutes);
  }

  /** Local midnight that starts 1 January after the year containing `ms`. */
  nextYearStart(ms: number): number {
    return this.toEpoch(this.day(ms).year + 1, 1, 1);
  }

  /** The local date one day before/after `date` (`YYYY-MM-DD`). */
  static shiftDate(date: string, days: number): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  }
}
