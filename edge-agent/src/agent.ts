// One gateway's agent: takes readings from an input adapter, validates them, and publishes what changed
// at once and the whole current state every heartbeat (SPEC 4: only telemetry counts as being heard
// from, so a quiet gateway must still speak before the platform's offlineAfterSeconds).
// Several inputs may measure one workshop (the door its headcount, a scale its explosive): the agent
// keeps each subject's state merged from all of them, so every reading it publishes and every heartbeat
// carries the whole known state of the workshop, not just the part that changed last.
import type { Logger } from 'pino';
import { LIMITS, Reading, formatProblems, problemsOf } from '@hazwatch/protocols';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import type { InputAdapter } from './inputs/adapter.ts';
import type { Publisher } from './publisher.ts';

export type AgentOptions = {
  inputs: InputAdapter[];
  publisher: Publisher;
  heartbeatSeconds: number;
  logger: Logger;
  clock?: Clock;
  /** Told every changed subject state (merged over inputs), e.g. for local alarms. */
  onState?: (reading: Reading) => void;
  /** Started before the inputs, stopped after the publisher (HTTP server, local alarm outputs). */
  services?: { start(): Promise<void>; stop(): Promise<void> }[];
};

function subjectOf(r: Reading): string {
  return 'workshopId' in r ? `workshop:${r.workshopId}` : `line:${r.lineId}`;
}

/** The reading without its time: two readings with the same state are no change. */
function stateOf(r: Reading): string {
  const { ts: _ts, ...state } = r;
  return JSON.stringify(state);
}

/**
 * The subject's state after `next`: a workshop value the reading does not carry keeps its last value
 * (another input measures it). Time never goes back for a subject: the platform would store an older
 * reading without applying it (SPEC 4), losing the change it carries.
 */
function merge(prev: Reading | undefined, next: Reading): Reading {
  if (!prev || !('workshopId' in next) || !('workshopId' in prev)) return prev ? { ...next, ts: Math.max(prev.ts, next.ts) } : next;
  const merged: Reading = { workshopId: next.workshopId, ts: Math.max(prev.ts, next.ts) };
  const headcount = next.headcount !== undefined ? next.headcount : prev.headcount;
  const materialKg = next.materialKg !== undefined ? next.materialKg : prev.materialKg;
  if (headcount !== undefined) merged.headcount = headcount;
  if (materialKg !== undefined) merged.materialKg = materialKg;
  return merged;
}

export class Agent {
  private readonly opts: AgentOptions;
  private readonly clock: Clock;
  private readonly latest = new Map<string, { reading: Reading; state: string }>();
  private pending: Reading[] = [];
  private flushTimer: NodeJS.Immediate | null = null;
  private heartbeat: TimerHandle | null = null;
  private rejectedCount = 0;
  private running = false;

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  /** Readings the agent refused as invalid since start. */
  get rejected(): number {
    return this.rejectedCount;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const s of this.opts.services ?? []) await s.start();
    this.opts.publisher.start();
    for (const input of this.opts.inputs) await input.start((readings) => this.accept(input, readings));
    this.heartbeat = this.clock.every(() => this.beat(), this.opts.heartbeatSeconds * 1000);
  }

  /** The merged current state of every subject heard of. */
  get state(): Reading[] {
    return [...this.latest.values()].map((v) => v.reading);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.heartbeat?.cancel();
    this.heartbeat = null;
    for (const input of this.opts.inputs) await input.stop();
    this.flush();
    await this.opts.publisher.stop();
    for (const s of [...(this.opts.services ?? [])].reverse()) await s.stop();
  }

  /** The adapter boundary: each reading is checked on its own, so one bad value costs only itself. */
  private accept(input: InputAdapter, raw: readonly unknown[]): void {
    if (!this.running) return;
    for (const item of raw) {
      const r = Reading.safeParse(item);
      if (!r.success) {
        this.rejectedCount++;
        // The 1st, 10th, 100th … refusal: a broken sensor polled every second must not fill the disk.
        const n = this.rejectedCount;
        const log = Number.isInteger(Math.log10(n)) ? this.opts.logger.warn.bind(this.opts.logger) : this.opts.logger.debug.bind(this.opts.logger);
        log({ input: input.name, rejected: n }, `reading refused:\n${formatProblems(problemsOf(r.error))}`);
        continue;
      }
      const key = subjectOf(r.data);
      const prev = this.latest.get(key);
      const reading = merge(prev?.reading, r.data);
      const state = stateOf(reading);
      if (prev?.state === state) continue;
      this.latest.set(key, { reading, state });
      this.pending.push(reading);
      try {
        this.opts.onState?.(reading);
      } catch (err) {
        this.opts.logger.error({ err }, 'state listener failed');
      }
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
    const ts = this.clock.now();
    // The beat's time becomes each subject's time: a later reading never goes behind it (see merge).
    for (const v of this.latest.values()) v.reading = { ...v.reading, ts: Math.max(v.reading.ts, ts) };
    this.send([...this.latest.values()].map(({ reading }) => reading));
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
