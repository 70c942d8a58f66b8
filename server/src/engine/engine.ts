import { randomUUID } from 'node:crypto';
import type {
  AlarmReason,
  AlarmRecord,
  AlarmSubject,
  GatewayStatus,
  LineLive,
  LineReading,
  SiteConfig,
  TelemetryBatch,
  WorkshopLive,
  WorkshopReading,
} from '@hazwatch/protocols';
import { alarmKey, isWorkshopReading } from '@hazwatch/protocols';
import { TimerHeap, type ClockDomain, type Timer, type TimerTarget } from './heap.ts';
import { PlatformDomain, type GatewayState } from './domains.ts';
import { FACT_BYLINE, FACT_HEADCOUNT, FACT_PERSONS, horizonMs, type ActiveAlarm, type PersistedTracker, type Tracker, type TransitionSink } from './tracker.ts';
import { countProduction, own, updateWorkshopFacts, type EnterpriseFacts, type LineFacts, type WorkshopFacts } from './facts.ts';
import { buildEnterprise, type BuildContext } from './build.ts';
import { changedEnterprises, takeOverConfig } from './revision.ts';
import { TrackerRegistry, trackerByKey } from './registry.ts';
import { gatewayEntry, key2, lineEntry, workshopEntry, writeFacts, yearEntry, type EngineDelta, type EngineSnapshot } from './snapshot.ts';
import type { ProductYear } from './facts.ts';
import { lineLive, toRecord, workshopLive } from './live.ts';
import * as rules from './rules.ts';
import type { AlarmTransition, EngineInput, EngineOutput } from './types.ts';

export type RuleEngineOptions = {
  site: SiteConfig;
  /** The configuration revision in force; each alarm records it. */
  revision: number;
  /** The platform's start (epoch ms): gateways never heard from go offline `offlineAfterSeconds` after it. */
  startedAt: number;
  /** Alarm id generator; replay injects a counter so its output is deterministic. */
  newId?: () => string;
  /** Keep every record produced (replay, scenarios). The live service keeps only active ones. */
  keepHistory?: boolean;
};

/**
 * The rule engine of SPEC 4. Pure: time comes only from inputs and `advance`, nothing is read from
 * the wall clock or written anywhere. The live service, `hazwatch replay` and the scenario runner all
 * drive this one class.
 */
export class RuleEngine {
  private now: number;
  private readonly startedAt: number;
  private revision: number;
  private site: SiteConfig;
  private readonly heap = new TimerHeap();
  private timerSeq = 0;
  private readonly parkedDomains = new Set<ClockDomain>();
  private maxTs = -Infinity;
  private readonly platform: PlatformDomain;
  private enterprises = new Map<string, EnterpriseFacts>();
  private trackers = registryOf(this.enterprises);
  private silenceTimers = new Map<GatewayState, Timer>();
  /** The platform's own MQTT link is down (platformLink): nobody's silence is counted meanwhile. */
  private linkDown = false;
  private readonly newId: () => string;
  private readonly history: ActiveAlarm[] | undefined;
  /** The transitions of the call in progress (`run`). */
  private out: AlarmTransition[] | undefined;
  private readonly dirtyWorkshops = new Round<WorkshopFacts>();
  private readonly dirtyLines = new Round<LineFacts>();
  /** Trackers whose facts changed at one instant of a batch (reused: one batch at a time). */
  private readonly touched = new TrackerRound();
  private readonly sink: TransitionSink;
  // What changed since the state was last saved (see `capture`). `unsavedAll`: since a rebuild, only
  // a full snapshot brings a saved state up to date.
  private unsavedAll = true;
  private readonly unsavedTrackers = new Set<Tracker>();
  /** Keys disposed of since the last capture and not listed again (`relisted`). */
  private readonly removedTrackers = new Set<string>();
  private readonly unsavedGateways = new Set<GatewayState>();
  private readonly unsavedWorkshops = new Set<WorkshopFacts>();
  private readonly unsavedLines = new Set<LineFacts>();
  private readonly unsavedYears = new Map<string, ProductYear>();
  private pending: PendingCapture | undefined;
  /**
   * Trackers holding an adopted alarm (`adopt`) whose condition they have not read since
   * (Tracker.awaitingFacts). The first applied reading of their subject steps them whatever it
   * changed: facts a fresh engine never heard of read as their defaults, and a first reading that
   * leaves them as they were (none inside) would otherwise not end the alarm.
   */
  private readonly awaiting = new Set<Tracker>();
  /** Whose live views outputs carry (`viewsFor`); everyone's when unset. */
  private viewsWanted: ((enterpriseId: string) => boolean) | undefined = undefined;

  constructor(opts: RuleEngineOptions) {
    this.now = opts.startedAt;
    this.startedAt = opts.startedAt;
    this.revision = opts.revision;
    this.site = opts.site;
    this.newId = opts.newId ?? (() => randomUUID());
    this.history = opts.keepHistory ? [] : undefined;
    this.platform = new PlatformDomain(() => this.now);
    this.sink = {
      now: () => this.now,
      revision: () => this.revision,
      newId: () => this.newId(),
      emit: (kind, at, alarm) => this.emit(kind, at, alarm),
      schedule: (due, domain, target) => this.schedule(due, domain, target),
      reschedule: (timer, due) => this.reschedule(timer, due),
      changed: (tr) => {
        if (!this.unsavedAll) this.unsavedTrackers.add(tr);
      },
      changing: (tr) => this.pending?.copyTracker(tr),
    };
    this.build(opts.site, undefined);
  }

  // ---------------------------------------------------------------- public API

  /** Moves the platform clock to `now`, firing every timer due up to and including it, each at its due time. */
  advance(now: number): EngineOutput {
    return this.run(() => this.advanceTo(now));
  }

  /** Advances to `input.at`, then applies the input (SPEC 4: timers due at one instant fire before inputs). */
  apply(input: EngineInput): EngineOutput {
    return this.run(() => {
      this.advanceTo(input.at);
      const ent = this.enterprises.get(input.enterpriseId);
      const gw = ent?.gateways.get(input.gatewayId);
      if (!ent || !gw) return;
      if (input.kind === 'status') this.applyStatus(ent, gw, input.status);
      else this.applyTelemetry(ent, gw, input.batch);
      this.runTimers(Infinity);
    });
  }

  /**
   * Applies a new configuration revision at `now` without losing state (SPEC 3, issue: config changes
   * at run time). Only the enterprises the revision adds, removes or changes are rebuilt (their facts
   * carried over, their trackers handed over); the others go on as they were, untouched (the whole
   * site when something outside the enterprises changed: revision.ts). The output carries the live
   * views of every workshop and line rebuilt: views carry names and limits, and a dashboard must not
   * wait for a silent gateway's next reading to show them.
   */
  reconfigure(site: SiteConfig, revision: number, now: number): EngineOutput {
    return this.run(() => {
      this.advanceTo(now);
      this.revision = revision;
      const changed = changedEnterprises(this.site, site);
      if (changed === undefined) this.rebuildAll(site);
      else if (changed.size > 0) this.rebuildSome(site, changed);
      // Facts the revision left as they were now belong to its configuration objects (equal ones).
      for (const cfg of site.enterprises) {
        const ent = this.enterprises.get(cfg.id);
        if (ent && ent.cfg !== cfg) takeOverConfig(ent, cfg);
      }
      this.site = site;
      this.runTimers(Infinity);
    });
  }

  private rebuildAll(site: SiteConfig): void {
    const snap = this.snapshot();
    const old = this.trackers;
    for (const t of old.values()) t.cancel();
    for (const t of this.silenceTimers.values()) t.cancelled = true;
    this.site = site;
    this.build(site, snap, new Map([...old].map(([k, t]) => [k, t.handover()])));
    this.clearRulesGone(old.values());
    for (const t of this.trackers.values()) this.stepRebuilt(t);
    this.viewsRebuilt(this.enterprises.values(), () => true);
  }

  /**
   * Rebuilds the enterprises `ids` names (changed, added or removed) as `build` builds every one, and
   * leaves the others as they are: their facts, trackers, timers and unsaved changes. What a save
   * needs follows (the rebuilt facts and trackers unsaved, the keys gone removed), so that a delta
   * still brings a saved state up to date; a fact gone from the configuration cannot be said in a
   * delta, so then only a whole snapshot can (`unsavedAll`).
   */
  private rebuildSome(site: SiteConfig, ids: ReadonlySet<string>): void {
    // A capture in progress copies what it still needs before anything is rebuilt.
    this.pending?.finish();
    const olds: EnterpriseFacts[] = [];
    for (const id of ids) {
      const ent = this.enterprises.get(id);
      if (ent) olds.push(ent);
    }
    // The facts they knew, as a snapshot carries them (theirs only: nothing else is rebuilt).
    const snap: EngineSnapshot = { version: 1, now: this.now, startedAt: this.startedAt, gateways: {}, workshops: {}, lines: {}, years: {}, trackers: {} };
    writeFacts(snap, olds);
    const oldTrackers: Tracker[] = [];
    for (const t of this.trackers.values()) if (ids.has(t.spec.enterpriseId)) oldTrackers.push(t);
    const carried = new Map<string, Carried>();
    for (const t of oldTrackers) {
      carried.set(t.spec.key, t.handover());
      t.cancel();
      this.trackers.remove(t);
      this.unsavedTrackers.delete(t);
      this.awaiting.delete(t);
      // Gone unless the rebuild lists its key again (track: relisted).
      if (!this.unsavedAll) this.removedTrackers.add(t.spec.key);
    }
    for (const ent of olds) {
      for (const gw of ent.gateways.values()) {
        const timer = this.silenceTimers.get(gw);
        if (timer) timer.cancelled = true;
        this.silenceTimers.delete(gw);
        this.unsavedGateways.delete(gw);
      }
      for (const ws of ent.workshops.values()) this.unsavedWorkshops.delete(ws);
      for (const line of ent.lines.values()) this.unsavedLines.delete(line);
      for (const product of ent.years.keys()) this.unsavedYears.delete(key2(ent.cfg.id, product));
    }
    // Parked timers were theirs only if not all cancelled now (a domain waits for its own).
    for (const d of [...this.parkedDomains]) {
      if (d.parked?.some((t) => !t.cancelled)) continue;
      d.parked = undefined;
      this.parkedDomains.delete(d);
    }
    this.site = site;
    const ctx = this.buildContext();
    const built = new Map<string, EnterpriseFacts>();
    for (const cfg of site.enterprises) if (ids.has(cfg.id)) built.set(cfg.id, buildEnterprise(ctx, cfg, site, snap));
    // In the site's order (the same Map: the registry finds trackers through it).
    const order = site.enterprises.map((cfg) => [cfg.id, built.get(cfg.id) ?? this.enterprises.get(cfg.id)!] as const);
    this.enterprises.clear();
    for (const [id, ent] of order) this.enterprises.set(id, ent);
    for (const ent of built.values()) for (const gw of ent.gateways.values()) this.armSilence(gw);
    this.maxTs = this.newestTs();
    // Dynamic trackers (per person, per unlicensed product) whose alarm is still active come back too.
    for (const [k, c] of carried) {
      const active = 'state' in c ? c.state.active : c.active;
      if (active && !this.trackers.has(k)) this.dynamicTracker(active);
    }
    // Every tracker of theirs listed now is new (the old ones were taken out above).
    const added: Tracker[] = [];
    for (const t of this.trackers.values()) if (ids.has(t.spec.enterpriseId)) added.push(t);
    for (const t of added) {
      const c = carried.get(t.spec.key);
      if (c) t.adopt(c);
    }
    for (const t of added) {
      t.start(t.spec.domain.clock());
      if (t.active && t.awaitingFacts()) this.awaiting.add(t);
    }
    this.clearRulesGone(oldTrackers);
    // The trackers left behind are out of every save (their keys are removed or listed again).
    for (const t of oldTrackers) this.unsavedTrackers.delete(t);
    for (const t of added) this.stepRebuilt(t);
    if (!this.unsavedAll) {
      let gone = false;
      for (const ent of olds) {
        const now = built.get(ent.cfg.id);
        gone ||= !now || [...ent.gateways.keys()].some((k) => !now.gateways.has(k)) || [...ent.workshops.keys()].some((k) => !now.workshops.has(k)) ||
          [...ent.lines.keys()].some((k) => !now.lines.has(k)) || [...ent.years.keys()].some((k) => !now.years.has(k));
      }
      if (gone) this.unsavedAll = true;
      else {
        for (const ent of built.values()) {
          for (const gw of ent.gateways.values()) this.unsavedGateways.add(gw);
          for (const ws of ent.workshops.values()) this.unsavedWorkshops.add(ws);
          for (const line of ent.lines.values()) this.unsavedLines.add(line);
          for (const [product, py] of ent.years) this.unsavedYears.set(key2(ent.cfg.id, product), py);
        }
      }
    }
    this.viewsRebuilt(built.values(), (id) => ids.has(id));
  }

  /**
   * A tracker rebuilt by a revision reads its rule at its subject's clock (a new limit may raise or
   * clear). Not as after new facts: its checkpoint stays where it was, so that a backlog from a gateway
   * offline meanwhile still applies at each reading's `ts` (SPEC 4), not all at the frozen clock. One
   * holding an adopted alarm waits for its facts (awaitingFacts), as it would without the revision: a
   * revision is not a reading of its subject.
   */
  private stepRebuilt(t: Tracker): void {
    if (t.active && t.awaitingFacts()) return;
    t.step(t.spec.domain.clock());
  }

  /** An alarm whose rule no longer exists (its key has no tracker now) clears now, saying why. */
  private clearRulesGone(old: Iterable<Tracker>): void {
    for (const t of old) {
      if (!t.active || this.trackers.has(t.spec.key)) continue;
      t.clear(this.now, this.subjectExists(t.spec.enterpriseId, t.spec.subject) ? 'limit-removed' : 'subject-removed');
    }
  }

  /**
   * The views of the enterprises rebuilt (`enterprises`) go out with the output, and none of the
   * facts they replaced (`replaced` says whose; made dirty earlier in the call, by the clock walking
   * to the revision): a view is made of facts the engine still has, and those of an enterprise gone
   * have none.
   */
  private viewsRebuilt(enterprises: Iterable<EnterpriseFacts>, replaced: (enterpriseId: string) => boolean): void {
    for (const round of [this.dirtyWorkshops, this.dirtyLines] as Round<{ enterpriseId: string; roundMark: number }>[]) {
      const kept = round.items.filter((x) => !replaced(x.enterpriseId));
      round.clear();
      for (const x of kept) round.add(x);
    }
    for (const ent of enterprises) {
      for (const ws of ent.workshops.values()) this.dirtyWorkshops.add(ws);
      for (const line of ent.lines.values()) this.dirtyLines.add(line);
    }
  }

  /** The newest reading time the facts know (timers may run up to it: runTimers). */
  private newestTs(): number {
    let max = -Infinity;
    for (const ent of this.enterprises.values()) {
      for (const ws of ent.workshops.values()) max = Math.max(max, ws.newestTs);
      for (const l of ent.lines.values()) for (const ts of l.newestTs.values()) max = Math.max(max, ts);
    }
    return max;
  }

  /**
   * Takes over `alarms`, active in the ledger but held by no tracker (the engine's state was lost
   * before it was saved, or the saved state could not be restored: rules/orphaned-alarms.ts), at
   * `at`. Each is held, as it stands in the ledger (id, since, raisedAt, level, limit), by the tracker
   * its rule key names (one made for it where its rule makes them per person or product), and from
   * then on goes as one the engine raised itself: it clears when its condition has ended for
   * `clearAfterSeconds`, and is not raised again meanwhile. One whose rule the configuration no
   * longer has clears at once, as an alarm whose rule a new revision dropped does (`reconfigure`).
   * Refused, and left as it is: one whose tracker already holds another alarm (one alarm at a time
   * per rule, SPEC 4), or that is not active.
   */
  adopt(alarms: readonly AlarmRecord[], at: number): Adoption {
    const adopted: string[] = [];
    const refused: { id: string; why: string }[] = [];
    const output = this.run(() => {
      this.advanceTo(at);
      for (const rec of alarms) {
        if (rec.clearedAt !== null) {
          refused.push({ id: rec.id, why: 'not active' });
          continue;
        }
        const key = alarmKey(rec);
        if (!this.trackers.has(key)) this.dynamicTracker(rec);
        const t = this.trackers.get(key);
        const a = fromRecord(rec);
        if (!t) {
          // Its rule is gone from the revision in force (reconfigure: the same reasons).
          a.clearedAt = Math.max(this.now, a.raisedAt);
          a.clearReason = this.subjectExists(rec.enterpriseId, rec.subject) ? 'limit-removed' : 'subject-removed';
          this.emit('cleared', a.clearedAt, a);
          continue;
        }
        if (t.active) {
          refused.push({ id: rec.id, why: `the engine holds alarm ${t.active.id} of the same rule` });
          continue;
        }
        a.subject = t.spec.subject;
        t.hold(a, t.spec.domain.clock());
        this.awaiting.add(t);
        adopted.push(rec.id);
      }
      this.runTimers(Infinity);
    });
    return { output, adopted, refused };
  }

  /**
   * Resumes after the platform was down (restored from a snapshot): the clock jumps to `at` and every
   * timer that fell due meanwhile fires at its due time, detected now (`late`). The downtime was the
   * platform's silence, not the gateways': like a fresh start, each gets `offlineAfterSeconds` from now.
   */
  resume(at: number): EngineOutput {
    return this.run(() => {
      if (at <= this.now) return;
      for (const ent of this.enterprises.values()) {
        for (const gw of ent.gateways.values()) {
          if (!gw.online) continue;
          this.changingGateway(gw);
          gw.lastHeard = Math.max(gw.lastHeard, at);
          this.armSilence(gw);
        }
      }
      this.now = at;
      this.runTimers(Infinity);
    });
  }

  /**
   * The platform's own link to its gateways (the MQTT broker) went down (`up` false) or came back at
   * `at`. The broker is part of the platform, so its downtime is not blamed on the gateways: while the
   * link is down no gateway goes offline by silence, and once it is back every gateway still online
   * gets `offlineAfterSeconds` from then, as after a restart (resume). Unlike resume, the clock walks
   * to `at` timer by timer: the platform itself kept running.
   */
  platformLink(up: boolean, at: number): EngineOutput {
    return this.run(() => {
      this.advanceTo(at);
      this.linkDown = !up;
      for (const ent of this.enterprises.values()) {
        for (const gw of ent.gateways.values()) {
          if (up && gw.online) {
            this.changingGateway(gw);
            gw.lastHeard = Math.max(gw.lastHeard, this.now);
          }
          this.armSilence(gw);
        }
      }
    });
  }

  /** Earliest pending timer (epoch ms), for the live scheduler; undefined when none. */
  nextDue(): number | undefined {
    this.heap.prune();
    return this.heap.peek()?.due;
  }

  /**
   * From now on, outputs carry the live views of the enterprises `wanted` says yes to (asked as
   * the views of a call go from one enterprise to another), not the others'; every enterprise's
   * again with `undefined`. For the live service: a view of an enterprise no dashboard watches is
   * never sent, and making one per reading was a good share of the engine's work (a dashboard that
   * starts watching is sent the current views then: `workshops`, `lines`). What views show is
   * unchanged, and so is everything else an output carries.
   */
  viewsFor(wanted: ((enterpriseId: string) => boolean) | undefined): void {
    this.viewsWanted = wanted;
  }

  /** The platform clock as the engine knows it. */
  clock(): number {
    return this.now;
  }

  /** Every record produced (with `keepHistory`), else the active ones; in raise order. */
  alarms(): AlarmRecord[] {
    return this.history ? this.history.map(toRecord) : this.activeAlarms();
  }

  activeAlarms(): AlarmRecord[] {
    const out: ActiveAlarm[] = [];
    for (const t of this.trackers.values()) if (t.active) out.push(t.active);
    return out.sort((a, b) => a.raisedAt - b.raisedAt).map(toRecord);
  }

  workshops(): WorkshopLive[] {
    const out: WorkshopLive[] = [];
    for (const ent of this.enterprises.values()) for (const ws of ent.workshops.values()) out.push(workshopLive(ent, ws));
    return out;
  }

  lines(): LineLive[] {
    const out: LineLive[] = [];
    for (const ent of this.enterprises.values()) for (const l of ent.lines.values()) out.push(lineLive(ent, l, this.now));
    return out;
  }

  /** The whole state, sharing nothing with the engine (every entry is built as a copy). */
  snapshot(): EngineSnapshot {
    const snap: EngineSnapshot = { version: 1, now: this.now, startedAt: this.startedAt, gateways: {}, workshops: {}, lines: {}, years: {}, trackers: {} };
    writeFacts(snap, this.enterprises.values());
    for (const [k, t] of this.trackers) {
      snap.trackers[k] = t.persisted();
    }
    return snap;
  }

  /** The persisted state of the trackers with these alarm keys; `null` for one that no longer exists. */
  trackerStates(keys: Iterable<string>): Record<string, PersistedTracker | null> {
    const out: Record<string, PersistedTracker | null> = {};
    for (const k of keys) out[k] = this.trackers.get(k)?.persisted() ?? null;
    return out;
  }

  /**
   * The state to save, and from now on saved: the whole (`full`, or when nothing smaller can do:
   * after a rebuild) or only what changed since the last capture, to lay over what was saved before.
   * Laying every delta in capture order over the last full snapshot gives `snapshot()` as it stood
   * at the last capture (what a delta leaves out did not change).
   */
  capture(full: boolean): CaptureResult {
    const c = this.beginCapture(full);
    c.finish();
    return c.result();
  }

  /**
   * `capture`, taken as the state stands now but copied a slice at a time (`step`), so that a
   * province's state does not hold up the event loop: meanwhile inputs go on, and whatever is about
   * to change is copied first. One capture at a time: beginning one (or rebuilding) finishes the last.
   */
  beginCapture(full: boolean): EngineCapture {
    this.pending?.finish();
    const whole = full || this.unsavedAll;
    const trackers = whole ? [...this.trackers.values()] : [...this.unsavedTrackers].filter((t) => !t.disposed);
    const gateways: GatewayState[] = [];
    const workshops: WorkshopFacts[] = [];
    const lines: LineFacts[] = [];
    const years: [string, ProductYear][] = [];
    if (whole) {
      for (const ent of this.enterprises.values()) {
        gateways.push(...ent.gateways.values());
        workshops.push(...ent.workshops.values());
        lines.push(...ent.lines.values());
        for (const [product, y] of ent.years) years.push([key2(ent.cfg.id, product), y]);
      }
    } else {
      gateways.push(...this.unsavedGateways);
      workshops.push(...this.unsavedWorkshops);
      lines.push(...this.unsavedLines);
      years.push(...this.unsavedYears);
    }
    const head = whole ? { snapshot: { version: 1 as const, now: this.now, startedAt: this.startedAt } } : { delta: { now: this.now } };
    const p = new PendingCapture(head, trackers, gateways, workshops, lines, years, () => {
      if (this.pending === p) this.pending = undefined;
    });
    // A key disposed of (and not made again) since the last capture is gone.
    if (!whole) for (const k of this.removedTrackers) p.removed(k);
    this.pending = p;
    this.markSaved();
    if (p.step(0)) this.pending = undefined;
    return p;
  }

  private markSaved(): void {
    for (const t of this.unsavedTrackers) t.unsaved = false;
    this.unsavedTrackers.clear();
    this.removedTrackers.clear();
    this.unsavedGateways.clear();
    this.unsavedWorkshops.clear();
    this.unsavedLines.clear();
    this.unsavedYears.clear();
    if (this.unsavedAll) for (const t of this.trackers.values()) t.unsaved = false;
    this.unsavedAll = false;
  }

  // Called before the engine changes a fact a save may be waiting to copy (see beginCapture).
  private changingGateway(gw: GatewayState): void {
    if (gw.capturing) this.pending?.copyGateway(gw);
    this.unsavedGateways.add(gw);
  }

  private changingWorkshop(ws: WorkshopFacts): void {
    if (ws.capturing) this.pending?.copyWorkshop(ws);
    this.unsavedWorkshops.add(ws);
  }

  private changingLine(line: LineFacts): void {
    if (line.capturing) this.pending?.copyLine(line);
    this.unsavedLines.add(line);
  }

  private changingYear(key: string, py: ProductYear): void {
    if (py.capturing) this.pending?.copyYear(key, py);
    this.unsavedYears.set(key, py);
  }

  /** Rebuilds an engine from a snapshot: nothing active is raised again, nothing pending is forgotten. */
  static restore(opts: RuleEngineOptions, snap: EngineSnapshot): RuleEngine {
    const e = new RuleEngine({ ...opts, startedAt: snap.startedAt });
    e.now = snap.now;
    for (const t of e.trackers.values()) t.cancel();
    for (const t of e.silenceTimers.values()) t.cancelled = true;
    const copy = structuredClone(snap);
    e.build(opts.site, copy, new Map(Object.entries(copy.trackers)));
    for (const t of e.trackers.values()) t.start(t.spec.domain.clock());
    return e;
  }

  // ---------------------------------------------------------------- building

  /** Compiles the site into facts and trackers, carrying over what `prev` knew (restart or new revision). */
  private build(site: SiteConfig, prev: EngineSnapshot | undefined, prevStates?: Map<string, Carried>): void {
    // A capture in progress copies what it still needs before anything is rebuilt.
    this.pending?.finish();
    this.enterprises = new Map();
    this.trackers = registryOf(this.enterprises);
    this.silenceTimers = new Map();
    this.unsavedAll = true;
    for (const set of [this.unsavedTrackers, this.removedTrackers, this.unsavedGateways, this.unsavedWorkshops, this.unsavedLines, this.unsavedYears]) set.clear();
    this.parkedDomains.clear();
    const ctx = this.buildContext();
    for (const cfg of site.enterprises) {
      const ent = buildEnterprise(ctx, cfg, site, prev);
      this.enterprises.set(cfg.id, ent);
    }
    for (const ent of this.enterprises.values()) for (const gw of ent.gateways.values()) this.armSilence(gw);
    this.maxTs = this.newestTs();
    if (prevStates) {
      // Dynamic trackers (per person, per unlicensed product) whose alarm is still active come back too.
      for (const [k, c] of prevStates) {
        const active = 'state' in c ? c.state.active : c.active;
        if (this.trackers.has(k) || !active) continue;
        this.dynamicTracker(active);
      }
      for (const [k, t] of this.trackers) {
        const c = prevStates.get(k);
        if (c) t.adopt(c);
      }
    }
    this.awaiting.clear();
    for (const t of this.trackers.values()) {
      t.start(t.spec.domain.clock());
      if (t.active && t.awaitingFacts()) this.awaiting.add(t);
    }
  }

  private buildContext(): BuildContext {
    return {
      startedAt: this.startedAt,
      platform: this.platform,
      sink: this.sink,
      track: (spec) => this.track(spec),
      dwellTracker: (ent, ws, personId) => this.dwellTracker(ent, ws, personId),
      unlicensedTracker: (ent, line, product) => this.unlicensedTracker(ent, line, product),
    };
  }

  /** The per-person or per-product tracker of an active alarm, made if its rule still makes one. */
  private dynamicTracker(active: { enterpriseId: string; reason: AlarmReason | null; subject: AlarmSubject }): void {
    const ent = this.enterprises.get(active.enterpriseId);
    const { workshopId, lineId, personId, product } = active.subject;
    if (!ent) return;
    if (active.reason === 'dwell' && workshopId && personId) {
      const ws = ent.workshops.get(workshopId);
      if (ws) this.dwellTracker(ent, ws, personId);
    } else if (active.reason === 'unlicensed' && lineId && product) {
      const line = ent.lines.get(lineId);
      if (line && !ent.licensed.has(product)) this.unlicensedTracker(ent, line, product);
    }
  }

  private track(t: Tracker): Tracker {
    this.trackers.add(t);
    this.relisted(t);
    return t;
  }

  /**
   * A tracker listed again under a key disposed of since the last capture: the key is no longer gone.
   * (Kept exact here so that a capture writes every removed key without looking each one up: a key is
   * found by walking the facts, and after a busy half-minute of door events there are thousands.)
   */
  private relisted(t: Tracker): void {
    if (this.removedTrackers.size > 0) this.removedTrackers.delete(t.spec.key);
  }

  private dwellTracker(ent: EnterpriseFacts, ws: WorkshopFacts, personId: string): Tracker | undefined {
    const had = ws.dwell.get(personId);
    if (had && !had.disposed) return had;
    // A person's tracker goes when they leave and comes back when they return: the tracker (its
    // spec the same for that person until the configuration changes) is kept for the next visit,
    // a few at most (WorkshopFacts.dwell), and reset then rather than made anew.
    let t: Tracker;
    if (had) {
      // Its key left `trackers` with it, and only this method puts per-person trackers back: no
      // lookup needed. Like a new object, it is out of the list of changes to save until it
      // changes again, and goes last in the workshop's order.
      this.unsavedTrackers.delete(had);
      had.reset();
      this.trackers.add(had);
      this.relisted(had);
      ws.dwell.delete(personId);
      t = had;
    } else {
      const spec = rules.dwell(this.site.defaults, ent, ws, personId);
      if (!spec) return undefined;
      // (None is listed for the person: it would be in `dwell`.)
      t = this.track(spec);
      if (ws.dwell.size >= DWELL_KEPT) {
        const gone: string[] = [];
        for (const [p, k] of ws.dwell) if (k.disposed) gone.push(p);
        for (const p of gone) ws.dwell.delete(p);
      }
    }
    ws.dwell.set(personId, t);
    return t;
  }

  private unlicensedTracker(ent: EnterpriseFacts, line: LineFacts, product: string): Tracker {
    let t = line.unlicensed.get(product);
    if (t) return t;
    // (None is listed for the product: it would be in `unlicensed`.)
    t = this.track(rules.unlicensed(this.site.defaults, ent, line, product));
    (line.unlicensed = own(line.unlicensed)).set(product, t);
    return t;
  }

  private subjectExists(enterpriseId: string, s: AlarmSubject): boolean {
    const ent = this.enterprises.get(enterpriseId);
    if (!ent) return false;
    if (s.workshopId && !ent.workshops.has(s.workshopId)) return false;
    if (s.lineId && !ent.lines.has(s.lineId)) return false;
    if (s.gatewayId && !ent.gateways.has(s.gatewayId)) return false;
    return true;
  }

  // ---------------------------------------------------------------- time

  private schedule(due: number, domain: ClockDomain, target: TimerTarget): Timer {
    const t: Timer = { due, seq: this.timerSeq++, domain, cancelled: false, target, index: -1 };
    this.heap.push(t);
    return t;
  }

  /**
   * `t` cancelled and a timer set for `due` instead, with the same callback: moved in place while it
   * waits in the heap (it gets the sequence number a new timer would, so nothing fires in another
   * order), else made anew. A tracker that follows its facts moves its timer with most readings.
   */
  private reschedule(t: Timer, due: number): Timer {
    if (t.index >= 0 && !t.cancelled) {
      this.heap.move(t, due, this.timerSeq++);
      return t;
    }
    t.cancelled = true;
    return this.schedule(due, t.domain, t.target);
  }

  /** Walks the platform clock forward timer by timer, so each fires with the clock at its due time. */
  private advanceTo(target: number): void {
    if (target < this.now) target = this.now; // SPEC 4: a clock never goes back.
    for (;;) {
      // Timers parked behind a clock that runs with the platform's become due as it walks on.
      this.unparkReady(true);
      this.heap.prune();
      const top = this.heap.peek();
      if (!top || top.due > target) break;
      this.heap.pop();
      if (top.due > this.now) this.now = top.due;
      if (top.due > top.domain.clock()) {
        this.park(top);
        continue;
      }
      top.target.wake(top.due);
    }
    this.now = target;
    this.runTimers(Infinity);
  }

  /** Fires timers due by `bound` whose subject's clock has reached them, without moving the platform clock. */
  private runTimers(bound: number): void {
    for (;;) {
      this.unparkReady();
      this.heap.prune();
      const top = this.heap.peek();
      if (!top || top.due > bound || top.due > Math.max(this.now, this.maxTs)) return;
      this.heap.pop();
      if (top.due > top.domain.clock()) {
        this.park(top);
        continue;
      }
      top.target.wake(top.due);
    }
  }

  private park(t: Timer): void {
    (t.domain.parked ??= []).push(t);
    this.parkedDomains.add(t.domain);
  }

  private unparkReady(following = false): void {
    if (this.parkedDomains.size === 0) return;
    for (const d of [...this.parkedDomains]) {
      const clock = d.clock();
      const parked = d.parked ?? [];
      if (!(following && d.followsPlatform()) && !parked.some((t) => !t.cancelled && t.due <= clock)) continue;
      for (const t of parked) if (!t.cancelled) this.heap.push(t);
      d.parked = undefined;
      this.parkedDomains.delete(d);
    }
  }

  /** SPEC 4: no telemetry for `offlineAfterSeconds` (from the platform's start if never heard) is offline. */
  private armSilence(gw: GatewayState): void {
    const old = this.silenceTimers.get(gw);
    if (!gw.online || this.linkDown) {
      if (old) old.cancelled = true;
      return;
    }
    // Moved with every batch (reschedule: the order of a new timer, without a new timer and callback).
    if (old) {
      const t = this.reschedule(old, gw.silentAt());
      if (t !== old) this.silenceTimers.set(gw, t);
      return;
    }
    this.silenceTimers.set(
      gw,
      this.schedule(gw.silentAt(), this.platform, { wake: (due) => this.goOffline(gw, due) }),
    );
  }

  private goOffline(gw: GatewayState, at: number): void {
    if (!gw.online) return;
    this.changingGateway(gw);
    gw.frozenAt = at;
    gw.online = false;
    this.markGateway(gw);
    this.enterprises.get(gw.enterpriseId)?.gatewayTrackers.get(gw.gatewayId)?.step(at);
  }

  private markGateway(gw: GatewayState): void {
    const ent = this.enterprises.get(gw.enterpriseId);
    if (!ent) return;
    for (const ws of ent.workshops.values()) {
      if (ws.gw !== gw) continue;
      this.dirtyWorkshops.add(ws);
      for (const line of ws.lineFacts) this.dirtyLines.add(line);
    }
  }

  // ---------------------------------------------------------------- inputs

  private applyStatus(ent: EnterpriseFacts, gw: GatewayState, status: GatewayStatus): void {
    // SPEC 4: only telemetry counts as being heard from; `online` changes nothing by itself.
    if (status.state !== 'offline') return;
    this.changingGateway(gw);
    gw.statusOffline = true;
    this.goOffline(gw, this.now);
    void ent;
  }

  private applyTelemetry(ent: EnterpriseFacts, gw: GatewayState, batch: TelemetryBatch): void {
    // The order of readings inside one batch does not matter: they apply in `ts` order, and readings
    // of one instant apply together, so no condition sees a mixture that never existed.
    // (A batch in `ts` order, the usual case, is used as it is: the sort is stable, so that is its order.)
    const readings = inOrder(batch.readings) ? batch.readings : [...batch.readings].sort((a, b) => a.ts - b.ts);
    const touched = this.touched;
    for (let i = 0; i < readings.length; ) {
      const ts = readings[i]!.ts;
      if (ts > this.maxTs) this.maxTs = ts;
      // Timers due by this instant fire first, even those behind the clock (late data).
      this.runTimers(ts);
      touched.clear();
      for (; i < readings.length && readings[i]!.ts === ts; i++) {
        const r = readings[i]!;
        if (isWorkshopReading(r)) this.applyWorkshopReading(ent, gw, r, touched);
        else this.applyLineReading(ent, gw, r, touched);
      }
      if (touched.size === 0) continue;
      for (const tr of touched.items) tr.step(ts, true);
      this.disposeIdle(touched.items);
    }
    touched.clear();
    // SPEC 4: a batch from an offline gateway is applied first; then the gateway counts as online again.
    this.changingGateway(gw);
    gw.lastHeard = this.now;
    gw.heard = true;
    if (!gw.online) {
      gw.online = true;
      gw.statusOffline = false;
      this.markGateway(gw);
    }
    ent.gatewayTrackers.get(gw.gatewayId)?.step(this.now);
    this.armSilence(gw);
  }

  /** Updates a workshop's facts and collects the trackers whose conditions read what changed. */
  private applyWorkshopReading(ent: EnterpriseFacts, gw: GatewayState, r: WorkshopReading, touched: TrackerRound): void {
    // The workshop after the last one read first (GatewayState.cursor), then by id.
    let ws = gw.workshops[gw.cursor];
    if (ws === undefined || ws.cfg.id !== r.workshopId) {
      ws = ent.workshops.get(r.workshopId);
      // Ingest refuses readings for workshops not bound to the gateway; replay input is checked here too.
      if (!ws || ws.gw !== gw) return;
    }
    gw.cursor = ws.gwIndex + 1 < gw.workshops.length ? ws.gwIndex + 1 : 0;
    // SPEC 2: a reading older than the workshop's latest is stored but does not change the live state.
    if (r.ts < ws.newestTs) return;
    // A reading behind a tracker's clock applies at its `ts`: trackers go back there first, on the old facts.
    // (A reading at or after the workshop's trackers' horizon finds none of them to rewind.)
    // (Line staffing trackers likewise, each with its line's horizon: the tracker itself is not loaded.)
    const behind = r.ts < horizonMs(ws.horizonSec);
    if (behind) for (const tr of ws.trackers) tr.rewind(r.ts);
    const staffing = ws.staffingLines;
    for (let k = 0; k < staffing.length; k++) if (r.ts < horizonMs(staffing[k]!.horizonSec)) staffing[k]!.staffingTracker!.rewind(r.ts);
    if (behind) for (const tr of ws.dwell.values()) if (!tr.disposed) tr.rewind(r.ts);
    this.changingWorkshop(ws);
    ws.newestTs = r.ts;
    ws.everReported = true;
    ws.updatedAt = r.ts;
    const changed = updateWorkshopFacts(ws, r);
    // Only conditions that read a changed fact can change; timers take care of the passing of time.
    if (changed !== 0) {
      const deps = ws.trackerDeps;
      for (let k = 0; k < deps.length; k++) if (deps[k]! & changed) touched.add(ws.trackers[k]!);
    }
    if (changed & (FACT_HEADCOUNT | FACT_BYLINE)) for (const tr of ws.lineTrackers) touched.add(tr);
    if (this.awaiting.size !== 0) this.touchAwaiting(ent.cfg.id, ws, undefined, undefined, touched);
    if (changed & FACT_PERSONS) {
      // Who is inside, in the order first listed (an array walk: no iterator per door event).
      const listed = ws.persons.ids;
      for (let k = 0; k < listed.length; k++) this.dwellTracker(ent, ws, listed[k]!);
      for (const tr of ws.dwell.values()) if (!tr.disposed) touched.add(tr);
    }
    this.dirtyWorkshops.add(ws);
    for (const line of ws.lineFacts) this.dirtyLines.add(line);
  }

  private applyLineReading(ent: EnterpriseFacts, gw: GatewayState, r: LineReading, touched: TrackerRound): void {
    const line = ent.lines.get(r.lineId);
    if (!line) return;
    if (!ent.gatewayLines.get(gw.gatewayId)?.has(r.lineId)) return;
    const product = r.production.product ?? line.cfg.product ?? '';
    if (r.ts < (line.newestTs.get(product) ?? -Infinity)) return;
    const py = ent.years.get(product);
    const unlicensed = product !== '' && ent.cfg.licence !== undefined && !ent.licensed.has(product);
    for (const tr of line.trackers) tr.rewind(r.ts);
    py?.tracker?.rewind(r.ts);
    line.unlicensed.get(product)?.rewind(r.ts);
    this.changingLine(line);
    if (py) this.changingYear(key2(ent.cfg.id, product), py);
    (line.newestTs = own(line.newestTs)).set(product, r.ts);
    const inc = countProduction(ent, line, py, product, r);
    for (const tr of line.trackers) touched.add(tr);
    if (py?.tracker) touched.add(py.tracker);
    if (unlicensed && (inc > 0 || line.unlicensed.has(product))) touched.add(this.unlicensedTracker(ent, line, product));
    if (this.awaiting.size !== 0) this.touchAwaiting(ent.cfg.id, undefined, r.lineId, product, touched);
    this.dirtyLines.add(line);
  }

  /**
   * Adds the awaiting trackers (`awaiting`) that a reading of workshop `ws`, or of line `lineId`
   * counting `product`, concerns: a workshop's own rules (and per person) and its lines' staffing,
   * a line's production rules and its enterprise's year for the product. Gateway alarms need none:
   * every batch steps them. Those no longer awaiting leave the set.
   */
  private touchAwaiting(entId: string, ws: WorkshopFacts | undefined, lineId: string | undefined, product: string | undefined, touched: TrackerRound): void {
    for (const tr of this.awaiting) {
      if (tr.disposed || !tr.awaitingFacts()) {
        this.awaiting.delete(tr);
        continue;
      }
      if (tr.spec.enterpriseId !== entId) continue;
      const sub = tr.spec.subject;
      const staffing = tr.spec.type === 'over-staffing';
      const concerned = ws
        ? sub.workshopId !== undefined
          ? sub.workshopId === ws.cfg.id
          : staffing && sub.lineId !== undefined && ws.cfg.lines.includes(sub.lineId)
        : sub.workshopId === undefined && sub.gatewayId === undefined && !staffing &&
          (sub.lineId === undefined || sub.lineId === lineId) && (sub.product === undefined || sub.product === product);
      if (!concerned) continue;
      touched.add(tr);
      this.awaiting.delete(tr);
    }
  }

  /** Drops per-person and per-product trackers that are idle and whose subject is gone. */
  private disposeIdle(trackers: Iterable<Tracker>): void {
    for (const tr of trackers) {
      if (!tr.idle() || !tr.spec.disposable()) continue;
      tr.cancel();
      tr.disposed = true;
      const { lineId, product } = tr.spec.subject;
      const ent = this.enterprises.get(tr.spec.enterpriseId);
      this.trackers.remove(tr);
      if (!this.unsavedAll) this.removedTrackers.add(tr.spec.key);
      // (A person's stays in its workshop's `dwell`, disposed, for their return: see dwellTracker.)
      if (product && lineId) ent?.lines.get(lineId)?.unlicensed.delete(product);
    }
  }

  // ---------------------------------------------------------------- output

  private run(fn: () => void): EngineOutput {
    const transitions: AlarmTransition[] = [];
    this.out = transitions;
    try {
      fn();
    } finally {
      this.out = undefined;
    }
    if (this.viewsWanted) return this.someViews(transitions, this.viewsWanted);
    // Views in the order their scopes changed, in arrays made at their size (not grown push by push).
    const dw = this.dirtyWorkshops.items;
    const workshops = new Array<WorkshopLive>(dw.length);
    for (let k = 0; k < dw.length; k++) workshops[k] = workshopLive(this.enterprises.get(dw[k]!.enterpriseId)!, dw[k]!);
    const dl = this.dirtyLines.items;
    const lines = new Array<LineLive>(dl.length);
    for (let k = 0; k < dl.length; k++) lines[k] = lineLive(this.enterprises.get(dl[k]!.enterpriseId)!, dl[k]!, this.now);
    this.dirtyWorkshops.clear();
    this.dirtyLines.clear();
    return { transitions, workshops, lines };
  }

  /** `run`'s output with the views of the enterprises `wanted` only, in the same order. */
  private someViews(transitions: AlarmTransition[], wanted: (enterpriseId: string) => boolean): EngineOutput {
    // Mostly all of one enterprise (one gateway's batch): asked when it changes, not per view.
    let entId: string | undefined;
    let ent: EnterpriseFacts | undefined;
    let want = false;
    const workshops: WorkshopLive[] = [];
    for (const ws of this.dirtyWorkshops.items) {
      if (ws.enterpriseId !== entId) {
        entId = ws.enterpriseId;
        want = asks(wanted, entId);
        ent = this.enterprises.get(entId);
      }
      if (want) workshops.push(workshopLive(ent!, ws));
    }
    const lines: LineLive[] = [];
    for (const line of this.dirtyLines.items) {
      if (line.enterpriseId !== entId) {
        entId = line.enterpriseId;
        want = asks(wanted, entId);
        ent = this.enterprises.get(entId);
      }
      if (want) lines.push(lineLive(ent!, line, this.now));
    }
    this.dirtyWorkshops.clear();
    this.dirtyLines.clear();
    return { transitions, workshops, lines };
  }

  private emit(kind: AlarmTransition['kind'], at: number, alarm: ActiveAlarm): void {
    if (kind === 'raised') this.history?.push(alarm);
    this.out?.push({ kind, at, alarm: toRecord(alarm) });
  }

}

/** What `adopt` did: its output (the clears of alarms whose rule is gone), the ids held, and those refused with why. */
export type Adoption = { output: EngineOutput; adopted: string[]; refused: { id: string; why: string }[] };

/** A ledger record as the engine holds an active alarm (times in epoch ms; the ledger keeps the handling). */
function fromRecord(r: AlarmRecord): ActiveAlarm {
  const ms = (t: string): number => Date.parse(t);
  return {
    id: r.id, type: r.type, reason: r.reason, level: r.level, enterpriseId: r.enterpriseId, subject: { ...r.subject },
    value: r.value, peak: r.peak, limit: r.limit, since: ms(r.since), raisedAt: ms(r.raisedAt),
    escalatedAt: r.escalatedAt === null ? null : ms(r.escalatedAt), clearedAt: null, clearReason: null,
    detectedAt: ms(r.detectedAt), late: r.late, configRevision: r.configRevision,
  };
}

export type CaptureResult = { snapshot: EngineSnapshot } | { delta: EngineDelta & { now: number } };

/** A state being saved (RuleEngine.beginCapture). */
export interface EngineCapture {
  /** Copies up to `items` more items; true once all are copied (then `result` is complete). */
  step(items: number): boolean;
  /** Copies all that is left. */
  finish(): void;
  /**
   * The items copied since the last `drain` (copies of items about to change included), handed over
   * and no longer held: a save can write a province's state a slice at a time instead of holding all
   * of it. Each item is copied once, so the slices of one capture never share a key, and laying them
   * (applyDelta) over `result()` in any order gives the whole.
   */
  drain(): EngineParts;
  /** The capture, with every item copied and not drained. */
  result(): CaptureResult;
}

/** The entries of a snapshot or delta, without its clocks. */
export type EngineParts = Required<Omit<EngineDelta, 'now'>>;

const noParts = (): EngineParts => ({ gateways: {}, workshops: {}, lines: {}, years: {}, trackers: {} });

/**
 * The items a capture still has to copy, each flagged `capturing` until copied: by `step`, or by the
 * engine just before it changes one (copy on write), so the result is the state at the capture.
 */
class PendingCapture implements EngineCapture {
  private ti = 0;
  private gi = 0;
  private wi = 0;
  private li = 0;
  private yi = 0;
  private done = false;
  private parts = noParts();

  constructor(
    private readonly head: { snapshot: Omit<EngineSnapshot, keyof EngineParts> } | { delta: { now: number } },
    private readonly trackers: Tracker[],
    private readonly gateways: GatewayState[],
    private readonly workshops: WorkshopFacts[],
    private readonly lines: LineFacts[],
    private readonly years: [string, ProductYear][],
    private readonly onDone: () => void,
  ) {
    for (const t of trackers) t.capturing = true;
    for (const g of gateways) g.capturing = true;
    for (const w of workshops) w.capturing = true;
    for (const l of lines) l.capturing = true;
    for (const [, y] of years) y.capturing = true;
  }

  removed(key: string): void {
    this.parts.trackers[key] = null;
  }

  copyTracker(t: Tracker): void {
    t.capturing = false;
    this.parts.trackers[t.spec.key] = t.persisted();
  }

  copyGateway(g: GatewayState): void {
    g.capturing = false;
    this.parts.gateways[key2(g.enterpriseId, g.gatewayId)] = gatewayEntry(g);
  }

  copyWorkshop(w: WorkshopFacts): void {
    w.capturing = false;
    this.parts.workshops[key2(w.enterpriseId, w.cfg.id)] = workshopEntry(w);
  }

  copyLine(l: LineFacts): void {
    l.capturing = false;
    this.parts.lines[key2(l.enterpriseId, l.cfg.id)] = lineEntry(l);
  }

  copyYear(key: string, y: ProductYear): void {
    y.capturing = false;
    this.parts.years[key] = yearEntry(y);
  }

  step(items: number): boolean {
    if (this.done) return true;
    let n = 0;
    for (; this.gi < this.gateways.length && n < items; this.gi++) {
      const g = this.gateways[this.gi]!;
      if (g.capturing) {
        this.copyGateway(g);
        n++;
      }
    }
    for (; this.wi < this.workshops.length && n < items; this.wi++) {
      const w = this.workshops[this.wi]!;
      if (w.capturing) {
        this.copyWorkshop(w);
        n++;
      }
    }
    for (; this.li < this.lines.length && n < items; this.li++) {
      const l = this.lines[this.li]!;
      if (l.capturing) {
        this.copyLine(l);
        n++;
      }
    }
    for (; this.yi < this.years.length && n < items; this.yi++) {
      const [k, y] = this.years[this.yi]!;
      if (y.capturing) {
        this.copyYear(k, y);
        n++;
      }
    }
    for (; this.ti < this.trackers.length && n < items; this.ti++) {
      const t = this.trackers[this.ti]!;
      if (t.capturing) {
        this.copyTracker(t);
        n++;
      }
    }
    if (this.ti < this.trackers.length || this.gi < this.gateways.length || this.wi < this.workshops.length || this.li < this.lines.length || this.yi < this.years.length) return false;
    this.done = true;
    this.onDone();
    return true;
  }

  finish(): void {
    this.step(Infinity);
  }

  drain(): EngineParts {
    const out = this.parts;
    this.parts = noParts();
    return out;
  }

  result(): CaptureResult {
    if (!this.done) throw new Error('the capture is not finished');
    // A whole capture has no removed keys (`removed` is for deltas): its trackers hold no null.
    return 'snapshot' in this.head
      ? { snapshot: { ...this.head.snapshot, ...this.parts, trackers: this.parts.trackers as EngineSnapshot['trackers'] } }
      : { delta: { ...this.head.delta, ...this.parts } };
  }
}

/** Per workshop: trackers in `dwell` past which those kept for persons who left are dropped (see dwellTracker). */
const DWELL_KEPT = 64;

/**
 * Distinct items in the order first added, like a Set that is emptied again and again: an item
 * carries the round it was added in (`roundMark`), so adding and emptying allocate nothing. An item
 * may be in one Round at a time (workshops and lines in the dirty views; trackers have their own, TrackerRound).
 * One field name for all kinds of item: a property read by a name that varies is a slow lookup.
 */
class Round<T extends { roundMark: number }> {
  readonly items: T[] = [];
  private round = 1;

  get size(): number {
    return this.items.length;
  }

  add(x: T): void {
    if (x.roundMark === this.round) return;
    x.roundMark = this.round;
    this.items.push(x);
  }

  clear(): void {
    this.items.length = 0;
    this.round++;
  }
}

/**
 * A Round of trackers, each carrying whether it is in it as a flag (Tracker.marked: a large site
 * has tens of thousands, and a field is eight bytes of each); emptying it clears the flags of the
 * few it holds.
 */
class TrackerRound {
  readonly items: Tracker[] = [];

  get size(): number {
    return this.items.length;
  }

  add(t: Tracker): void {
    if (t.marked) return;
    t.marked = true;
    this.items.push(t);
  }

  clear(): void {
    const items = this.items;
    for (let k = 0; k < items.length; k++) items[k]!.marked = false;
    items.length = 0;
  }
}

/**
 * `wanted(enterpriseId)`, and yes if it fails: it is asked after the call's inputs are applied, and
 * a failure then would lose the call's alarm transitions with its output.
 */
function asks(wanted: (enterpriseId: string) => boolean, enterpriseId: string): boolean {
  try {
    return wanted(enterpriseId);
  } catch {
    return true;
  }
}

function inOrder(readings: readonly { ts: number }[]): boolean {
  for (let i = 1; i < readings.length; i++) if (readings[i]!.ts < readings[i - 1]!.ts) return false;
  return true;
}

/** A tracker's state carried into a rebuilt engine: persisted (restart) or handed over live (new revision). */
type Carried = PersistedTracker | ReturnType<Tracker['handover']>;

/** A registry finding trackers by key in these facts (registry.ts): the engine's, as its build makes them. */
function registryOf(enterprises: ReadonlyMap<string, EnterpriseFacts>): TrackerRegistry {
  return new TrackerRegistry((key) => trackerByKey(enterprises, key));
}
