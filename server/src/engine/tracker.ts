import type { AlarmLevel, AlarmReason, AlarmSubject, AlarmType, ClearReason } from '@hazwatch/protocols';
import type { ClockDomain, Timer, TimerTarget } from './heap.ts';

/** A rule's condition at one instant. `low` is the lowest level's condition (the warning where one exists). */
export type Evaluation = {
  low: boolean;
  /** The alarm level's condition; equal to `low` for single-level rules. */
  high: boolean;
  value: number | null;
};

/** What a tracker needs to know about its rule. Built from the configuration; `evaluate` reads live facts. */
export type RuleSpec = {
  key: string;
  enterpriseId: string;
  type: AlarmType;
  reason: AlarmReason | null;
  subject: AlarmSubject;
  domain: ClockDomain;
  raiseMs: number;
  clearMs: number;
  twoLevel: boolean;
  /** The answer is valid until the next call of any rule's `evaluate` (rules.ts: one object answers for all). */
  evaluate(t: number): Evaluation;
  /** The next instant after `t` at which the condition may change with no new input (window edge, midnight), if any. */
  nextChange(t: number): number | undefined;
  limit(level: AlarmLevel): number | null;
  /** Which workshop facts the condition reads (FACT_* bits); a reading that changes none of them skips the step. */
  deps: number;
  /** The facts whose `horizonSec` its tracker raises (Tracker.extendHorizon), if any. */
  readonly horizon?: Horizon | undefined;
  /** Dynamic trackers (per person, per unlicensed product) are dropped once idle and their subject gone. */
  disposable(): boolean;
  /** Where its tracker reports: the engine. */
  readonly sink: TransitionSink;
};

export const FACT_HEADCOUNT = 1;
export const FACT_BYLINE = 2;
export const FACT_MATERIAL = 4;
export const FACT_PERSONS = 8;
export const FACT_HEADCOUNT_FAULT = 16;
export const FACT_QUANTITY_FAULT = 32;

/** An alarm record inside the engine: times in epoch ms. */
export type ActiveAlarm = {
  id: string;
  type: AlarmType;
  reason: AlarmReason | null;
  level: AlarmLevel;
  enterpriseId: string;
  subject: AlarmSubject;
  value: number | null;
  peak: number | null;
  limit: number | null;
  since: number;
  raisedAt: number;
  escalatedAt: number | null;
  clearedAt: number | null;
  clearReason: ClearReason | null;
  detectedAt: number;
  late: boolean;
  configRevision: number;
};

export type TransitionSink = {
  /** Platform time now, for `detectedAt`. */
  now(): number;
  revision(): number;
  newId(): string;
  emit(kind: 'raised' | 'escalated' | 'cleared', at: number, alarm: ActiveAlarm): void;
  schedule(due: number, domain: ClockDomain, target: TimerTarget): Timer;
  /** `timer` cancelled and one set for `due` with its domain and target (possibly the same object). */
  reschedule(timer: Timer, due: number): Timer;
  /** The tracker's persisted state changed since it was last saved (called once until `saved`). */
  changed(tracker: Tracker): void;
  /** The tracker's state is about to change while a save still has to copy it (`capturing`). */
  changing(tracker: Tracker): void;
};

/** `initial`: taken before any facts reached the tracker, when it was idle and would have been so at any earlier instant. */
export type TrackerCheckpoint = { state: TrackerState; peak: number | null; initial?: boolean };
export type PersistedTracker = TrackerState & { checkpoint?: TrackerCheckpoint | undefined };

/** The debounce state that survives restarts and configuration changes. */
export type TrackerState = {
  lastAt: number;
  lowSince?: number;
  highSince?: number;
  lowFalseSince?: number;
  pendingPeak?: number | null;
  lastValue: number | null;
  active?: ActiveAlarm;
};

/**
 * An instant at or after which none of some trackers stands (Tracker.extendHorizon): whole seconds from
 * HORIZON_BASE, rounded up. Only ever a bound (a rewind checks its own clock exactly), so seconds
 * serve, and they are small integers: a number field holding one is read with its object, where a
 * millisecond timestamp is a number object of its own to load on every reading.
 */
export type Horizon = { horizonSec: number };
const HORIZON_BASE = Date.UTC(2020, 0, 1);
/** Before any horizon a tracker sets (a bound on instants before it too: it only rises). */
export const HORIZON_NONE = -(2 ** 30);
/** The instant a horizon stands for. */
export const horizonMs = (sec: number): number => HORIZON_BASE + sec * 1000;
/** The least horizon at or after `ms` (the check makes it so whatever the rounding of a fractional `ms`). */
export function horizonSec(ms: number): number {
  const sec = Math.ceil((ms - HORIZON_BASE) / 1000);
  return horizonMs(sec) < ms ? sec + 1 : sec;
}

/** The most Tracker.cpBack holds (ms, some 12 days): a small integer (Smi) on any build of V8. */
const MAX_BACK = 2 ** 30 - 1;

/** Earlier than any real instant, and unlike -Infinity it survives JSON. */
export const NEVER = -8.64e15;

// Tracker.bits.
const B_CHECKPOINT = 1;
const B_CP_INITIAL_SET = 2;
const B_CP_INITIAL = 4;
const B_UNSAVED = 8;
const B_CAPTURING = 16;
const B_DISPOSED = 32;
const B_LISTED = 64;
const B_CP_HERE = 128;
const B_MARKED = 256;

/**
 * Transitions emitted by any tracker so far: a step compares it before and after to know whether it
 * emitted (Tracker.step). One count for all: a step emits only its own tracker's transitions.
 */
let emissions = 0;

const max = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null ? (b ?? null) : b == null ? a : Math.max(a, b);

/** A tracker's checkpoint where it is not its present state (Tracker.cp). */
class Checkpoint {
  constructor(
    readonly lastAt: number,
    readonly lowSince: number | undefined,
    readonly highSince: number | undefined,
    readonly lowFalseSince: number | undefined,
    readonly pendingPeak: number | null | undefined,
    readonly lastValue: number | null,
    readonly peak: number | null,
  ) {}
}

/**
 * One alarm key's state machine (SPEC 4): raise once the condition has held `raiseAfterSeconds`
 * without a break, at that moment; escalate a warning whose alarm condition has held as long; clear
 * once the lowest level's condition has been false `clearAfterSeconds`. Transitions are stamped
 * with the instant they fall due, never with the time the engine happened to notice them.
 *
 * The state (TrackerState) and its checkpoint are fields of the tracker itself, not objects of their
 * own: a large site has tens of thousands of trackers, each read on its subject's readings, and every
 * object between a tracker and its numbers is memory to keep and a load to wait for.
 */
export abstract class Tracker {
  // The rule (RuleSpec), each kind's in rules.ts: a tracker is an instance of its rule, one object
  // with it rather than two (tens of thousands of them in a large site).
  abstract readonly key: string;
  abstract readonly enterpriseId: string;
  abstract readonly type: AlarmType;
  abstract readonly reason: AlarmReason | null;
  abstract readonly subject: AlarmSubject;
  abstract readonly domain: ClockDomain;
  abstract readonly raiseMs: number;
  abstract readonly clearMs: number;
  abstract readonly twoLevel: boolean;
  abstract evaluate(t: number): Evaluation;
  abstract nextChange(t: number): number | undefined;
  abstract limit(level: AlarmLevel): number | null;
  abstract readonly deps: number;
  abstract readonly horizon: Horizon | undefined;
  abstract disposable(): boolean;
  abstract readonly sink: TransitionSink;

  // The state (TrackerState, field by field).
  lastAt = NEVER;
  lowSince: number | undefined = undefined;
  highSince: number | undefined = undefined;
  lowFalseSince: number | undefined = undefined;
  pendingPeak: number | null | undefined = undefined;
  lastValue: number | null = null;
  active: ActiveAlarm | undefined = undefined;
  /**
   * The checkpoint (read through `cpLastAt` and the like, present when `hasCheckpoint`): the state
   * as it stood after the last step that either followed new facts or emitted a transition. Steps
   * since then were driven by time alone and emitted nothing, so they can be replayed exactly.
   * `cpPeak` is the peak the active alarm had then. (Which alarm was active is not kept: a rewind
   * keeps the present one, as the checkpoint is never older than the last transition.)
   *
   * Mostly the checkpoint is the present state (`cpHere`: the last step followed facts), or that
   * but `cpBack` ms earlier (steps by time alone since then changed nothing else), and then it is
   * not copied anywhere. Otherwise it is `cp`, made from the state just before the state changes
   * otherwise (`touch`, which every change is preceded by, or `step`), and dropped when the next
   * is taken. A large site has tens of thousands of trackers: seven fields each, two of them times
   * (a number object each), were a good part of the engine's memory. `cpBack` is a small integer
   * (no number object), and only ever one that gives the checkpoint's time back exactly.
   */
  private cp: Checkpoint | undefined = undefined;
  private cpBack = 0;
  private timer: Timer | undefined = undefined;
  /**
   * The tracker's flags (B_*), one small integer rather than a field each: a large site has tens of
   * thousands of trackers, and a field is eight bytes of each. Read and written through the
   * accessors below (`hasCheckpoint`, `cpHere`, `cpInitial`, `unsaved`, `capturing`, `disposed`, `marked`, `listed`).
   */
  private bits = 0;
  /** Its neighbours in the registry's order, while `listed` (registry.ts). */
  prevListed: Tracker | undefined = undefined;
  nextListed: Tracker | undefined = undefined;

  /** Its rule: the tracker itself. */
  get spec(): RuleSpec {
    return this;
  }

  private flag(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  private setFlag(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  /** The checkpoint fields (`cp*`) hold a checkpoint. */
  private get hasCheckpoint(): boolean {
    return this.flag(B_CHECKPOINT);
  }

  private set hasCheckpoint(on: boolean) {
    this.setFlag(B_CHECKPOINT, on);
  }

  /** The checkpoint is the present state (see `cp`). */
  private get cpHere(): boolean {
    return this.flag(B_CP_HERE);
  }

  private set cpHere(on: boolean) {
    this.setFlag(B_CP_HERE, on);
  }

  // The checkpoint's fields (meaningful while `hasCheckpoint`).
  private get cpLastAt(): number {
    return this.cpHere ? this.lastAt - this.cpBack : this.cp!.lastAt;
  }

  private get cpLowSince(): number | undefined {
    return this.cpHere ? this.lowSince : this.cp!.lowSince;
  }

  private get cpHighSince(): number | undefined {
    return this.cpHere ? this.highSince : this.cp!.highSince;
  }

  private get cpLowFalseSince(): number | undefined {
    return this.cpHere ? this.lowFalseSince : this.cp!.lowFalseSince;
  }

  private get cpPendingPeak(): number | null | undefined {
    return this.cpHere ? this.pendingPeak : this.cp!.pendingPeak;
  }

  private get cpLastValue(): number | null {
    return this.cpHere ? this.lastValue : this.cp!.lastValue;
  }

  private get cpPeak(): number | null {
    return this.cpHere ? (this.active?.peak ?? null) : this.cp!.peak;
  }

  /** The checkpoint copied out of the present state, which is about to change (see `cp`). */
  private keepCheckpoint(): void {
    if (!this.cpHere) return;
    this.cp = new Checkpoint(this.cpLastAt, this.lowSince, this.highSince, this.lowFalseSince, this.pendingPeak, this.lastValue, this.active?.peak ?? null);
    this.cpHere = false;
    this.cpBack = 0;
  }

  /**
   * `cpBack` for a checkpoint at `at`, the present state's other fields being the checkpoint's:
   * a small whole number of ms that gives `at` back exactly; else -1.
   */
  private backTo(at: number): number {
    const back = this.lastAt - at;
    // `| 0`: the same number, as a small integer (a double result would make the field one of doubles,
    // a number object in every tracker).
    return back >= 0 && back <= MAX_BACK && Number.isInteger(back) && this.lastAt - back === at ? back | 0 : -1;
  }

  /** Sets the checkpoint (field by field, as TrackerCheckpoint has them), as it stands apart from the present state. */
  private setCheckpoint(
    lastAt: number,
    lowSince: number | undefined,
    highSince: number | undefined,
    lowFalseSince: number | undefined,
    pendingPeak: number | null | undefined,
    lastValue: number | null,
    peak: number | null,
    initial: boolean | undefined,
  ): void {
    this.hasCheckpoint = true;
    // The present state (or that, earlier), when it is exactly that: a restored state mostly is.
    const back =
      lowSince === this.lowSince && highSince === this.highSince && lowFalseSince === this.lowFalseSince &&
      pendingPeak === this.pendingPeak && lastValue === this.lastValue && peak === (this.active?.peak ?? null)
        ? this.backTo(lastAt)
        : -1;
    this.cpHere = back >= 0;
    this.cpBack = back >= 0 ? back : 0;
    this.cp = back >= 0 ? undefined : new Checkpoint(lastAt, lowSince, highSince, lowFalseSince, pendingPeak, lastValue, peak);
    this.cpInitial = initial;
  }

  /** TrackerCheckpoint.initial: true, or absent (undefined) — a persisted `false` is kept as it came. */
  private get cpInitial(): boolean | undefined {
    return this.flag(B_CP_INITIAL_SET) ? this.flag(B_CP_INITIAL) : undefined;
  }

  private set cpInitial(v: boolean | undefined) {
    this.setFlag(B_CP_INITIAL_SET, v !== undefined);
    this.setFlag(B_CP_INITIAL, v === true);
  }

  /** Its state changed since the engine's state was last saved (incremental saves write only these). */
  get unsaved(): boolean {
    return this.flag(B_UNSAVED);
  }

  set unsaved(on: boolean) {
    this.setFlag(B_UNSAVED, on);
  }

  /** A save in progress has yet to copy its state (RuleEngine.beginCapture). */
  get capturing(): boolean {
    return this.flag(B_CAPTURING);
  }

  set capturing(on: boolean) {
    this.setFlag(B_CAPTURING, on);
  }

  /** Dropped by the engine (idle, subject gone); a tracker of the same key made later is another. */
  get disposed(): boolean {
    return this.flag(B_DISPOSED);
  }

  set disposed(on: boolean) {
    this.setFlag(B_DISPOSED, on);
  }

  /** In the engine's list of trackers whose facts changed at the instant being applied (engine.ts, TrackerRound). */
  get marked(): boolean {
    return this.flag(B_MARKED);
  }

  set marked(on: boolean) {
    this.setFlag(B_MARKED, on);
  }

  /** In the engine's registry (registry.ts). */
  get listed(): boolean {
    return this.flag(B_LISTED);
  }

  set listed(on: boolean) {
    this.setFlag(B_LISTED, on);
  }

  /** Its timers call this (the tracker is the timer's target: no callback per tracker). */
  wake(due: number): void {
    this.step(due);
  }

  /** What a restart needs to go on exactly: the state, and the checkpoint a delayed reading may rewind to. */
  persisted(): PersistedTracker {
    // Field by field: a save copies tens of thousands of these at once.
    const active = this.active;
    const cp: TrackerCheckpoint | undefined = this.hasCheckpoint
      ? {
          state: {
            lastAt: this.cpLastAt, lowSince: this.cpLowSince, highSince: this.cpHighSince, lowFalseSince: this.cpLowFalseSince,
            pendingPeak: this.cpPendingPeak, lastValue: this.cpLastValue, active: undefined,
          },
          peak: this.cpPeak,
        }
      : undefined;
    if (cp && this.cpInitial !== undefined) cp.initial = this.cpInitial;
    return {
      lastAt: this.lastAt, lowSince: this.lowSince, highSince: this.highSince, lowFalseSince: this.lowFalseSince,
      pendingPeak: this.pendingPeak, lastValue: this.lastValue,
      active: active && { ...active, subject: { ...active.subject } },
      checkpoint: cp,
    };
  }

  /**
   * Before any change to the persisted state (and so to the present state: the checkpoint is kept
   * apart first, unless `retaking`, a step that takes a new one whatever happens).
   */
  private touch(retaking = false): void {
    if (!retaking) this.keepCheckpoint();
    if (this.capturing) this.sink.changing(this);
    if (this.unsaved) return;
    this.unsaved = true;
    this.sink.changed(this);
  }

  /**
   * Made again for its key after the engine dropped it (engine.ts, dwellTracker: a person who comes
   * back): exactly as a tracker just constructed for its spec, without allocating one.
   */
  reset(): void {
    this.setState(NEVER, undefined, undefined, undefined, undefined, null, undefined);
    this.hasCheckpoint = false;
    this.cpHere = false;
    this.cp = undefined;
    this.cpBack = 0;
    this.cpInitial = undefined;
    this.timer = undefined;
    // Not in any save's list: the engine adds it again on its first change (touch).
    this.unsaved = false;
    this.capturing = false;
    this.marked = false;
    this.disposed = false;
  }

  private setState(
    lastAt: number,
    lowSince: number | undefined,
    highSince: number | undefined,
    lowFalseSince: number | undefined,
    pendingPeak: number | null | undefined,
    lastValue: number | null,
    active: ActiveAlarm | undefined,
  ): void {
    this.lastAt = lastAt;
    this.lowSince = lowSince;
    this.highSince = highSince;
    this.lowFalseSince = lowFalseSince;
    this.pendingPeak = pendingPeak;
    this.lastValue = lastValue;
    this.active = active;
  }

  /** Takes over a persisted or carried-over state (the active alarm object itself, not a copy). */
  adopt(p: PersistedTracker | { state: TrackerState; checkpoint: TrackerCheckpoint | undefined }): void {
    this.touch();
    const state: TrackerState = 'state' in p ? p.state : p;
    const checkpoint = p.checkpoint;
    this.setState(state.lastAt, state.lowSince, state.highSince, state.lowFalseSince, state.pendingPeak, state.lastValue, state.active);
    if (checkpoint) {
      const c = checkpoint.state;
      this.setCheckpoint(c.lastAt, c.lowSince, c.highSince, c.lowFalseSince, c.pendingPeak, c.lastValue, checkpoint.peak, checkpoint.initial);
    } else {
      this.hasCheckpoint = false;
      this.cpHere = false;
      this.cp = undefined;
      this.cpBack = 0;
    }
    this.extendHorizon();
  }

  /**
   * Shared with the other trackers of its subject (its rule's workshop or line): raised to every
   * instant this one moves to, so that a reading at or after it knows without looking that none of
   * them needs rewinding.
   */
  private extendHorizon(): void {
    const h = this.horizon;
    if (h) {
      const sec = horizonSec(this.lastAt);
      if (sec > h.horizonSec) h.horizonSec = sec;
    }
  }

  /** For a new revision: the live state and checkpoint, handed over to the tracker of the new revision. */
  handover(): { state: TrackerState; checkpoint: TrackerCheckpoint | undefined } {
    const state: TrackerState = {
      lastAt: this.lastAt, lowSince: this.lowSince, highSince: this.highSince, lowFalseSince: this.lowFalseSince,
      pendingPeak: this.pendingPeak, lastValue: this.lastValue, active: this.active,
    };
    if (!this.hasCheckpoint) return { state, checkpoint: undefined };
    const checkpoint: TrackerCheckpoint = {
      state: {
        lastAt: this.cpLastAt, lowSince: this.cpLowSince, highSince: this.cpHighSince, lowFalseSince: this.cpLowFalseSince,
        pendingPeak: this.cpPendingPeak, lastValue: this.cpLastValue, active: undefined,
      },
      peak: this.cpPeak,
    };
    if (this.cpInitial !== undefined) checkpoint.initial = this.cpInitial;
    return { state, checkpoint };
  }

  /**
   * Holds `a`, an alarm the ledger has active that the engine did not hold (RuleEngine.adopt), as if
   * this tracker had raised it: from now on it escalates, updates and clears like its own, and is not
   * raised again while it is active. Its condition is not read here: facts a fresh engine does not
   * know yet read as nothing, and an alarm must not start clearing on facts nobody reported. The next
   * step (its subject's next reading, or a timer) reads it. The checkpoint is taken here, as after a
   * transition, so that no rewind goes back to before the tracker held it.
   */
  hold(a: ActiveAlarm, t: number): void {
    // A tracker just made for the alarm (per person, per product) takes up its place first.
    if (!this.hasCheckpoint) this.start(t);
    this.touch();
    this.active = a;
    this.lowFalseSince = undefined;
    this.saveCheckpoint();
    this.reschedule(this.lastAt);
    this.extendHorizon();
  }

  /**
   * Holds an adopted alarm (`hold`) and has not read its condition since. Never so for an alarm it
   * raised itself: from its raise on, either `lowSince` (the condition holds) or `lowFalseSince`
   * (it has ended) is set, so a restored state tells this without saving a flag.
   */
  awaitingFacts(): boolean {
    return this.active !== undefined && this.lowSince === undefined && this.lowFalseSince === undefined;
  }

  /** Re-evaluates at `t`: timers due by `t` fire first under the old condition, then the new one applies. */
  step(t: number, facts = false): void {
    // The checkpoint is kept apart from the state below, once it is known to be needed: not after
    // new facts or a transition (it is taken again), nor where the step moved only the time (then
    // `cpBack` says how far). Nothing reads it meanwhile.
    const here = !facts && this.cpHere;
    let lastAt = NEVER;
    let lowSince: number | undefined;
    let highSince: number | undefined;
    let lowFalseSince: number | undefined;
    let pendingPeak: number | null | undefined;
    let lastValue: number | null = null;
    let peak: number | null = null;
    if (here) {
      lastAt = this.lastAt;
      lowSince = this.lowSince;
      highSince = this.highSince;
      lowFalseSince = this.lowFalseSince;
      pendingPeak = this.pendingPeak;
      lastValue = this.lastValue;
      peak = this.active?.peak ?? null;
    }
    this.touch(true);
    // Before its first step a tracker is idle, and so it was at any earlier instant.
    if (!this.hasCheckpoint && t > this.lastAt && this.idle()) {
      const fresh = this.lastAt === NEVER;
      this.lastAt = t;
      this.saveCheckpoint(fresh);
    }
    const before = emissions;
    this.stepAt(t);
    this.reschedule(this.lastAt);
    if (facts || emissions !== before) this.saveCheckpoint();
    else if (here) {
      const at = lastAt - this.cpBack;
      const back =
        lowSince === this.lowSince && highSince === this.highSince && lowFalseSince === this.lowFalseSince && pendingPeak === this.pendingPeak &&
        lastValue === this.lastValue && peak === (this.active?.peak ?? null)
          ? this.backTo(at)
          : -1;
      if (back >= 0) this.cpBack = back;
      else {
        this.cp = new Checkpoint(at, lowSince, highSince, lowFalseSince, pendingPeak, lastValue, peak);
        this.cpHere = false;
        this.cpBack = 0;
      }
    }
    this.extendHorizon();
  }

  /** Takes up its place at `t` (built, restored or reconfigured): its first checkpoint, and its next wake. */
  start(t: number): void {
    // Changes the state only without a checkpoint, and then takes one.
    this.touch(true);
    if (!this.hasCheckpoint) {
      const fresh = this.idle() && this.lastAt === NEVER;
      if (this.idle() && t > this.lastAt) this.lastAt = t;
      this.saveCheckpoint(fresh);
    }
    this.reschedule(Math.max(this.lastAt, t));
    this.extendHorizon();
  }

  /**
   * Moves this tracker back to `t`, before facts that apply at `t` change (SPEC 4: a reading behind
   * its subject's clock but newer than its newest applied reading applies at its `ts`). Possible
   * when nothing was emitted after `t`: the time-driven steps since the checkpoint are replayed up
   * to `t` on the old facts. Otherwise the reading applies at the tracker's present (a clock never
   * goes back over what it has announced).
   */
  rewind(t: number): void {
    if (t >= this.lastAt || !this.hasCheckpoint) return;
    this.touch();
    if (t < this.cpLastAt) {
      // Before any facts the tracker was idle at every instant: it can start over at `t`.
      if (!this.cpInitial) return;
      this.setState(t, this.cpLowSince, this.cpHighSince, this.cpLowFalseSince, this.cpPendingPeak, this.cpLastValue, undefined);
      this.reschedule(t);
      return;
    }
    const active = this.active;
    this.setState(this.cpLastAt, this.cpLowSince, this.cpHighSince, this.cpLowFalseSince, this.cpPendingPeak, this.cpLastValue, active);
    if (active) active.peak = this.cpPeak;
    for (;;) {
      const w = this.nextWake(this.lastAt);
      if (w === undefined || w > t) break;
      this.stepAt(w);
    }
    this.reschedule(this.lastAt);
  }

  /** The present state as the checkpoint: taken with every reading that changes the tracker's facts, so nothing is copied. */
  private saveCheckpoint(initial = false): void {
    this.hasCheckpoint = true;
    this.cpHere = true;
    this.cp = undefined;
    this.cpBack = 0;
    this.cpInitial = initial ? true : undefined;
  }

  private stepAt(t: number): void {
    if (t < this.lastAt) t = this.lastAt;
    this.resolve(t);
    this.lastAt = t;
    // Read at once: the answer is shared by all rules (RuleSpec.evaluate).
    const ev = this.evaluate(t);
    const low = ev.low;
    const high = ev.high;
    const value = ev.value;
    this.lastValue = value;
    if (low) {
      if (this.lowSince === undefined) {
        this.lowSince = t;
        this.pendingPeak = value;
      } else this.pendingPeak = max(this.pendingPeak, value);
    } else {
      this.lowSince = undefined;
      this.pendingPeak = undefined;
    }
    if (high) this.highSince ??= t;
    else this.highSince = undefined;
    const a = this.active;
    if (a) {
      if (value !== null) a.peak = max(a.peak, value);
      if (!low) this.lowFalseSince ??= t;
      else this.lowFalseSince = undefined;
    }
    this.resolve(t);
  }

  /** Fires every transition due at or before `t`, in time order. */
  private resolve(t: number): void {
    const R = this.raiseMs;
    for (;;) {
      if (!this.active && this.lowSince !== undefined && this.lowSince + R <= t) {
        this.raise(this.lowSince + R);
        continue;
      }
      const a = this.active;
      if (a && a.level === 'warning' && this.highSince !== undefined && Math.max(this.highSince + R, a.raisedAt) <= t) {
        this.escalate(Math.max(this.highSince + R, a.raisedAt));
        continue;
      }
      if (a && this.lowFalseSince !== undefined && this.lowFalseSince + this.clearMs <= t) {
        this.clear(this.lowFalseSince + this.clearMs, 'condition-ended');
        continue;
      }
      return;
    }
  }

  private raise(at: number): void {
    const direct = !this.twoLevel || (this.highSince !== undefined && this.highSince + this.raiseMs <= at);
    const level: AlarmLevel = direct ? 'alarm' : 'warning';
    const detectedAt = Math.max(this.sink.now(), at);
    const a: ActiveAlarm = {
      id: this.sink.newId(),
      type: this.type,
      reason: this.reason,
      level,
      enterpriseId: this.enterpriseId,
      subject: this.subject,
      value: this.lastValue,
      peak: max(this.pendingPeak, this.lastValue),
      limit: this.limit(level),
      since: this.lowSince!,
      raisedAt: at,
      escalatedAt: null,
      clearedAt: null,
      clearReason: null,
      detectedAt,
      late: detectedAt > at,
      configRevision: this.sink.revision(),
    };
    this.active = a;
    this.lowFalseSince = undefined;
    emissions++;
    this.sink.emit('raised', at, a);
  }

  private escalate(at: number): void {
    const a = this.active!;
    a.level = 'alarm';
    a.escalatedAt = at;
    a.limit = this.limit('alarm');
    emissions++;
    this.sink.emit('escalated', at, a);
  }

  /** Clears the active alarm at `at`; also used when its subject or limit disappears from the configuration. */
  clear(at: number, reason: ClearReason): void {
    const a = this.active;
    if (!a) return;
    this.touch();
    a.clearedAt = Math.max(at, a.raisedAt);
    a.clearReason = reason;
    this.active = undefined;
    this.lowFalseSince = undefined;
    emissions++;
    this.sink.emit('cleared', a.clearedAt, a);
  }

  /** The next instant this tracker must wake, or undefined. */
  nextWake(t: number): number | undefined {
    let due = Infinity;
    const a = this.active;
    if (!a && this.lowSince !== undefined) due = Math.min(due, this.lowSince + this.raiseMs);
    if (a?.level === 'warning' && this.highSince !== undefined) due = Math.min(due, this.highSince + this.raiseMs);
    if (a && this.lowFalseSince !== undefined) due = Math.min(due, this.lowFalseSince + this.clearMs);
    const change = this.nextChange(t);
    if (change !== undefined && change > t) due = Math.min(due, change);
    return due === Infinity ? undefined : due;
  }

  reschedule(t: number): void {
    const due = this.nextWake(t);
    const timer = this.timer;
    if (timer && !timer.cancelled && timer.due === due) return;
    if (timer && due !== undefined) this.timer = this.sink.reschedule(timer, due);
    else {
      this.cancel();
      if (due !== undefined) this.timer = this.sink.schedule(due, this.domain, this);
    }
  }

  cancel(): void {
    if (this.timer) this.timer.cancelled = true;
    this.timer = undefined;
  }

  /** Idle: nothing active, nothing pending. */
  idle(): boolean {
    return !this.active && this.lowSince === undefined;
  }
}
