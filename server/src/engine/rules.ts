// One builder per rule of SPEC 4's table. Each returns a RuleSpec whose `evaluate` reads the live
// facts at an instant; the Tracker does the debouncing, escalation and clearing for all of them.
import { resolveTiming, type Defaults, type Timing } from '@hazwatch/protocols';
import { alarmKey } from '@hazwatch/protocols';
import type { ClockDomain } from './heap.ts';
import type { GatewayState } from './domains.ts';
import type { EnterpriseFacts, LineFacts, ProductYear, WorkshopFacts } from './facts.ts';
import { attributed, lineHeadcount } from './facts.ts';
import type { WorkshopCalendar } from './calendar.ts';
import { FACT_BYLINE, FACT_HEADCOUNT, FACT_HEADCOUNT_FAULT, FACT_MATERIAL, FACT_PERSONS, FACT_QUANTITY_FAULT, type RuleSpec } from './tracker.ts';

type Base = Pick<RuleSpec, 'key' | 'enterpriseId' | 'type' | 'reason' | 'subject' | 'domain' | 'raiseMs' | 'clearMs'>;

function base(
  enterpriseId: string,
  type: RuleSpec['type'],
  reason: RuleSpec['reason'],
  subject: RuleSpec['subject'],
  domain: ClockDomain,
  timing: Timing,
): Base {
  return {
    key: alarmKey({ enterpriseId, type, reason, subject }),
    enterpriseId,
    type,
    reason,
    subject,
    domain,
    raiseMs: timing.raiseAfterSeconds * 1000,
    clearMs: timing.clearAfterSeconds * 1000,
  };
}

type Rest = Pick<RuleSpec, 'twoLevel' | 'evaluate' | 'nextChange' | 'limit' | 'deps' | 'disposable'>;

/**
 * Every spec with the same fields in the same order: trackers read them on every step, and objects
 * of one shape keep those reads fast. Built field by field, not by spreading: a spread object with
 * fields added after it is a costly kind of object to make, and per-person specs are made while
 * readings flow (engine.ts, dwellTracker).
 */
function uniform(b: Base, r: Rest): RuleSpec {
  return {
    key: b.key, enterpriseId: b.enterpriseId, type: b.type, reason: b.reason, subject: b.subject, domain: b.domain,
    raiseMs: b.raiseMs, clearMs: b.clearMs, twoLevel: r.twoLevel, evaluate: r.evaluate, nextChange: r.nextChange,
    limit: r.limit, deps: r.deps, disposable: r.disposable,
  };
}

/** Workshop timing: the workshop's own, then its single line's, then the defaults. */
export function workshopTiming(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, lineId?: string): Timing {
  const lineOf = lineId ?? (ws.cfg.lines.length === 1 ? ws.cfg.lines[0] : undefined);
  return resolveTiming(defaults, ws.cfg, lineOf ? ent.lines.get(lineOf)?.cfg : undefined);
}

export function workshopStaffing(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts): RuleSpec | undefined {
  const limit = ws.cfg.staffingLimit;
  if (limit === undefined) return undefined;
  return uniform(base(ent.cfg.id, 'over-staffing', null, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws)), {
    deps: FACT_HEADCOUNT,
    twoLevel: false,
    evaluate: () => ({ low: ws.knownHeadcount > limit, high: ws.knownHeadcount > limit, value: ws.knownHeadcount }),
    limit: () => limit,
  });
}

export function workshopLineStaffing(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, lineId: string, limit: number): RuleSpec {
  return uniform(base(ent.cfg.id, 'over-staffing', null, { workshopId: ws.cfg.id, lineId }, ws.domain, workshopTiming(defaults, ent, ws, lineId)), {
    deps: FACT_HEADCOUNT | FACT_BYLINE,
    twoLevel: false,
    evaluate: () => {
      const n = attributed(ws, lineId);
      return { low: n > limit, high: n > limit, value: n };
    },
    limit: () => limit,
  });
}

export function lineStaffing(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts): RuleSpec | undefined {
  const limit = line.cfg.staffingLimit;
  if (limit === undefined) return undefined;
  return uniform(base(ent.cfg.id, 'over-staffing', null, { lineId: line.cfg.id }, line.staffingDomain, resolveTiming(defaults, line.cfg)), {
    deps: FACT_HEADCOUNT | FACT_BYLINE,
    twoLevel: false,
    evaluate: () => {
      const n = lineHeadcount(line);
      return { low: n > limit, high: n > limit, value: n };
    },
    limit: () => limit,
  });
}

export function workshopQuantity(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts): RuleSpec | undefined {
  const limit = ws.cfg.quantityLimitKg;
  if (limit === undefined) return undefined;
  const warn = ws.cfg.quantityWarnKg;
  return uniform(base(ent.cfg.id, 'over-quantity', null, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws)), {
    deps: FACT_MATERIAL,
    twoLevel: warn !== undefined,
    evaluate: () => {
      const kg = ws.knownMaterialKg;
      return { low: kg > (warn ?? limit), high: kg > limit, value: kg };
    },
    limit: (level) => (level === 'warning' ? (warn ?? limit) : limit),
  });
}

/** Persons or explosive inside (last known values). */
function occupied(ws: WorkshopFacts): boolean {
  return ws.knownHeadcount > 0 || ws.knownMaterialKg > 0;
}

export function outsideHours(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, wc: WorkshopCalendar): RuleSpec | undefined {
  if (!wc.hasHours) return undefined;
  return uniform(base(ent.cfg.id, 'over-time', 'outside-hours', { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws)), {
    deps: FACT_HEADCOUNT | FACT_MATERIAL,
    twoLevel: false,
    evaluate: (t) => {
      const on = occupied(ws) && !wc.inWindow(t) && !wc.inException(t);
      return { low: on, high: on, value: ws.knownHeadcount };
    },
    nextChange: (t) => wc.nextMark(t),
    limit: () => null,
  });
}

export function closedDay(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, wc: WorkshopCalendar): RuleSpec | undefined {
  if (wc.closed.size === 0) return undefined;
  return uniform(base(ent.cfg.id, 'over-time', 'closed-day', { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws)), {
    deps: FACT_HEADCOUNT | FACT_MATERIAL,
    twoLevel: false,
    evaluate: (t) => {
      const on = occupied(ws) && wc.isClosed(t) && !wc.inException(t);
      return { low: on, high: on, value: ws.knownHeadcount };
    },
    nextChange: (t) => wc.nextMark(t),
    limit: () => null,
  });
}

export function dwell(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, personId: string): RuleSpec | undefined {
  const maxMin = ws.cfg.maxDwellMinutes;
  if (maxMin === undefined) return undefined;
  const maxMs = maxMin * 60_000;
  return uniform(base(ent.cfg.id, 'over-time', 'dwell', { workshopId: ws.cfg.id, personId }, ws.domain, workshopTiming(defaults, ent, ws)), {
    deps: FACT_PERSONS,
    twoLevel: false,
    evaluate: (t) => {
      const since = ws.persons.get(personId);
      if (since === undefined) return { low: false, high: false, value: null };
      // Over the limit from entry + limit on (a timer wakes the tracker then). A person first listed
      // after that is over from the reading on: between readings the list holds (zero-order hold).
      const on = t >= since + maxMs;
      return { low: on, high: on, value: Math.floor((t - since) / 60_000) };
    },
    nextChange: (t) => {
      const since = ws.persons.get(personId);
      return since !== undefined && since + maxMs > t ? since + maxMs : undefined;
    },
    limit: () => maxMin,
    disposable: () => !ws.persons.has(personId),
  });
}

export function sensorFault(defaults: Defaults, ent: EnterpriseFacts, ws: WorkshopFacts, which: 'headcount' | 'quantity'): RuleSpec {
  const reason = which === 'headcount' ? 'headcount-unknown' : 'quantity-unknown';
  return uniform(base(ent.cfg.id, 'sensor-fault', reason, { workshopId: ws.cfg.id }, ws.domain, workshopTiming(defaults, ent, ws)), {
    deps: which === 'headcount' ? FACT_HEADCOUNT_FAULT : FACT_QUANTITY_FAULT,
    twoLevel: false,
    evaluate: () => {
      // Only a reading that reports `null` is a fault; a reading that leaves the value out says nothing.
      const unknown = which === 'headcount' ? ws.headcountFault : ws.quantityFault;
      return { low: unknown, high: unknown, value: null };
    },
    limit: () => null,
  });
}

export function dayProduction(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts): RuleSpec | undefined {
  const cap = line.cfg.capacity;
  if (!cap) return undefined;
  const total = (t: number) => (line.day.date === ent.cal.day(t).date ? line.day.total : 0);
  return uniform(base(ent.cfg.id, 'over-production', 'day', { lineId: line.cfg.id }, line.domain, resolveTiming(defaults, line.cfg)), {
    twoLevel: false,
    evaluate: (t) => {
      const v = total(t);
      return { low: v > cap.perDay, high: v > cap.perDay, value: v };
    },
    // A day's output ends at local midnight (SPEC 4: a period-bound condition).
    nextChange: (t) => (total(t) > 0 ? ent.cal.day(t).end : undefined),
    limit: () => cap.perDay,
  });
}

export function yearProduction(defaults: Defaults, ent: EnterpriseFacts, py: ProductYear, domain: ClockDomain): RuleSpec {
  const { perYear, warnAt, product } = py.licence;
  const total = (t: number) => (ent.cal.day(t).year === py.year ? py.total : 0);
  return uniform(base(ent.cfg.id, 'over-production', 'year', { product }, domain, resolveTiming(defaults)), {
    twoLevel: warnAt !== undefined,
    evaluate: (t) => {
      const v = total(t);
      return { low: v > (warnAt ?? perYear), high: v > perYear, value: v };
    },
    nextChange: (t) => (total(t) > 0 ? ent.cal.nextYearStart(t) : undefined),
    limit: (level) => (level === 'warning' ? (warnAt ?? perYear) : perYear),
  });
}

export function unlicensed(defaults: Defaults, ent: EnterpriseFacts, line: LineFacts, product: string): RuleSpec {
  return uniform(base(ent.cfg.id, 'over-production', 'unlicensed', { lineId: line.cfg.id, product }, line.domain, resolveTiming(defaults, line.cfg)), {
    twoLevel: false,
    evaluate: () => {
      const inc = line.lastIncrement.get(product) ?? 0;
      return { low: inc > 0, high: inc > 0, value: inc };
    },
    limit: () => null,
    disposable: () => (line.lastIncrement.get(product) ?? 0) === 0,
  });
}

export function gatewayOffline(defaults: Defaults, ent: EnterpriseFacts, gw: GatewayState, platform: ClockDomain): RuleSpec {
  return uniform(base(ent.cfg.id, 'gateway-offline', null, { gatewayId: gw.gatewayId }, platform, resolveTiming(defaults)), {
    twoLevel: false,
    evaluate: () => ({ low: !gw.online, high: !gw.online, value: null }),
    limit: () => null,
  });
}
