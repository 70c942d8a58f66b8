import type { Clock, TimerHandle } from '../../src/index.ts';

/** A clock the test moves by hand: timers fire, in time order, only when `advance` passes them. */
export class ManualClock implements Clock {
  private t: number;
  private timers: { at: number; fn: () => void; every: number | null; id: number }[] = [];
  private nextId = 0;

  constructor(start: number) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  timeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, null);
  }

  every(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, ms);
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.every !== null) due.at += due.every;
      else this.timers = this.timers.filter((x) => x !== due);
      due.fn();
    }
    this.t = end;
  }

  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const timer = { at: this.t + Math.max(0, ms), fn, every, id: this.nextId++ };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((x) => x !== timer)) };
  }
}
