/**
 * Runs a pass (the notifier's, the escalation's) one at a time on platform time: a wake-up during a
 * pass runs another pass right after it; otherwise the next pass is at the instant the last one
 * asked for, never later than `maxIdleMs`. One timer at a time, the earliest asked for.
 */
export class PassLoop {
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private running = false;
  private again = false;
  private stopped = true;

  constructor(
    private readonly opts: {
      now: () => number;
      maxIdleMs: number;
      /** One pass; returns the delay (ms) until it wants to run again, or Infinity for "when woken". */
      pass: () => Promise<number>;
    },
  ) {}

  get active(): boolean {
    return this.running;
  }

  start(): void {
    this.stopped = false;
    this.arm(0);
  }

  /** Something changed: run a pass within `delay` ms. */
  wake(delay = 0): void {
    this.arm(delay);
  }

  /** No new passes; resolves once the running one (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.running) await new Promise((r) => setImmediate(r));
  }

  private arm(delay: number): void {
    if (this.stopped) return;
    const at = this.opts.now() + delay;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.run();
    }, delay);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    let delay = this.opts.maxIdleMs;
    try {
      delay = Math.min(Math.max(await this.opts.pass(), 0), this.opts.maxIdleMs);
    } finally {
      this.running = false;
    }
    if (this.again) {
      this.again = false;
      this.arm(0);
      return;
    }
    this.arm(delay);
  }
}
