import type { z } from 'zod';
import type { CalendarException, Enterprise, Equipment, Gateway, LicensedProduct, Line, SiteConfigShape, Workshop } from './site.ts';
import { clockMinutes } from './time.ts';
import { ALARMS_LEVEL } from './topics.ts';

export type Issue = { path: (string | number)[]; message: string };

/**
 * A list of the configuration as far as it validated: an item that failed its own shape is `undefined`
 * (its problems are reported by the shape), but the id it names still counts as existing, so that a
 * typo in one workshop's limit does not make every reference to that workshop an error too.
 */
export type Slots<T> = {
  items: (T | undefined)[];
  /** The id each item names, valid or not; `undefined` where it names none. */
  ids: (string | undefined)[];
  /** `null` when the list itself is unreadable: references into it cannot be checked. */
  known: Set<string> | null;
};

/** An enterprise as far as it validated, for cross-reference checks that run beside shape problems. */
export type EnterpriseView = {
  id: string | undefined;
  lines: Slots<Line>;
  workshops: Slots<Workshop>;
  gateways: Slots<Gateway>;
  equipment: Slots<Equipment>;
  products: Slots<LicensedProduct>;
  exceptions: Slots<CalendarException>;
};

/** SPEC 2: `hazwatch/v1/{enterpriseId}/alarms/{alarmId}` shares its level with gateway ids. */
export const RESERVED_GATEWAY_IDS: readonly string[] = [ALARMS_LEVEL];

export function slotsOf<T>(items: readonly T[], idOf: (t: T) => string | undefined): Slots<T> {
  const ids = items.map(idOf);
  return { items: [...items], ids, known: new Set(ids.filter((i): i is string => i !== undefined)) };
}

export function viewOfEnterprise(e: Enterprise): EnterpriseView {
  return {
    id: e.id,
    lines: slotsOf(e.lines, (l) => l.id),
    workshops: slotsOf(e.workshops, (w) => w.id),
    gateways: slotsOf(e.gateways, (g) => g.id),
    equipment: slotsOf(e.equipment, (q) => q.id),
    products: slotsOf(e.licence?.products ?? [], (p) => p.product),
    exceptions: slotsOf(e.calendar?.exceptions ?? [], () => undefined),
  };
}

/** Every cross-reference of SPEC 3 over a whole, validated site. */
export function crossReferenceIssues(site: z.output<typeof SiteConfigShape>): Issue[] {
  return [
    ...duplicateIds(site.enterprises.map((e) => e.id), ['enterprises'], 'enterprise'),
    ...site.enterprises.flatMap((e, ei) => enterpriseIssues(viewOfEnterprise(e), ei)),
  ];
}

export function duplicateIds(ids: readonly (string | undefined)[], base: (string | number)[], what: string, key = 'id'): Issue[] {
  const issues: Issue[] = [];
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    if (id === undefined) return;
    const first = seen.get(id);
    if (first !== undefined) issues.push({ path: [...base, i, key], message: `${what} id "${id}" is used twice (also at index ${first})` });
    else seen.set(id, i);
  });
  return issues;
}

/** The cross-reference checks of one enterprise; `ei` is its index in the document, for paths. */
export function enterpriseIssues(e: EnterpriseView, ei: number): Issue[] {
  const issues: Issue[] = [];
  const at = (...p: (string | number)[]) => ['enterprises', ei, ...p];
  const add = (path: (string | number)[], message: string) => issues.push({ path, message });
  const name = e.id ?? `#${ei}`;
  const missing = (known: Set<string> | null, id: string) => known !== null && !known.has(id);

  issues.push(
    ...duplicateIds(e.lines.ids, at('lines'), 'line'),
    ...duplicateIds(e.workshops.ids, at('workshops'), 'workshop'),
    ...duplicateIds(e.gateways.ids, at('gateways'), 'gateway'),
    ...duplicateIds(e.equipment.ids, at('equipment'), 'equipment'),
    ...duplicateIds(e.products.ids, at('licence', 'products'), 'licensed product', 'product'),
  );

  e.workshops.items.forEach((w, wi) => {
    if (!w) return;
    const where = (...p: (string | number)[]) => at('workshops', wi, ...p);
    const seenLines = new Set<string>();
    w.lines.forEach((l, li) => {
      if (missing(e.lines.known, l)) add(where('lines', li), `names line "${l}", which enterprise ${name} does not have`);
      if (seenLines.has(l)) add(where('lines', li), `lists line "${l}" twice`);
      seenLines.add(l);
    });
    for (const l of Object.keys(w.lineStaffingLimits)) {
      if (!w.lines.includes(l)) add(where('lineStaffingLimits', l), `sets a limit for line "${l}", which workshop ${w.id} does not serve (its lines: ${w.lines.join(', ') || 'none'})`);
    }
    if (w.quantityWarnKg !== undefined && w.quantityLimitKg === undefined) {
      add(where('quantityWarnKg'), 'is set but quantityLimitKg is not: a warning level needs the limit it warns of');
    }
    if (w.quantityWarnKg !== undefined && w.quantityLimitKg !== undefined && w.quantityWarnKg >= w.quantityLimitKg) {
      add(where('quantityWarnKg'), `(${w.quantityWarnKg} kg) must be below quantityLimitKg (${w.quantityLimitKg} kg)`);
    }
    w.operatingHours?.forEach((win, oi) => {
      if (win.from === '24:00') add(where('operatingHours', oi, 'from'), 'must be a start time from 00:00 to 23:59; 24:00 is only an end');
      else if (clockMinutes(win.from) === clockMinutes(win.to)) {
        add(where('operatingHours', oi), `from and to are both ${win.from}; write from "00:00" to "24:00" for a whole day`);
      }
      const days = new Set<string>();
      win.days.forEach((d, di) => {
        if (days.has(d)) add(where('operatingHours', oi, 'days', di), `lists ${d} twice`);
        days.add(d);
      });
    });
  });

  const boundTo = new Map<string, string>();
  e.gateways.items.forEach((g, gi) => {
    if (!g) return;
    if (RESERVED_GATEWAY_IDS.includes(g.id)) {
      add(at('gateways', gi, 'id'), `"${g.id}" is reserved: hazwatch/v1/{enterpriseId}/${g.id}/… is the alarms topic`);
    }
    const own = new Set<string>();
    g.workshops.forEach((w, i) => {
      if (own.has(w)) add(at('gateways', gi, 'workshops', i), `lists workshop "${w}" twice`);
      else if (missing(e.workshops.known, w)) add(at('gateways', gi, 'workshops', i), `binds workshop "${w}", which enterprise ${name} does not have`);
      else if (boundTo.has(w)) add(at('gateways', gi, 'workshops', i), `binds workshop "${w}", already bound to gateway ${boundTo.get(w)}: a workshop reports through one gateway`);
      else boundTo.set(w, g.id);
      own.add(w);
    });
    const ownLines = new Set<string>();
    g.lines.forEach((l, i) => {
      if (ownLines.has(l)) add(at('gateways', gi, 'lines', i), `lists line "${l}" twice`);
      else if (missing(e.lines.known, l)) add(at('gateways', gi, 'lines', i), `binds line "${l}", which enterprise ${name} does not have`);
      ownLines.add(l);
    });
  });

  e.products.items.forEach((p, pi) => {
    if (p?.warnAt !== undefined && p.warnAt >= p.perYear) {
      add(at('licence', 'products', pi, 'warnAt'), `(${p.warnAt}) must be below perYear (${p.perYear})`);
    }
  });

  e.exceptions.items.forEach((x, xi) => {
    if (!x) return;
    x.workshops?.forEach((w, i) => {
      if (missing(e.workshops.known, w)) add(at('calendar', 'exceptions', xi, 'workshops', i), `names workshop "${w}", which enterprise ${name} does not have`);
    });
    if ((x.from === undefined) !== (x.to === undefined)) add(at('calendar', 'exceptions', xi), 'needs both from and to, or neither (the whole day)');
    else if (x.from === '24:00') add(at('calendar', 'exceptions', xi, 'from'), 'must be a start time from 00:00 to 23:59; 24:00 is only an end');
    else if (x.from !== undefined && x.to !== undefined && clockMinutes(x.from) === clockMinutes(x.to)) {
      add(at('calendar', 'exceptions', xi), `from and to are both ${x.from}; leave both out for the whole day`);
    }
  });

  e.equipment.items.forEach((q, qi) => {
    if (!q) return;
    if (q.lineId !== undefined && missing(e.lines.known, q.lineId)) add(at('equipment', qi, 'lineId'), `names line "${q.lineId}", which enterprise ${name} does not have`);
    if (q.workshopId !== undefined && missing(e.workshops.known, q.workshopId)) add(at('equipment', qi, 'workshopId'), `names workshop "${q.workshopId}", which enterprise ${name} does not have`);
  });

  return issues;
}
