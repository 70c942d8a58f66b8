import type { CalendarException, OperatingWindow } from '@hazwatch/protocols';
import { clockMinutes } from '@hazwatch/protocols';
import { ZoneCalendar } from './tz.ts';

const DAY_INDEX: Record<string, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };

/**
 * Operating windows and filed exceptions of one workshop, compiled to minute marks (SPEC 4: windows
 * include `from` and exclude `to`; a window whose `to` is not after its `from` runs past midnight,
 * its `days` naming the day it starts; an exception without times covers its whole day).
 */
export class WorkshopCalendar {
  /** `days`: bit `1 << d` set for each day index d (0 = Monday) the window starts on. */
  private readonly windows: { days: number; from: number; to: number }[];
  private readonly exceptions: { date: string; from?: number; to?: number }[];
  /** Every minute mark at which coverage may change, sorted. */
  private readonly marks: number[];

  constructor(
    readonly cal: ZoneCalendar,
    windows: OperatingWindow[] | undefined,
    exceptions: CalendarException[],
    readonly closed: Set<string>,
  ) {
    this.windows = (windows ?? []).map((w) => ({
      days: w.days.reduce((bits, d) => bits | (1 << DAY_INDEX[d]!), 0),
      from: clockMinutes(w.from),
      to: clockMinutes(w.to),
    }));
    this.exceptions = exceptions.map((x) =>
      x.from !== undefined && x.to !== undefined ? { date: x.date, from: clockMinutes(x.from), to: clockMinutes(x.to) } : { date: x.date },
    );
    const marks = new Set<number>();
    for (const w of this.windows) marks.add(w.from).add(w.to);
    for (const x of this.exceptions) if (x.from !== undefined) marks.add(x.from).add(x.to!);
    this.marks = [...marks].filter((m) => m > 0 && m < 1440).sort((a, b) => a - b);
  }

  get hasHours(): boolean {
    return this.windows.length > 0;
  }

  inWindow(t: number): boolean {
    const day = this.cal.day(t);
    const m = this.cal.minutes(t);
    const prev = (day.weekday + 6) % 7;
    for (const w of this.windows) {
      if (w.to > w.from) {
        if ((w.days & (1 << day.weekday)) !== 0 && m >= w.from && m < w.to) return true;
      } else if (((w.days & (1 << day.weekday)) !== 0 && m >= w.from) || ((w.days & (1 << prev)) !== 0 && m < w.to)) return true;
    }
    return false;
  }

  inException(t: number): boolean {
    if (this.exceptions.length === 0) return false;
    const day = this.cal.day(t);
    const m = this.cal.minutes(t);
    for (const x of this.exceptions) {
      if (x.from === undefined) {
        if (x.date === day.date) return true;
      } else if (x.to! > x.from) {
        if (x.date === day.date && m >= x.from && m < x.to!) return true;
      } else if ((x.date === day.date && m >= x.from) || (ZoneCalendar.shiftDate(x.date, 1) === day.date && m < x.to!)) return true;
    }
    return false;
  }

  isClosed(t: number): boolean {
    return this.closed.size > 0 && this.closed.has(this.cal.day(t).date);
  }

  /** The next instant after `t` at which coverage or the date may change. */
  nextMark(t: number): number {
    const m = this.cal.minutes(t);
    for (const mark of this.marks) if (mark > m) return this.cal.atMinutes(t, mark);
    return this.cal.day(t).end;
  }
}
