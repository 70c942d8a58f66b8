// One builder per rule of SPEC 4's table. Each returns a RuleSpec whose `evaluate` reads the live
// facts at an instant; the Tracker does the debouncing, escalation and clearing for all of them.
import { resolveTiming, type AlarmLevel, type Defaults, type Timing } from '@hazwatch/protocols';
import { alarmKey } from '@hazwatch/protocols';
import type { ClockDomain } from './heap.ts';
import type { GatewayState } from './domains.ts';
import type { EnterpriseFacts, LineFacts, ProductYear, WorkshopFacts } from './facts.ts';
import { attributed, lineHeadcount } from './facts.ts';
import type { WorkshopCalendar } from './calendar.ts';
import { FACT_BYLINE, FACT_HEADCOUNT, FACT_HEADCOUNT_FAULT, FACT_MATERIAL, FACT_PERSONS, FACT_QUANTITY_FAULT, type Evaluation, type RuleSpec } from './tracker.ts';

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

/**
 * Every rule is one class with the same fields: the kind picks the condition in `evaluate` and
 * the facts it reads are fields, not closures (tens of thousands of rules live in a large site:
 * closures and their contexts cost several hundred bytes per rule, a field eight). Trackers read
 * these on every step, and objects of one shape keep those reads fast. Fields a kind does not use
 * hold `undefined` (or 0).
 */
class Rule implements RuleSpec {
  readonly key: string;
  readonly raiseMs: number;
  readonly clearMs: number;
  twoLevel = false;
  deps = ~0;
  ws: WorkshopFacts | undefined = undefined;
  line: LineFacts | undefined = undefined;
  ent: EnterpriseFacts | undefined = undefined;
  wc: WorkshopCalendar | undefined = undefined;
  py: ProductYear | undefined = undefined;
  gw: GatewayState | undefined = undefined;
  /** The line, person or product the condition reads, where it reads one. */
  name = '';
  /** The alarm level's limit (minutes for dwell); `warn` the warning level's where one exists. */
  lim = 0;
  warn: number | undefined = undefined;

  constructor(
    readonly kind: Kind,
    readonly enterpriseId: string,
    readonly subject: RuleSpec['subject'],
    readonly domain: ClockDomain,
    timing: Timing,
  ) {
    this.key = alarmKey({ enterpriseId, type: this.type, reason: this.reason, subject });
    this.raiseMs = timing.raiseAfterSeconds * 1000;
    this.clearMs = timing.clearAfterSeconds * 1000;
  }

  // By kind, not held by each rule (read when an alarm is raised).
  get type(): RuleSpec['type'] {
    return TYPES[this.kind]!;
  }

  get reason(): RuleSpec['reason'] {
    return REASONS[this.kind]!;
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
        const wc = this.wc!;
        const on = occupied(ws) && !wc.inWindow(t) && !wc.inException(t);
        return answer(on, on, ws.knownHeadcount);
      }
      case Kind.ClosedDay: {
        const wc = this.wc!;
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
        return answer(!this.gw!.online, !this.gw!.online, null);
    }
  }

  nextChange(t: number): number | undefined {
    switch (this.kind) {
      case Kind.OutsideHours:
      case Kind.ClosedDay:
        return this.wc!.nextMark(t);
      case Kind.Dwell: {
        const since = this.ws!.persons.get(this.name);
        const maxMs = this.lim * 60_000;
        return since !== undefined && since + maxMs > t ? since + maxMs : undefined;
      }
      // A day's output ends at local midnight (SPEC 4: a period-bound condition).
      case Kind.DayProduction:
        return this.dayTotal(t) > 0 ? this.ent!.cal.day(t).end : undefined;
      case Kind.YearProduction:
        return this.yearTotal(t) > 0 ? this.ent!.cal.nextYearStart(t) : undefined;
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
    return line.day.date === this.ent!.cal.day(t).date ? line.day.total : 0;
  }

  private yearTotal(t: number): number {
    return this.ent!.cal.day(t).year === this.py!.year ? this.py!.total : 0;
  }
}

/** Workshop timing: the workshop's own, then its single line's, then the defaults. */
export function workshopTiming(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, lineId?: string): Timing {
  const lineOf = lineId ?? (ws.cfg.lines.length === 1 ? ws.cfg.lines[0] : undefined);
  return resolveTiming(defaults, ws.cfg, lineOf ? ent.lines.get(lineOf)?.cfg : undefined);
}

export function workshopStaffing(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts): RuleSpec | undefined {
  const limit = ws.cfg.staffingLimit;
  if (limit === undefined) return undefined;
  const r = new Rule(Kind.WorkshopStaffing, ent.cfg.id, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws));
  r.deps = FACT_HEADCOUNT;
  r.ws = ws;
  r.lim = limit;
  return r;
}

export function workshopLineStaffing(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, lineId: string, limit: number): RuleSpec {
  const r = new Rule(Kind.WorkshopLineStaffing, ent.cfg.id, { workshopId: ws.cfg.id, lineId }, ws.domain, workshopTiming(defaults, ent, ws, lineId));
  r.deps = FACT_HEADCOUNT | FACT_BYLINE;
  r.ws = ws;
  r.name = lineId;
  r.lim = limit;
  return r;
}

export function lineStaffing(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts): RuleSpec | undefined {
  const limit = line.cfg.staffingLimit;
  if (limit === undefined) return undefined;
  const r = new Rule(Kind.LineStaffing, ent.cfg.id, { lineId: line.cfg.id }, line.staffingDomain, resolveTiming(defaults, line.cfg));
  r.deps = FACT_HEADCOUNT | FACT_BYLINE;
  r.line = line;
  r.lim = limit;
  return r;
}

export function workshopQuantity(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts): RuleSpec | undefined {
  const limit = ws.cfg.quantityLimitKg;
  if (limit === undefined) return undefined;
  const r = new Rule(Kind.WorkshopQuantity, ent.cfg.id, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws));
  r.deps = FACT_MATERIAL;
  r.twoLevel = ws.cfg.quantityWarnKg !== undefined;
  r.ws = ws;
  r.lim = limit;
  r.warn = ws.cfg.quantityWarnKg;
  return r;
}

/** Persons or explosive inside (last known values). */
function occupied(ws: WorkshopFacts): boolean {
  return ws.knownHeadcount > 0 || ws.knownMaterialKg > 0;
}

export function outsideHours(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, wc: WorkshopCalendar): RuleSpec | undefined {
  if (!wc.hasHours) return undefined;
  const r = new Rule(Kind.OutsideHours, ent.cfg.id, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws));
  r.deps = FACT_HEADCOUNT | FACT_MATERIAL;
  r.ws = ws;
  r.wc = wc;
  return r;
}

export function closedDay(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, wc: WorkshopCalendar): RuleSpec | undefined {
  if (wc.closed.size === 0) return undefined;
  const r = new Rule(Kind.ClosedDay, ent.cfg.id, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws));
  r.deps = FACT_HEADCOUNT | FACT_MATERIAL;
  r.ws = ws;
  r.wc = wc;
  return r;
}

export function dwell(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, personId: string): RuleSpec | undefined {
  const maxMin = ws.cfg.maxDwellMinutes;
  if (maxMin === undefined) return undefined;
  const r = new Rule(Kind.Dwell, ent.cfg.id, { workshopId: ws.cfg.id, personId }, ws.domain, workshopTiming(defaults, ent, ws));
  r.deps = FACT_PERSONS;
  r.ws = ws;
  r.name = personId;
  r.lim = maxMin;
  return r;
}

export function sensorFault(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, which: 'headcount' | 'quantity'): RuleSpec {
  const headcount = which === 'headcount';
  const r = new Rule(headcount ? Kind.HeadcountFault : Kind.QuantityFault, ent.cfg.id, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws));
  r.deps = headcount ? FACT_HEADCOUNT_FAULT : FACT_QUANTITY_FAULT;
  r.ws = ws;
  return r;
}

export function dayProduction(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts): RuleSpec | undefined {
  const cap = line.cfg.capacity;
  if (!cap) return undefined;
  const r = new Rule(Kind.DayProduction, ent.cfg.id, { lineId: line.cfg.id }, line.domain, resolveTiming(defaults, line.cfg));
  r.line = line;
  r.ent = ent;
  r.lim = cap.perDay;
  return r;
}

export function yearProduction(defaults: Defaults, ent: EnterpriseFacts, py: ProductYear, domain: ClockDomain): RuleSpec {
  const { perYear, warnAt, product } = py.licence;
  const r = new Rule(Kind.YearProduction, ent.cfg.id, { product }, domain, resolveTiming(defaults));
  r.twoLevel = warnAt !== undefined;
  r.ent = ent;
  r.py = py;
  r.lim = perYear;
  r.warn = warnAt;
  return r;
}

export function unlicensed(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts, product: string): RuleSpec {
  const r = new Rule(Kind.Unlicensed, ent.cfg.id, { lineId: line.cfg.id, product }, line.domain, resolveTiming(defaults, line.cfg));
  r.line = line;
  r.name = product;
  return r;
}

export function gatewayOffline(defaults: Defaults, ent: EnterpriseFacts, gw: GatewayState, platform: ClockDomain): RuleSpec {
  const r = new Rule(Kind.GatewayOffline, ent.cfg.id, { gatewayId: gw.gatewayId }, platform, resolveTiming(defaults));
  r.gw = gw;
  return r;
}
