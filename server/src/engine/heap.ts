/** A timer in the engine's queue. Cancelled timers stay in the heap and are skipped when popped. */
export type Timer = {
  due: number;
  /** Insertion order, so timers due at the same instant fire in the order they were set. */
  seq: number;
  domain: ClockDomain;
  cancelled: boolean;
  /** What it wakes when it fires. */
  target: TimerTarget;
  /** Its place in the heap's array, -1 when not in the heap (popped, parked, dropped). */
  index: number;
};

/** What a timer wakes at its due time (a tracker; the engine for a gateway's silence). */
export interface TimerTarget {
  wake(due: number): void;
}

/** Something whose clock gates its timers (SPEC 4: a subject's clock stands still while its gateway is offline). */
export interface ClockDomain {
  clock(): number;
  /** Whether the clock runs with the platform clock now (not frozen by an offline gateway). */
  followsPlatform(): boolean;
  /**
   * Timers popped while this domain's clock was behind them; pushed back when the clock moves.
   * Made when the first is parked (there is a clock per workshop, and few ever park a timer).
   */
  parked: Timer[] | undefined;
}

/**
 * Binary min-heap on (due, seq). Cancelled timers are dropped when they reach the top, and all at once
 * whenever they could make up half the heap: a timer rescheduled with every reading (a gateway's
 * silence, a person's dwell limit hours ahead) would otherwise keep its cancelled copies for as long
 * as they were set ahead, and the heap would grow with the input rate. (due, seq) orders timers
 * totally, so rebuilding the heap changes no firing order.
 */
export class TimerHeap {
  private items: Timer[] = [];
  private compactAt = 1024;

  get size(): number {
    return this.items.length;
  }

  push(t: Timer): void {
    if (this.items.length >= this.compactAt) this.compact();
    const a = this.items;
    t.index = a.length;
    a.push(t);
    siftUp(a, t.index);
  }

  /**
   * Moves a live timer in the heap to its new (due, seq): the same order as cancelling it and pushing
   * a new one with these keys, as (due, seq) orders timers totally, without a new object.
   */
  move(t: Timer, due: number, seq: number): void {
    t.due = due;
    t.seq = seq;
    siftUp(this.items, t.index);
    siftDown(this.items, t.index);
  }

  peek(): Timer | undefined {
    return this.items[0];
  }

  pop(): Timer | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      last.index = 0;
      siftDown(a, 0);
    }
    if (top) top.index = -1;
    return top;
  }

  private compact(): void {
    const a: Timer[] = [];
    for (const t of this.items) {
      if (t.cancelled) t.index = -1;
      else {
        t.index = a.length;
        a.push(t);
      }
    }
    for (let i = (a.length >> 1) - 1; i >= 0; i--) siftDown(a, i);
    this.items = a;
    this.compactAt = Math.max(1024, 2 * a.length);
  }

  /** Drops cancelled timers from the top so `peek` shows a live one. */
  prune(): void {
    while (this.items.length > 0 && this.items[0]!.cancelled) this.pop();
  }
}

function siftUp(a: Timer[], i: number): void {
  const t = a[i]!;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const up = a[p]!;
    if (!less(t, up)) break;
    a[i] = up;
    up.index = i;
    i = p;
  }
  a[i] = t;
  t.index = i;
}

function siftDown(a: Timer[], i: number): void {
  const t = a[i]!;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = l;
    if (l >= a.length) break;
    if (r < a.length && less(a[r]!, a[l]!)) m = r;
    const c = a[m]!;
    if (!less(c, t)) break;
    a[i] = c;
    c.index = i;
    i = m;
  }
  a[i] = t;
  t.index = i;
}

function less(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
