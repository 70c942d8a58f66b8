// One builder per rule of SPEC 4's table. Each returns the rule's tracker: a RuleSpec whose `evaluate`
// reads the live facts at an instant, and the Tracker it extends does the debouncing, escalation and
// clearing for all of them.
import { resolveTiming, type AlarmLevel, type Defaults, type Timing } from '@hazwatch/protocols';
import { alarmKey } from '@hazwatch/protocols';
import type { ClockDomain } from './heap.ts';
import type { GatewayState } from './domains.ts';
import type { EnterpriseFacts, LineFacts, ProductYear, WorkshopFacts } from './facts.ts';
import { attributed, lineHeadcount } from './facts.ts';
import type { WorkshopCalendar } from './calendar.ts';
import { FACT_BYLINE, FACT_HEADCOUNT, FACT_HEADCOUNT_FAULT, FACT_MATERIAL, FACT_PERSONS, FACT_QUANTITY_FAULT, Tracker, type Evaluation, type Horizon, type RuleSpec, type TransitionSink } from './tracker.ts';

/** The rules of SPEC 4's table, one number each (Rule.kind). */
const enum Kind {
  WorkshopStaffing,
  WorkshopLineStaffing,
  LineStaffing,
  WorkshopQuantity,
  OutsideHours,
  ClosedDay,
  Dwell,
  HeadcountFault,
  QuantityFault,
  DayProduction,
  YearProduction,
  Unlicensed,
  GatewayOffline,
}

/** Each kind's alarm type and reason (Rule.type, Rule.reason), in `Kind` order. */
const TYPES: RuleSpec['type'][] = [
  'over-staffing', 'over-staffing', 'over-staffing', 'over-quantity', 'over-time', 'over-time', 'over-time',
  'sensor-fault', 'sensor-fault', 'over-production', 'over-production', 'over-production', 'gateway-offline',
];
const REASONS: RuleSpec['reason'][] = [
  null, null, null, null, 'outside-hours', 'closed-day', 'dwell',
  'headcount-unknown', 'quantity-unknown', 'day', 'year', 'unlicensed', null,
];

/**
 * `evaluate`'s answer, one object for all rules: a tracker reads it at once and asks for no other
 * evaluation meanwhile (Tracker.stepAt), and a step per reading allocates nothing for it.
 */
const EV: Evaluation = { low: false, high: false, value: null };

function answer(low: boolean, high: boolean, value: number | null): Evaluation {
  EV.low = low;
  EV.high = high;
  EV.value = value;
  return EV;
}

/** Each kind's FACT_* dependencies (Rule.deps), in `Kind` order; ~0 for those read on every reading of their scope. */
const DEPS: number[] = [
  FACT_HEADCOUNT, FACT_HEADCOUNT | FACT_BYLINE, FACT_HEADCOUNT | FACT_BYLINE, FACT_MATERIAL, FACT_HEADCOUNT | FACT_MATERIAL,
  FACT_HEADCOUNT | FACT_MATERIAL, FACT_PERSONS, FACT_HEADCOUNT_FAULT, FACT_QUANTITY_FAULT, ~0, ~0, ~0, ~0,
];

/**
 * What a rule shares with every rule of its kind with the same timing and limits: one object for
 * them all (most of an enterprise's workshops have the same), held by each rule instead of a copy
 * of its numbers. Interned per enterprise (`EnterpriseFacts.ruleParams`).
 */
export class RuleParams {
  constructor(
    readonly kind: Kind,
    readonly raiseMs: number,
    readonly clearMs: number,
    /** The alarm level's limit (minutes for dwell); `warn` the warning level's where one exists. */
    readonly lim: number,
    readonly warn: number | undefined,
    /** The engine the rules' trackers report to (RuleSpec.sink): shared here rather than held by each. */
    readonly sink: TransitionSink,
  ) {}
}

function paramsOf(ent: EnterpriseFacts, kind: Kind, timing: Timing, lim = 0, warn: number | undefined = undefined): RuleParams {
  const raiseMs = timing.raiseAfterSeconds * 1000;
  const clearMs = timing.clearAfterSeconds * 1000;
  const k = `${kind}|${raiseMs}|${clearMs}|${lim}|${warn}`;
  let p = ent.ruleParams.get(k);
  if (!p) ent.ruleParams.set(k, (p = new RuleParams(kind, raiseMs, clearMs, lim, warn, ent.sink)));
  return p;
}

/**
 * A rule, and its tracker (Tracker: the state it debounces; one object for both, as there is one
 * tracker per rule instance, and tens of thousands in a large site).
 *
 * Every rule is one class with the same fields: the kind picks the condition in `evaluate` and
 * the facts it reads are fields, not closures (tens of thousands of rules live in a large site:
 * closures and their contexts cost several hundred bytes per rule, a field eight). Trackers read
 * these on every step, and objects of one shape keep those reads fast. Fields a kind does not use
 * hold `undefined` (or ''). What follows from the kind and the facts (key, type, reason, subject,
 * enterprise, clock, dependencies) is computed when asked for, not held by each of them: the
 * subject is read when an alarm is raised, the key when a state is saved or a tracker looked up
 * by it, the others when the engine is built. Its kind, timing and limits are shared (RuleParams).
 */
class Rule extends Tracker implements RuleSpec {
  constructor(
    private readonly p: RuleParams,
    /** The workshop or line whose facts the condition reads, where it reads one (`ws`, `line`). */
    private readonly scope: WorkshopFacts | LineFacts | undefined,
    /** By kind: the workshop's calendar, the enterprise, the product's year, or the gateway (`wc`, `ent`, `py`, `gw`). */
    private readonly other: WorkshopCalendar | EnterpriseFacts | ProductYear | GatewayState | undefined,
    /** The line, person or product the condition reads, where it reads one. */
    readonly name: string,
  ) {
    super();
  }

  get kind(): Kind {
    return this.p.kind;
  }

  get sink(): TransitionSink {
    return this.p.sink;
  }

  get raiseMs(): number {
    return this.p.raiseMs;
  }

  get clearMs(): number {
    return this.p.clearMs;
  }

  private get lim(): number {
    return this.p.lim;
  }

  private get warn(): number | undefined {
    return this.p.warn;
  }

  /** The alarm key (protocols' alarmKey), made when asked for: a large site has tens of thousands. */
  get key(): string {
    return alarmKey({ enterpriseId: this.enterpriseId, type: this.type, reason: this.reason, subject: this.subject });
  }

  private get ws(): WorkshopFacts | undefined {
    return this.scope as WorkshopFacts | undefined;
  }

  private get line(): LineFacts | undefined {
    return this.scope as LineFacts | undefined;
  }

  /** Day production's enterprise; yearly production's is its year's. */
  private get ent(): EnterpriseFacts {
    return this.kind === Kind.YearProduction ? this.py.ent! : (this.other as EnterpriseFacts);
  }

  private get wc(): WorkshopCalendar {
    return this.other as WorkshopCalendar;
  }

  private get py(): ProductYear {
    return this.other as ProductYear;
  }

  private get gw(): GatewayState {
    return this.other as GatewayState;
  }

  // By kind, not held by each rule (read when an alarm is raised).
  get type(): RuleSpec['type'] {
    return TYPES[this.kind]!;
  }

  get reason(): RuleSpec['reason'] {
    return REASONS[this.kind]!;
  }

  get deps(): number {
    return DEPS[this.kind]!;
  }

  /** Only quantity and yearly production have a warning level, and then only with a warning limit. */
  get twoLevel(): boolean {
    return this.warn !== undefined;
  }

  get enterpriseId(): string {
    switch (this.kind) {
      case Kind.LineStaffing:
      case Kind.DayProduction:
      case Kind.Unlicensed:
        return this.line!.enterpriseId;
      case Kind.YearProduction:
        return this.ent.cfg.id;
      case Kind.GatewayOffline:
        return this.gw.enterpriseId;
      default:
        return this.ws!.enterpriseId;
    }
  }

  /** A new object at each call (an alarm raised takes it as its own); keys in the order SPEC's records list them. */
  get subject(): RuleSpec['subject'] {
    switch (this.kind) {
      case Kind.WorkshopLineStaffing:
        return { workshopId: this.ws!.cfg.id, lineId: this.name };
      case Kind.LineStaffing:
      case Kind.DayProduction:
        return { lineId: this.line!.cfg.id };
      case Kind.Dwell:
        return { workshopId: this.ws!.cfg.id, personId: this.name };
      case Kind.YearProduction:
        return { product: this.py.licence.product };
      case Kind.Unlicensed:
        return { lineId: this.line!.cfg.id, product: this.name };
      case Kind.GatewayOffline:
        return { gatewayId: this.gw.gatewayId };
      default:
        return { workshopId: this.ws!.cfg.id };
    }
  }

  /** The facts whose `horizonSec` bounds this rule's tracker (Tracker.extendHorizon): its workshop's, or its line's staffing. */
  get horizon(): Horizon | undefined {
    switch (this.kind) {
      case Kind.LineStaffing:
        return this.line;
      case Kind.DayProduction:
      case Kind.YearProduction:
      case Kind.Unlicensed:
      case Kind.GatewayOffline:
        return undefined;
      default:
        return this.ws;
    }
  }

  get domain(): ClockDomain {
    switch (this.kind) {
      case Kind.LineStaffing:
        return this.line!.staffingDomain;
      case Kind.DayProduction:
      case Kind.Unlicensed:
        return this.line!.domain;
      case Kind.YearProduction:
        return this.py.domain!;
      case Kind.GatewayOffline:
        return this.gw.alarmDomain!;
      default:
        return this.ws!.domain;
    }
  }

  evaluate(t: number): Evaluation {
    const ws = this.ws!;
    switch (this.kind) {
      case Kind.WorkshopStaffing:
        return answer(ws.knownHeadcount > this.lim, ws.knownHeadcount > this.lim, ws.knownHeadcount);
      case Kind.WorkshopLineStaffing: {
        const n = attributed(ws, this.name);
        return answer(n > this.lim, n > this.lim, n);
      }
      case Kind.LineStaffing: {
        const n = lineHeadcount(this.line!);
        return answer(n > this.lim, n > this.lim, n);
      }
      case Kind.WorkshopQuantity: {
        const kg = ws.knownMaterialKg;
        return answer(kg > (this.warn ?? this.lim), kg > this.lim, kg);
      }
      case Kind.OutsideHours: {
        const wc = this.wc;
        const on = occupied(ws) && !wc.inWindow(t) && !wc.inException(t);
        return answer(on, on, ws.knownHeadcount);
      }
      case Kind.ClosedDay: {
        const wc = this.wc;
        const on = occupied(ws) && wc.isClosed(t) && !wc.inException(t);
        return answer(on, on, ws.knownHeadcount);
      }
      case Kind.Dwell: {
        const since = ws.persons.get(this.name);
        if (since === undefined) return answer(false, false, null);
        // Over the limit from entry + limit on (a timer wakes the tracker then). A person first listed
        // after that is over from the reading on: between readings the list holds (zero-order hold).
        const on = t >= since + this.lim * 60_000;
        return answer(on, on, Math.floor((t - since) / 60_000));
      }
      case Kind.HeadcountFault:
        // Only a reading that reports `null` is a fault; a reading that leaves the value out says nothing.
        return answer(ws.headcountFault, ws.headcountFault, null);
      case Kind.QuantityFault:
        return answer(ws.quantityFault, ws.quantityFault, null);
      case Kind.DayProduction: {
        const v = this.dayTotal(t);
        return answer(v > this.lim, v > this.lim, v);
      }
      case Kind.YearProduction: {
        const v = this.yearTotal(t);
        return answer(v > (this.warn ?? this.lim), v > this.lim, v);
      }
      case Kind.Unlicensed: {
        const inc = this.line!.lastIncrement.get(this.name) ?? 0;
        return answer(inc > 0, inc > 0, inc);
      }
      case Kind.GatewayOffline:
        return answer(!this.gw.online, !this.gw.online, null);
    }
  }

  nextChange(t: number): number | undefined {
    switch (this.kind) {
      case Kind.OutsideHours:
      case Kind.ClosedDay:
        return this.wc.nextMark(t);
      case Kind.Dwell: {
        const since = this.ws!.persons.get(this.name);
        const maxMs = this.lim * 60_000;
        return since !== undefined && since + maxMs > t ? since + maxMs : undefined;
      }
      // A day's output ends at local midnight (SPEC 4: a period-bound condition).
      case Kind.DayProduction:
        return this.dayTotal(t) > 0 ? this.ent.cal.day(t).end : undefined;
      case Kind.YearProduction:
        return this.yearTotal(t) > 0 ? this.ent.cal.nextYearStart(t) : undefined;
      default:
        return undefined;
    }
  }

  limit(level: AlarmLevel): number | null {
    switch (this.kind) {
      case Kind.WorkshopStaffing:
      case Kind.WorkshopLineStaffing:
      case Kind.LineStaffing:
      case Kind.Dwell:
      case Kind.DayProduction:
        return this.lim;
      case Kind.WorkshopQuantity:
      case Kind.YearProduction:
        return level === 'warning' ? (this.warn ?? this.lim) : this.lim;
      default:
        return null;
    }
  }

  disposable(): boolean {
    if (this.kind === Kind.Dwell) return !this.ws!.persons.has(this.name);
    if (this.kind === Kind.Unlicensed) return (this.line!.lastIncrement.get(this.name) ?? 0) === 0;
    return false;
  }

  private dayTotal(t: number): number {
    const line = this.line!;
    return line.day.date === this.ent.cal.day(t).date ? line.day.total : 0;
  }

  private yearTotal(t: number): number {
    return this.ent.cal.day(t).year === this.py.year ? this.py.total : 0;
  }
}

/** Workshop timing: the workshop's own, then its single line's, then the defaults. */
export function workshopTiming(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, lineId?: string): Timing {
  const lineOf = lineId ?? (ws.cfg.lines.length === 1 ? ws.cfg.lines[0] : undefined);
  return resolveTiming(defaults, ws.cfg, lineOf ? ent.lines.get(lineOf)?.cfg : undefined);
}

export function workshopStaffing(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts): Tracker | undefined {
  const limit = ws.cfg.staffingLimit;
  if (limit === undefined) return undefined;
  return new Rule(paramsOf(ent, Kind.WorkshopStaffing, workshopTiming(defaults, ent, ws), limit), ws, undefined, '');
}

export function workshopLineStaffing(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, lineId: string, limit: number): Tracker {
  return new Rule(paramsOf(ent, Kind.WorkshopLineStaffing, workshopTiming(defaults, ent, ws, lineId), limit), ws, undefined, lineId);
}

export function lineStaffing(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts): Tracker | undefined {
  const limit = line.cfg.staffingLimit;
  if (limit === undefined) return undefined;
  return new Rule(paramsOf(ent, Kind.LineStaffing, resolveTiming(defaults, line.cfg), limit), line, undefined, '');
}

export function workshopQuantity(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts): Tracker | undefined {
  const limit = ws.cfg.quantityLimitKg;
  if (limit === undefined) return undefined;
  return new Rule(paramsOf(ent, Kind.WorkshopQuantity, workshopTiming(defaults, ent, ws), limit, ws.cfg.quantityWarnKg), ws, undefined, '');
}

/** Persons or explosive inside (last known values). */
function occupied(ws: WorkshopFacts): boolean {
  return ws.knownHeadcount > 0 || ws.knownMaterialKg > 0;
}

export function outsideHours(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, wc: WorkshopCalendar): Tracker | undefined {
  if (!wc.hasHours) return undefined;
  return new Rule(paramsOf(ent, Kind.OutsideHours, workshopTiming(defaults, ent, ws)), ws, wc, '');
}

export function closedDay(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, wc: WorkshopCalendar): Tracker | undefined {
  if (wc.closed.size === 0) return undefined;
  return new Rule(paramsOf(ent, Kind.ClosedDay, workshopTiming(defaults, ent, ws)), ws, wc, '');
}

export function dwell(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, personId: string): Tracker | undefined {
  const maxMin = ws.cfg.maxDwellMinutes;
  if (maxMin === undefined) return undefined;
  return new Rule(paramsOf(ent, Kind.Dwell, workshopTiming(defaults, ent, ws), maxMin), ws, undefined, personId);
}

export function sensorFault(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, which: 'headcount' | 'quantity'): Tracker {
  return new Rule(paramsOf(ent, which === 'headcount' ? Kind.HeadcountFault : Kind.QuantityFault, workshopTiming(defaults, ent, ws)), ws, undefined, '');
}

export function dayProduction(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts): Tracker | undefined {
  const cap = line.cfg.capacity;
  if (!cap) return undefined;
  return new Rule(paramsOf(ent, Kind.DayProduction, resolveTiming(defaults, line.cfg), cap.perDay), line, ent, '');
}

/** `py.domain` is the product's clock and `py.ent` its enterprise (set before). */
export function yearProduction(defaults: Defaults, ent: EnterpriseFacts, py: ProductYear): Tracker {
  const { perYear, warnAt } = py.licence;
  return new Rule(paramsOf(ent, Kind.YearProduction, resolveTiming(defaults), perYear, warnAt), undefined, py, '');
}

export function unlicensed(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts, product: string): Tracker {
  return new Rule(paramsOf(ent, Kind.Unlicensed, resolveTiming(defaults, line.cfg)), line, undefined, product);
}

/** `gw.alarmDomain` is the clock its alarm runs on (set before). */
export function gatewayOffline(defaults: Defaults, ent: EnterpriseFacts, gw: GatewayState): Tracker {
  return new Rule(paramsOf(ent, Kind.GatewayOffline, resolveTiming(defaults)), undefined, gw, '');
}
