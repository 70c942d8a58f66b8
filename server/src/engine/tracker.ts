import type { AlarmLevel, AlarmReason, AlarmSubject, AlarmType, ClearReason } from '@hazwatch/protocols';
import type { ClockDomain, Timer } from './heap.ts';

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
  evaluate(t: number): Evaluation;
  /** The next instant after `t` at which the condition may change with no new input (window edge, midnight). */
  nextChange?(t: number): number | undefined;
  limit(level: AlarmLevel): number | null;
  /** Which workshop facts the condition reads (FACT_* bits); a reading that changes none of them skips the step. */
  deps?: number;
  /** Dynamic trackers (per person, per unlicensed product) are dropped once idle and their subject gone. */
  disposable?: () => boolean;
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
  schedule(due: number, domain: ClockDomain, fire: (due: number) => void): Timer;
  /** `timer` cancelled and one set for `due` with its domain and callback (possibly the same object). */
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
 * A state with every field present, in one order: states are read on every step and every reading,
 * and objects of one shape keep those reads fast (absent and undefined fields mean the same here).
 */
function shaped(s: TrackerState): TrackerState {
  return {
    lastAt: s.lastAt, lowSince: s.lowSince, highSince: s.highSince, lowFalseSince: s.lowFalseSince,
    pendingPeak: s.pendingPeak, lastValue: s.lastValue, active: s.active,
  };
}

/** Earlier than any real instant, and unlike -Infinity it survives JSON. */
export const NEVER = -8.64e15;

const max = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a == null ? (b ?? null) : b == null ? a : Math.max(a, b);

/**
 * One alarm key's state machine (SPEC 4): raise once the condition has held `raiseAfterSeconds`
 * without a break, at that moment; escalate a warning whose alarm condition has held as long; clear
 * once the lowest level's condition has been false `clearAfterSeconds`. Transitions are stamped
 * with the instant they fall due, never with the time the engine happened to notice them.
 */
export class Tracker {
  state: TrackerState;
  private timer: Timer | undefined;
  /** `spec.deps`, every bit when unset; read for each tracker of each reading, so kept on this one class. */
  readonly deps: number;
  /** Its state changed since the engine's state was last saved (incremental saves write only these). */
  unsaved = false;
  /** A save in progress has yet to copy its state (RuleEngine.beginCapture). */
  capturing = false;
  /** The engine's round in which it was last marked as reading changed facts (engine.ts, Round). */
  roundMark = 0;
  /**
   * Shared with the other trackers of its subject: raised to every instant this one moves to, so
   * that a reading at or after it knows without looking that none of them needs rewinding.
   */
  horizon: { at: number } | undefined = undefined;
  /** Its timers' callback (one per tracker, not one per timer). */
  private readonly wake = (due: number): void => this.step(due);
  /** Dropped by the engine (idle, subject gone); a tracker of the same key made later is another. */
  disposed = false;

  constructor(
    public readonly spec: RuleSpec,
    private readonly sink: TransitionSink,
    state?: TrackerState,
  ) {
    this.state = shaped(state ?? { lastAt: NEVER, lastValue: null });
    this.deps = spec.deps ?? ~0;
  }

  get active(): ActiveAlarm | undefined {
    return this.state.active;
  }

  /**
   * The state as it stood after the last step that either followed new facts or emitted a transition.
   * Steps since then were driven by time alone and emitted nothing, so they can be replayed exactly.
   */
  private checkpoint: TrackerCheckpoint | undefined;

  /** What a restart needs to go on exactly: the state, and the checkpoint a delayed reading may rewind to. */
  persisted(): PersistedTracker {
    // Field by field (states all have one shape): a save copies tens of thousands of these at once.
    const s = this.state;
    const active = s.active;
    const c = this.checkpoint;
    const cs = c?.state;
    const cp: TrackerCheckpoint | undefined = c && cs && {
      state: {
        lastAt: cs.lastAt, lowSince: cs.lowSince, highSince: cs.highSince, lowFalseSince: cs.lowFalseSince,
        pendingPeak: cs.pendingPeak, lastValue: cs.lastValue, active: undefined,
      },
      peak: c.peak,
    };
    if (cp && c?.initial !== undefined) cp.initial = c.initial;
    return {
      lastAt: s.lastAt, lowSince: s.lowSince, highSince: s.highSince, lowFalseSince: s.lowFalseSince,
      pendingPeak: s.pendingPeak, lastValue: s.lastValue,
      active: active && { ...active, subject: { ...active.subject } },
      checkpoint: cp,
    };
  }

  /** Before any change to the persisted state. */
  private touch(): void {
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
    this.state = shaped({ lastAt: NEVER, lastValue: null });
    this.timer = undefined;
    this.checkpoint = undefined;
    this.emitted = 0;
    // Not in any save's list: the engine adds it again on its first change (touch).
    this.unsaved = false;
    this.capturing = false;
    this.roundMark = 0;
    this.horizon = undefined;
    this.disposed = false;
  }

  /** Takes over a persisted or carried-over state; the active alarm object is shared with the checkpoint. */
  adopt(p: PersistedTracker | { state: TrackerState; checkpoint: TrackerCheckpoint | undefined }): void {
    this.touch();
    if ('state' in p) {
      this.state = p.state;
      this.checkpoint = p.checkpoint;
      this.extendHorizon();
      return;
    }
    const { checkpoint, ...state } = p;
    this.state = shaped(state);
    this.checkpoint = checkpoint && { ...checkpoint, state: shaped({ ...checkpoint.state, active: state.active }) };
    this.extendHorizon();
  }

  private extendHorizon(): void {
    const h = this.horizon;
    if (h && this.state.lastAt > h.at) h.at = this.state.lastAt;
  }

  /** For a new revision: the live state and checkpoint, handed over as they are. */
  handover(): { state: TrackerState; checkpoint: TrackerCheckpoint | undefined } {
    return { state: this.state, checkpoint: this.checkpoint };
  }

  /** Re-evaluates at `t`: timers due by `t` fire first under the old condition, then the new one applies. */
  step(t: number, facts = false): void {
    this.touch();
    // Before its first step a tracker is idle, and so it was at any earlier instant.
    if (!this.checkpoint && t > this.state.lastAt && this.idle()) {
      const fresh = this.state.lastAt === NEVER;
      this.state.lastAt = t;
      this.saveCheckpoint(fresh);
    }
    const before = this.emitted;
    this.stepAt(t);
    this.reschedule(this.state.lastAt);
    if (facts || this.emitted !== before) this.saveCheckpoint();
    this.extendHorizon();
  }

  /** Takes up its place at `t` (built, restored or reconfigured): its first checkpoint, and its next wake. */
  start(t: number): void {
    this.touch();
    if (!this.checkpoint) {
      const fresh = this.idle() && this.state.lastAt === NEVER;
      if (this.idle() && t > this.state.lastAt) this.state.lastAt = t;
      this.saveCheckpoint(fresh);
    }
    this.reschedule(Math.max(this.state.lastAt, t));
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
    const cp = this.checkpoint;
    if (t >= this.state.lastAt || !cp) return;
    this.touch();
    if (t < cp.state.lastAt) {
      // Before any facts the tracker was idle at every instant: it can start over at `t`.
      if (!cp.initial) return;
      this.state = shaped({ ...cp.state, lastAt: t, active: undefined });
      this.reschedule(t);
      return;
    }
    const active = this.state.active;
    this.state = shaped({ ...cp.state, active });
    if (active) active.peak = cp.peak;
    for (;;) {
      const w = this.nextWake(this.state.lastAt);
      if (w === undefined || w > t) break;
      this.stepAt(w);
    }
    this.reschedule(this.state.lastAt);
  }

  private emitted = 0;

  private saveCheckpoint(initial = false): void {
    const s = this.state;
    const peak = s.active?.peak ?? null;
    const cp = this.checkpoint;
    if (!cp) {
      this.checkpoint = initial ? { state: shaped(s), peak, initial } : { state: shaped(s), peak };
      return;
    }
    // Overwritten in place (a checkpoint is this tracker's alone; `persisted` copies it): one is
    // taken with every reading that changes the tracker's facts, and new ones would all outlive a
    // young-generation collection.
    const c = cp.state;
    c.lastAt = s.lastAt;
    c.lowSince = s.lowSince;
    c.highSince = s.highSince;
    c.lowFalseSince = s.lowFalseSince;
    c.pendingPeak = s.pendingPeak;
    c.lastValue = s.lastValue;
    c.active = s.active;
    cp.peak = peak;
    if (initial) cp.initial = true;
    else if (cp.initial !== undefined) delete cp.initial;
  }

  private stepAt(t: number): void {
    const s = this.state;
    if (t < s.lastAt) t = s.lastAt;
    this.resolve(t);
    s.lastAt = t;
    const ev = this.spec.evaluate(t);
    s.lastValue = ev.value;
    if (ev.low) {
      if (s.lowSince === undefined) {
        s.lowSince = t;
        s.pendingPeak = ev.value;
      } else s.pendingPeak = max(s.pendingPeak, ev.value);
    } else {
      s.lowSince = undefined;
      s.pendingPeak = undefined;
    }
    if (ev.high) s.highSince ??= t;
    else s.highSince = undefined;
    if (s.active) {
      if (ev.value !== null) s.active.peak = max(s.active.peak, ev.value);
      if (!ev.low) s.lowFalseSince ??= t;
      else s.lowFalseSince = undefined;
    }
    this.resolve(t);
  }

  /** Fires every transition due at or before `t`, in time order. */
  private resolve(t: number): void {
    const s = this.state;
    const R = this.spec.raiseMs;
    for (;;) {
      if (!s.active && s.lowSince !== undefined && s.lowSince + R <= t) {
        this.raise(s.lowSince + R);
        continue;
      }
      const a = s.active;
      if (a && a.level === 'warning' && s.highSince !== undefined && Math.max(s.highSince + R, a.raisedAt) <= t) {
        this.escalate(Math.max(s.highSince + R, a.raisedAt));
        continue;
      }
      if (a && s.lowFalseSince !== undefined && s.lowFalseSince + this.spec.clearMs <= t) {
        this.clear(s.lowFalseSince + this.spec.clearMs, 'condition-ended');
        continue;
      }
      return;
    }
  }

  private raise(at: number): void {
    const s = this.state;
    const spec = this.spec;
    const direct = !spec.twoLevel || (s.highSince !== undefined && s.highSince + spec.raiseMs <= at);
    const level: AlarmLevel = direct ? 'alarm' : 'warning';
    const detectedAt = Math.max(this.sink.now(), at);
    s.active = {
      id: this.sink.newId(),
      type: spec.type,
      reason: spec.reason,
      level,
      enterpriseId: spec.enterpriseId,
      subject: spec.subject,
      value: s.lastValue,
      peak: max(s.pendingPeak, s.lastValue),
      limit: spec.limit(level),
      since: s.lowSince!,
      raisedAt: at,
      escalatedAt: null,
      clearedAt: null,
      clearReason: null,
      detectedAt,
      late: detectedAt > at,
      configRevision: this.sink.revision(),
    };
    s.lowFalseSince = undefined;
    this.emitted++;
    this.sink.emit('raised', at, s.active);
  }

  private escalate(at: number): void {
    const a = this.state.active!;
    a.level = 'alarm';
    a.escalatedAt = at;
    a.limit = this.spec.limit('alarm');
    this.emitted++;
    this.sink.emit('escalated', at, a);
  }

  /** Clears the active alarm at `at`; also used when its subject or limit disappears from the configuration. */
  clear(at: number, reason: ClearReason): void {
    const s = this.state;
    const a = s.active;
    if (!a) return;
    this.touch();
    a.clearedAt = Math.max(at, a.raisedAt);
    a.clearReason = reason;
    s.active = undefined;
    s.lowFalseSince = undefined;
    this.emitted++;
    this.sink.emit('cleared', a.clearedAt, a);
  }

  /** The next instant this tracker must wake, or undefined. */
  nextWake(t: number): number | undefined {
    const s = this.state;
    let due = Infinity;
    if (!s.active && s.lowSince !== undefined) due = Math.min(due, s.lowSince + this.spec.raiseMs);
    if (s.active?.level === 'warning' && s.highSince !== undefined) due = Math.min(due, s.highSince + this.spec.raiseMs);
    if (s.active && s.lowFalseSince !== undefined) due = Math.min(due, s.lowFalseSince + this.spec.clearMs);
    const change = this.spec.nextChange?.(t);
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
      if (due !== undefined) this.timer = this.sink.schedule(due, this.spec.domain, this.wake);
    }
  }

  cancel(): void {
    if (this.timer) this.timer.cancelled = true;
    this.timer = undefined;
  }

  /** Idle: nothing active, nothing pending. */
  idle(): boolean {
    const s = this.state;
    return !s.active && s.lowSince === undefined;
  }
}
