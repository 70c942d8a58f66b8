import { alarmKey, iso, type AlarmEvent, type AlarmRecord, type LineLive, type SiteConfig, type WorkshopLive } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import { RuleEngine, type Adoption, type EngineCapture, type EngineInput, type EngineParts, type EngineOutput, type EngineSnapshot, type RuleEngineOptions } from '../engine/index.ts';
import type { EventBus } from '../bus.ts';
import type { AlarmStore, EngineStateDelta, EngineStateSlices, SavedEngineState } from '../storage/alarm-store.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';
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

/** Items (trackers, facts) a periodic save copies and serializes per event-loop turn: a few milliseconds' work. */
const CAPTURE_SLICE_ITEMS = 1000;
/** A drained slice with nothing in it (no item copied since the last). */
const NO_PARTS = JSON.stringify({ gateways: {}, workshops: {}, lines: {}, years: {}, trackers: {} } satisfies EngineParts);

/**
 * Copies what `cap` still has to copy, `sliceItems` items per event-loop turn, each slice serialized
 * and added to `slices` as soon as it is copied (items the engine is about to change are copied first,
 * into the next slice). Resolves with the characters written, once every item is; `cap.result()` is
 * then the head to save with `slices`.
 */
export async function writeInSlices(cap: EngineCapture, slices: EngineStateSlices, sliceItems = CAPTURE_SLICE_ITEMS): Promise<number> {
  let chars = 0;
  const write = () => {
    const json = JSON.stringify(cap.drain());
    if (json === NO_PARTS) return;
    chars += json.length;
    slices.add(json);
  };
  while (!cap.step(sliceItems)) {
    write();
    await nextTurn();
  }
  write();
  return chars;
}

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
  // Incremental saves (see `capture`): deltas written since the last full snapshot, to bound them.
  private deltaBytes = 0;
  private deltaRows = 0;
  private fullBytes = 0;
  /** A save failed: what it held is no longer tracked as changed, so only a full snapshot is exact. */
  private fullNext = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private baseWritten = false;
  /**
   * The alarms the engine held as restored, before anything that fell due meanwhile ran: what the
   * ledger's active alarms must match before this service persists anything (orphaned-alarms.ts).
   */
  readonly restoredAlarms: readonly AlarmRecord[] = [];
  private pendingResume: EngineOutput[] = [];
  /** `start` has run (outputs go out at once from then on). */
  private begun = false;
  /** Alarms were adopted before `start`: it saves the whole state. */
  private saveAtStart = false;
  /** The constructor applied the revision in force over the saved one: saved at once by `start`. */
  private revisedAtStart = false;

  /**
   * What the service needs for its life. Not the saved state it was restored from, nor the site it
   * began with: held here they would outlive their use (at 10,000 workshops a parsed state is 12 MB
   * and more, a site ~3 MB; `siteNow` replaces the site at the next revision).
   */
  private readonly deps: Omit<RulesDeps, 'saved' | 'site'>;
  /** Restored from a saved state (no base to write at start). */
  private readonly restored: boolean;

  constructor(deps: RulesDeps) {
    const { saved: _saved, site: _site, ...kept } = deps;
    this.deps = kept;
    this.restored = deps.saved !== undefined;
    this.siteNow = deps.site;
    this.revisionNow = deps.revision;
    this.now = deps.now ?? Date.now;
    this.maxIdleMs = deps.maxIdleMs ?? 10_000;
    // A periodic save writes what changed since the last one (a delta; at a province's 1 Hz nearly every
    // workshop): often enough that a crash loses little (alarm transitions are saved with their
    // trackers anyway), rarely enough that copying it in slices stays a small share of the CPU.
    this.saveEveryMs = deps.saveEveryMs ?? 30_000;
    this.warn = rateLimitedWarn(deps.log);
    const at = this.now();
    const opts: RuleEngineOptions = { site: deps.site, revision: deps.revision, startedAt: at, newId: deps.newId };
    if (deps.saved) {
      // Restore under the revision that was running, then move to the current one, so alarms whose
      // rule disappeared meanwhile clear with a reason instead of lingering.
      const { saved } = deps;
      this.engine = RuleEngine.restore({ ...opts, site: saved.site, revision: saved.revision }, saved.snapshot);
      this.restoredAlarms = this.engine.activeAlarms();
      this.pendingResume.push(this.engine.resume(at));
      if (saved.revision !== deps.revision) {
        this.pendingResume.push(this.engine.reconfigure(deps.site, deps.revision, at));
        this.revisedAtStart = true;
      }
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

  /**
   * The engine takes over `orphans`, alarms the ledger has active that it does not hold
   * (RuleEngine.adopt, rules/orphaned-alarms.ts), at its clock. Before `start`, their output (alarms
   * whose rule is gone, cleared) is persisted in engine order after what fell due while the platform
   * was down, and the whole state is saved then; after it, at once.
   */
  adopt(orphans: readonly AlarmRecord[]): { adopted: string[]; cleared: string[]; refused: { id: string; why: string }[] } {
    if (orphans.length === 0) return { adopted: [], cleared: [], refused: [] };
    let result: Adoption;
    try {
      result = this.engine.adopt(orphans, this.engine.clock());
    } catch (err) {
      this.errors++;
      this.warn('engine-adopt', { err }, 'rule engine failed on adopt');
      return { adopted: [], cleared: [], refused: orphans.map((a) => ({ id: a.id, why: 'the rule engine failed' })) };
    }
    if (this.begun) {
      void this.enqueue(result.output, true);
      this.arm();
    } else {
      this.pendingResume.push(result.output);
      this.saveAtStart = true;
    }
    const ids = new Set(orphans.map((a) => a.id));
    const cleared = result.output.transitions.filter((t) => t.kind === 'cleared' && ids.has(t.alarm.id)).map((t) => t.alarm.id);
    return { adopted: result.adopted, cleared, refused: result.refused };
  }

  start(): void {
    this.begun = true;
    this.stopped = false;
    // A fresh engine has no saved base yet, and the deltas every transition writes are laid over a
    // base when loading: without one, a crash before the first periodic save would restart with no
    // memory of the alarms it raised (they would stay active in the ledger forever, and be raised
    // again). So the base is taken first, before any input, and written (in slices, as a periodic
    // save) before anything that follows it.
    let based = false;
    if (!this.restored && !this.baseWritten) {
      this.baseWritten = based = true;
      this.saveInSlices(true);
    }
    for (const out of this.pendingResume.splice(0)) this.enqueue(out);
    if (this.saveAtStart || this.revisedAtStart) {
      // Adopted alarms, and the revision applied over the saved one, are saved at once, not left to the
      // next periodic save (a base just written has them): until then the saved state is the old
      // revision's, and a crash restarts from it (and applies the revision again).
      if (!based) this.saveInSlices(this.saveAtStart);
      this.saveAtStart = this.revisedAtStart = false;
    }
    this.arm();
  }

  /** Applies a new configuration revision at run time without losing state. */
  reconfigure(site: SiteConfig, revision: number): Promise<void> {
    return this.run(() => {
      // Its output carries the views of every workshop and line the revision rebuilt (names, limits).
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

  /**
   * Applies inputs that arrived together (an ingest group), in order, each exactly as `apply` would;
   * their outputs are persisted as one (one alarm-store transaction for all their transitions) and
   * announced in order. A live view changed by several of them is announced once, as it is after the
   * last: dashboards show state, and the group is one moment to them.
   */
  applyMany(inputs: readonly EngineInput[]): Promise<void> {
    if (inputs.length === 1) return this.apply(inputs[0]!);
    const merged: EngineOutput = { transitions: [], workshops: [], lines: [] };
    const workshops = new Map<string, WorkshopLive>();
    const lines = new Map<string, LineLive>();
    let any = false;
    for (const input of inputs) {
      let out: EngineOutput;
      try {
        out = this.engine.apply(input);
      } catch (err) {
        this.errors++;
        this.warn(`engine-${input.kind}`, { err }, `rule engine failed on ${input.kind}`);
        continue;
      }
      any = true;
      for (const t of out.transitions) merged.transitions.push(t);
      // Re-inserted so that each view keeps the place of its last change.
      for (const w of out.workshops) {
        const key = `${w.enterpriseId}/${w.workshopId}`;
        workshops.delete(key);
        workshops.set(key, w);
      }
      for (const l of out.lines) {
        const key = `${l.enterpriseId}/${l.lineId}`;
        lines.delete(key);
        lines.set(key, l);
      }
    }
    this.arm();
    if (!any) return this.chain;
    merged.workshops = [...workshops.values()];
    merged.lines = [...lines.values()];
    return this.enqueue(merged);
  }

  /**
   * The platform's connection to an external broker was lost (`up` false) or is back: gateway silence
   * meanwhile is the platform's, not the gateways' (RuleEngine.platformLink).
   */
  platformLink(up: boolean): Promise<void> {
    return this.run(() => this.engine.platformLink(up, this.now()), up ? 'link-up' : 'link-down');
  }

  /**
   * Only the live views of the enterprises `watched` says yes to (those a dashboard watches) are
   * made and announced from now on; every enterprise's again with `undefined` (RuleEngine.viewsFor).
   */
  viewsFor(watched: ((enterpriseId: string) => boolean) | undefined): void {
    this.engine.viewsFor(watched);
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
    // Else a later start() would find it set and never save periodically again.
    this.saveTimer = undefined;
    const state = this.capture(true);
    if (state) void this.link(() => this.saveFull(state), 'saving the rule engine state failed');
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
    // A new revision (or an adoption) saves at once everything not saved yet, under the revision now in
    // force: the whole state after a full rebuild, else what changed (RuleEngine.capture decides); a
    // transition saves the trackers it changed (the rest follows with the next periodic save), in the
    // same transaction as its events.
    const state = forceSave ? this.capture(false) : out.transitions.length > 0 ? this.captureTrackers(out) : undefined;
    if (!forceSave) {
      this.unsaved = true;
      this.saveSoon(this.saveEveryMs);
    }
    return this.link(() => this.publish(out, state), 'persisting or announcing rule engine outputs failed');
  }

  /** Writes a full state; if that fails, the next periodic save is full again (deltas need a base). */
  private async saveFull(state: SavedEngineState | EngineStateDelta): Promise<void> {
    try {
      await this.deps.alarms.saveEngineState(state);
    } catch (err) {
      this.fullNext = true;
      throw err;
    }
  }

  /**
   * Runs `step` after everything queued before it. The caller's promise rejects if the step fails
   * (an ingest group is then not acknowledged, and comes again); the chain itself carries on, so one
   * failure never refuses every later output.
   */
  private link(step: () => Promise<void>, failure: string): Promise<void> {
    const done = this.chain.then(step);
    this.chain = done.catch((err: unknown) => {
      this.errors++;
      this.deps.log.error({ err }, failure);
    });
    return done;
  }

  private captureTrackers(out: EngineOutput) {
    try {
      const keys = new Set(out.transitions.map((t) => alarmKey(t.alarm)));
      this.deltaRows++;
      return { revision: this.revisionNow, savedAt: iso(this.now()), trackers: this.engine.trackerStates(keys) };
    } catch (err) {
      this.errors++;
      this.warn('engine-snapshot', { err }, 'rule engine snapshot failed');
      return undefined;
    }
  }

  /**
   * The engine state to save: everything (`full`: at a new revision, at stop), else what changed since
   * the last capture, laid over what was saved before. Deltas are bounded: once those written since
   * the last full snapshot outweigh it twice (or grow many), the next periodic save is full again.
   */
  private capture(full = true): SavedEngineState | EngineStateDelta | undefined {
    try {
      const whole = full || this.fullNext || this.deltaBytes > 2 * this.fullBytes || this.deltaRows > 10_000;
      const c = this.engine.capture(whole);
      const at = { revision: this.revisionNow, savedAt: iso(this.now()) };
      if (!('snapshot' in c)) {
        // Counted with the periodic ones toward the next whole save (its size is not measured here).
        this.deltaRows++;
        return { ...at, ...c.delta, complete: true };
      }
      this.fullNext = false;
      this.deltaBytes = 0;
      this.deltaRows = 0;
      return { ...at, snapshot: c.snapshot };
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
      this.saveInSlices(this.fullNext || this.deltaBytes > 2 * this.fullBytes || this.deltaRows > 10_000);
    }, delay);
    this.saveTimer.unref?.();
  }

  /**
   * Saves the engine state (whole, or what changed since the last save) as it stands now, in engine
   * order, but copied a slice at a time while inputs go on (the engine copies first whatever is about
   * to change), each slice serialized and written ahead as it is copied, and the whole made the saved
   * state when the outputs queued before it are written: no event-loop turn holds more than a slice of
   * a province's state, and neither does memory. If it fails, the next save is whole.
   */
  private saveInSlices(full: boolean): void {
    let cap: EngineCapture;
    try {
      cap = this.engine.beginCapture(full);
    } catch (err) {
      this.errors++;
      this.fullNext = true;
      this.warn('engine-snapshot', { err }, 'rule engine snapshot failed');
      return;
    }
    const at = { revision: this.revisionNow, savedAt: iso(this.now()) };
    const ready = (async () => {
      const slices = this.deps.alarms.stageEngineState();
      try {
        const chars = await writeInSlices(cap, slices);
        const c = cap.result();
        const state: SavedEngineState | EngineStateDelta = 'snapshot' in c ? { ...at, snapshot: c.snapshot, slices } : { ...at, ...c.delta, slices, complete: true };
        return { state, chars };
      } catch (err) {
        slices.discard();
        // The capture is still the engine's pending one: left as it is, every change would go on being
        // copied into it, and the next capture would finish it all at once (the whole state in memory).
        // Finished the same way as it was being made, a slice per turn, its copies dropped.
        await this.guardAsync(async () => {
          while (!cap.step(CAPTURE_SLICE_ITEMS)) {
            cap.drain();
            await nextTurn();
          }
          cap.drain();
        });
        throw err;
      }
    })().then(
      (r) => r,
      (err: unknown) => ({ err }),
    );
    void this.link(async () => {
      try {
        const r = await ready;
        if ('err' in r) throw r.err;
        await this.deps.alarms.saveEngineState(r.state);
        if ('snapshot' in r.state) {
          this.fullNext = false;
          this.fullBytes = r.chars;
          this.deltaBytes = 0;
          this.deltaRows = 0;
        } else {
          this.deltaBytes += r.chars;
          this.deltaRows++;
        }
      } catch (err) {
        this.fullNext = true;
        this.deps.log.error({ err }, 'saving the rule engine state failed');
      }
    }, 'saving the rule engine state failed');
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
      // The state it carried is no longer tracked as changed: only a full snapshot restores exactly.
      if (state) this.fullNext = true;
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

  private async guardAsync(f: () => Promise<void>): Promise<void> {
    try {
      await f();
    } catch (err) {
      this.errors++;
      this.warn('engine-read', { err }, 'rule engine read failed');
    }
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
