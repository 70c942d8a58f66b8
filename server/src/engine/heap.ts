/** A timer in the engine's queue. Cancelled timers stay in the heap and are skipped when popped. */
export type Timer = {
  due: number;
  /** Insertion order, so timers due at the same instant fire in the order they were set. */
  seq: number;
  domain: ClockDomain;
  cancelled: boolean;
  fire: (due: number) => void;
};

/** Something whose clock gates its timers (SPEC 4: a subject's clock stands still while its gateway is offline). */
export interface ClockDomain {
  clock(): number;
  /** Whether the clock runs with the platform clock now (not frozen by an offline gateway). */
  followsPlatform(): boolean;
  /** Timers popped while this domain's clock was behind them; pushed back when the clock moves. */
  parked: Timer[];
}

/** Binary min-heap on (due, seq). */
export class TimerHeap {
  private items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  push(t: Timer): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
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
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  /** Drops cancelled timers from the top so `peek` shows a live one. */
  prune(): void {
    while (this.items.length > 0 && this.items[0]!.cancelled) this.pop();
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
