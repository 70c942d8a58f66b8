// One gateway's agent: takes readings from an input adapter, validates them, and publishes what changed
// at once and the whole current state every heartbeat (SPEC 4: only telemetry counts as being heard
// from, so a quiet gateway must still speak before the platform's offlineAfterSeconds).
import type { Logger } from 'pino';
import { LIMITS, Reading, formatProblems, problemsOf } from '@hazwatch/protocols';
import type { InputAdapter } from './inputs/adapter.ts';
import type { Publisher } from './publisher.ts';

export type AgentOptions = {
  input: InputAdapter;
  publisher: Publisher;
  heartbeatSeconds: number;
  logger: Logger;
  now?: () => number;
};

function subjectOf(r: Reading): string {
  return 'workshopId' in r ? `workshop:${r.workshopId}` : `line:${r.lineId}`;
}

/** The reading without its time: two readings with the same state are no change. */
function stateOf(r: Reading): string {
  const { ts: _ts, ...state } = r;
  return JSON.stringify(state);
}

export class Agent {
  private readonly opts: AgentOptions;
  private readonly now: () => number;
  private readonly latest = new Map<string, { reading: Reading; state: string }>();
  private pending: Reading[] = [];
  private flushTimer: NodeJS.Immediate | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private rejectedCount = 0;
  private running = false;

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** Readings the agent refused as invalid since start. */
  get rejected(): number {
    return this.rejectedCount;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.opts.publisher.start();
    await this.opts.input.start((readings) => this.accept(readings));
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatSeconds * 1000);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.opts.input.stop();
    this.flush();
    await this.opts.publisher.stop();
  }

  /** The adapter boundary: each reading is checked on its own, so one bad value costs only itself. */
  private accept(raw: readonly unknown[]): void {
    if (!this.running) return;
    for (const item of raw) {
      const r = Reading.safeParse(item);
      if (!r.success) {
        this.rejectedCount++;
        // The 1st, 10th, 100th … refusal: a broken sensor polled every second must not fill the disk.
        const n = this.rejectedCount;
        const log = Number.isInteger(Math.log10(n)) ? this.opts.logger.warn.bind(this.opts.logger) : this.opts.logger.debug.bind(this.opts.logger);
        log({ input: this.opts.input.name, rejected: n }, `reading refused:\n${formatProblems(problemsOf(r.error))}`);
        continue;
      }
      const key = subjectOf(r.data);
      const state = stateOf(r.data);
      if (this.latest.get(key)?.state === state) continue;
      this.latest.set(key, { reading: r.data, state });
      this.pending.push(r.data);
    }
    // Readings reported together (one adapter poll) go out in one batch.
    if (this.pending.length > 0 && !this.flushTimer) this.flushTimer = setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.length === 0) return;
    const readings = this.pending;
    this.pending = [];
    this.send(readings);
  }

  /** The whole current state, stamped now: it still holds, and saying so keeps the gateway online. */
  private beat(): void {
    this.flush();
    const ts = this.now();
    this.send([...this.latest.values()].map(({ reading }) => ({ ...reading, ts })));
  }

  /** At least one batch, even empty: a heartbeat with nothing to report is still news. */
  private send(readings: Reading[]): void {
    const size = LIMITS.readingsPerBatch;
    let i = 0;
    do {
      this.opts.publisher.publish(readings.slice(i, i + size));
      i += size;
    } while (i < readings.length);
  }
}
