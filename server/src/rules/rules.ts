import { alarmKey, iso, type AlarmEvent, type AlarmRecord, type LineLive, type SiteConfig, type WorkshopLive } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import { RuleEngine, type EngineInput, type EngineOutput, type EngineSnapshot, type RuleEngineOptions } from '../engine/index.ts';
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
  /** The engine state saved before a restart, and the site revision it ran (restart without amnesia). */
  saved?: { revision: number; site: SiteConfig; snapshot: EngineSnapshot };
  /** How often the engine state is saved while inputs flow (ms); always with alarm transitions and at stop. */
  saveEveryMs?: number;
};

/**
 * Owns the live RuleEngine: feeds it inputs at platform time, drives its timers with one setTimeout
 * on `nextDue()`, persists every alarm transition, then announces transitions and changed scopes on
 * the bus. Persisting comes first so nothing is shown that is not stored. Outputs are handled
 * strictly in engine order through one promise chain.
 */
export class RulesService {
  errors = 0;
  private siteNow: SiteConfig;
  private revisionNow: number;
  private engine: RuleEngine;
  private readonly now: () => number;
  private readonly maxIdleMs: number;
  private readonly saveEveryMs: number;
  private readonly warn: ReturnType<typeof rateLimitedWarn>;
  private timer: NodeJS.Timeout | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private unsaved = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private pendingResume: EngineOutput[] = [];

  constructor(private readonly deps: RulesDeps) {
    this.siteNow = deps.site;
    this.revisionNow = deps.revision;
    this.now = deps.now ?? Date.now;
    this.maxIdleMs = deps.maxIdleMs ?? 10_000;
    // A full snapshot of a province takes a few hundred ms: often enough that a crash loses little
    // (alarm transitions are saved with their trackers anyway), rarely enough not to stall ingest.
    this.saveEveryMs = deps.saveEveryMs ?? 30_000;
    this.warn = rateLimitedWarn(deps.log);
    const at = this.now();
    const opts: RuleEngineOptions = { site: deps.site, revision: deps.revision, startedAt: at, newId: deps.newId };
    if (deps.saved) {
      // Restore under the revision that was running, then move to the current one, so alarms whose
      // rule disappeared meanwhile clear with a reason instead of lingering.
      const { saved } = deps;
      this.engine = RuleEngine.restore({ ...opts, site: saved.site, revision: saved.revision }, saved.snapshot);
      this.pendingResume.push(this.engine.resume(at));
      if (saved.revision !== deps.revision) this.pendingResume.push(this.engine.reconfigure(deps.site, deps.revision, at));
    } else {
      this.engine = new RuleEngine(opts);
    }
  }

  get site(): SiteConfig {
    return this.siteNow;
  }

  get revision(): number {
    return this.revisionNow;
  }

  start(): void {
    this.stopped = false;
    for (const out of this.pendingResume.splice(0)) this.enqueue(out);
    this.arm();
  }

  /** Applies a new configuration revision at run time without losing state. */
  reconfigure(site: SiteConfig, revision: number): Promise<void> {
    return this.run(() => {
      const out = this.engine.reconfigure(site, revision, this.now());
      this.siteNow = site;
      this.revisionNow = revision;
      return out;
    }, 'reconfigure', true);
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

  /** Stops the timers, waits for pending outputs to be persisted, and saves the engine state. */
  async stop(): Promise<void> {
    if (this.stopped) return this.chain;
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.saveTimer);
    const state = this.capture();
    if (state) this.chain = this.chain.then(() => this.deps.alarms.saveEngineState(state)).catch((err: unknown) => this.deps.log.error({ err }, 'saving the rule engine state failed'));
    await this.chain;
  }

  private run(call: () => EngineOutput, what: string, forceSave = false): Promise<void> {
    let out: EngineOutput | undefined;
    try {
      out = call();
    } catch (err) {
      this.errors++;
      this.warn(`engine-${what}`, { err }, `rule engine failed on ${what}`);
    }
    this.arm();
    if (!out) return this.chain;
    return this.enqueue(out, forceSave);
  }

  /**
   * Persists and announces one output, in engine order. With alarm transitions, the engine state is
   * captured now (synchronously, so it matches exactly the outputs queued before it) and written in
   * the same transaction as the events; otherwise it is saved every `saveEveryMs`.
   */
  private enqueue(out: EngineOutput, forceSave = false): Promise<void> {
    // A new revision saves everything; a transition saves the trackers it changed (the rest follows
    // with the next full save), in the same transaction as its events.
    const state = forceSave ? this.capture() : out.transitions.length > 0 ? this.captureTrackers(out) : undefined;
    if (!forceSave) {
      this.unsaved = true;
      this.saveSoon(this.saveEveryMs);
    }
    this.chain = this.chain.then(() => this.publish(out, state));
    return this.chain;
  }

  private captureTrackers(out: EngineOutput) {
    try {
      const keys = new Set(out.transitions.map((t) => alarmKey(t.alarm)));
      return { revision: this.revisionNow, savedAt: iso(this.now()), trackers: this.engine.trackerStates(keys) };
    } catch (err) {
      this.errors++;
      this.warn('engine-snapshot', { err }, 'rule engine snapshot failed');
      return undefined;
    }
  }

  private capture() {
    try {
      return { revision: this.revisionNow, savedAt: iso(this.now()), snapshot: this.engine.snapshot() };
    } catch (err) {
      this.errors++;
      this.warn('engine-snapshot', { err }, 'rule engine snapshot failed');
      return undefined;
    }
  }

  private saveSoon(delay: number): void {
    if (this.saveTimer || this.stopped) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      if (!this.unsaved || this.stopped) return;
      this.unsaved = false;
      const state = this.capture();
      if (!state) return;
      this.chain = this.chain.then(async () => {
        try {
          await this.deps.alarms.saveEngineState(state);
        } catch (err) {
          this.deps.log.error({ err }, 'saving the rule engine state failed');
        }
      });
    }, delay);
    this.saveTimer.unref?.();
  }

  private async publish(out: EngineOutput, state?: Parameters<AlarmStore['append']>[1]): Promise<void> {
    const events = out.transitions.map((t) => ({ kind: t.kind, at: iso(t.at), alarm: t.alarm }));
    // Announced as stored (the ledger keeps handling the engine does not know of, e.g. an acknowledgement).
    let announced: readonly AlarmEvent[] = events;
    try {
      const stored = await this.deps.alarms.append(events, state);
      if (stored.length === events.length) announced = stored.map((e) => ({ kind: e.kind, at: e.at, alarm: e.alarm, seq: e.seq, by: e.by, detail: e.detail }));
    } catch (err) {
      // Still announce: an operator must see an alarm even when the store is failing.
      this.deps.log.error({ err, count: events.length }, 'alarm store append failed');
    }
    for (const e of announced) this.deps.bus.emit('alarm', e);
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
