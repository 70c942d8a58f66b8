// When a workshop may hold people and explosive (SPEC 4: operating hours, closed days, filed
// exceptions), evaluated in the enterprise's time zone. The simulator keeps its workshops empty outside
// these, so a demo raises only the violations it scripts.
import { clockMinutes, type CalendarException, type DayOfWeek, type Enterprise, type Workshop } from '@hazwatch/protocols';

const DAYS: readonly DayOfWeek[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEKDAY: Record<string, DayOfWeek> = { Sun: 'sun', Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat' };

export type LocalTime = { date: string; day: DayOfWeek; minutes: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local calendar date, weekday and minute of the day of an instant. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) parts[p.type] = p.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    day: WEEKDAY[parts.weekday ?? ''] ?? 'mon',
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

function previousDay(day: DayOfWeek): DayOfWeek {
  return DAYS[(DAYS.indexOf(day) + 6) % 7] as DayOfWeek;
}

/** Inside one of the workshop's operating windows; `from` included, `to` excluded, overnight windows wrap. */
function inOperatingHours(w: Workshop, t: LocalTime): boolean {
  if (!w.operatingHours) return true;
  return w.operatingHours.some((win) => {
    const from = clockMinutes(win.from);
    const to = clockMinutes(win.to);
    if (to > from) return win.days.includes(t.day) && t.minutes >= from && t.minutes < to;
    // Runs past midnight: the evening part belongs to its own day, the morning part to the day before.
    return (win.days.includes(t.day) && t.minutes >= from) || (win.days.includes(previousDay(t.day)) && t.minutes < to);
  });
}

function coveredByException(x: CalendarException, workshopId: string, t: LocalTime): boolean {
  if (x.date !== t.date) return false;
  if (x.workshops && !x.workshops.includes(workshopId)) return false;
  if (x.from === undefined || x.to === undefined) return true;
  return t.minutes >= clockMinutes(x.from) && t.minutes < clockMinutes(x.to);
}

/** True when persons and explosive may be inside the workshop at this instant. */
export function mayOperate(e: Enterprise, w: Workshop, ms: number): boolean {
  const t = localTime(ms, e.timezone);
  if (e.calendar?.exceptions.some((x) => coveredByException(x, w.id, t))) return true;
  if (e.calendar?.closed.includes(t.date)) return false;
  return inOperatingHours(w, t);
}
