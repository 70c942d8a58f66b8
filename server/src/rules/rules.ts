import { iso, type AlarmRecord, type LineLive, type SiteConfig, type WorkshopLive } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import { RuleEngine, type EngineInput, type EngineOutput, type RuleEngineOptions } from '../engine/index.ts';
import type { EventBus } from '../bus.ts';
import type { AlarmStore } from '../storage/alarm-store.ts';
import { rateLimitedWarn } from '../util/rate-limited-log.ts';

export type RulesDeps = {
  site: SiteConfig;
  revision: number;
  alarms: AlarmStore;
  bus: EventBus;
  log: Logger;
  newId: () => string;
  now?: () => number;
  /** Longest wait between two engine clock advances, even with no timer pending (ms). */
  maxIdleMs?: number;
};

/**
 * Owns the live RuleEngine: feeds it inputs at platform time, drives its timers with one setTimeout
 * on `nextDue()`, persists every alarm transition, then announces transitions and changed scopes on
 * the bus. Persisting comes first so nothing is shown that is not stored. Outputs are handled
 * strictly in engine order through one promise chain.
 */
export class RulesService {
  readonly site: SiteConfig;
  readonly revision: number;
  errors = 0;
  private readonly engine: RuleEngine;
  private readonly now: () => number;
  private readonly maxIdleMs: number;
  private readonly warn: ReturnType<typeof rateLimitedWarn>;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: RulesDeps) {
    this.site = deps.site;
    this.revision = deps.revision;
    this.now = deps.now ?? Date.now;
    this.maxIdleMs = deps.maxIdleMs ?? 10_000;
    this.warn = rateLimitedWarn(deps.log);
    const opts: RuleEngineOptions = { site: deps.site, revision: deps.revision, startedAt: this.now(), newId: deps.newId };
    this.engine = new RuleEngine(opts);
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /** Applies one accepted input; resolves when its alarm transitions are persisted and announced. */
  apply(input: EngineInput): Promise<void> {
    return this.run(() => this.engine.apply(input), input.kind);
  }

  workshops(): WorkshopLive[] {
    return this.guard(() => this.engine.workshops(), []);
  }

  lines(): LineLive[] {
    return this.guard(() => this.engine.lines(), []);
  }

  activeAlarms(): AlarmRecord[] {
    return this.guard(() => this.engine.activeAlarms(), []);
  }

  /** Stops the timer and waits for pending outputs to be persisted. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.chain;
  }

  private run(call: () => EngineOutput, what: string): Promise<void> {
    let out: EngineOutput | undefined;
    try {
      out = call();
    } catch (err) {
      this.errors++;
      this.warn(`engine-${what}`, { err }, `rule engine failed on ${what}`);
    }
    this.arm();
    if (!out) return this.chain;
    const output = out;
    this.chain = this.chain.then(() => this.publish(output));
    return this.chain;
  }

  private async publish(out: EngineOutput): Promise<void> {
    const events = out.transitions.map((t) => ({ kind: t.kind, at: iso(t.at), alarm: t.alarm }));
    try {
      await this.deps.alarms.append(events);
    } catch (err) {
      // Still announce: an operator must see an alarm even when the store is failing.
      this.deps.log.error({ err, count: events.length }, 'alarm store append failed');
    }
    for (const e of events) this.deps.bus.emit('alarm', e);
    for (const w of out.workshops) this.deps.bus.emit('workshop', w);
    for (const l of out.lines) this.deps.bus.emit('line', l);
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const due = this.guard(() => this.engine.nextDue(), undefined);
    // +1 ms: a timer may fire a hair early, and the engine fires what is due *up to and including* now.
    const delay = due === undefined ? this.maxIdleMs : Math.min(Math.max(due - this.now() + 1, 0), this.maxIdleMs);
    this.timer = setTimeout(() => void this.run(() => this.engine.advance(this.now()), 'advance'), delay);
  }

  private guard<T>(f: () => T, fallback: T): T {
    try {
      return f();
    } catch (err) {
      this.errors++;
      this.warn('engine-read', { err }, 'rule engine read failed');
      return fallback;
    }
  }
}
