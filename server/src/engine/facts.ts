import type { Enterprise, LicensedProduct, Line, LineReading, Workshop, WorkshopReading } from '@hazwatch/protocols';
import type { ClockDomain } from './heap.ts';
import type { GatewayState } from './domains.ts';
import { FACT_BYLINE, FACT_HEADCOUNT, FACT_HEADCOUNT_FAULT, FACT_MATERIAL, FACT_PERSONS, FACT_QUANTITY_FAULT, type Tracker } from './tracker.ts';
import type { ZoneCalendar } from './tz.ts';

/** What is known of a workshop: the latest applied reading, held until the next (zero-order hold). */
export type WorkshopFacts = {
  cfg: Workshop;
  enterpriseId: string;
  gw: GatewayState | null;
  domain: ClockDomain;
  newestTs: number;
  /** As last reported; null while the source reports unknown. */
  headcount: number | null;
  /** SPEC 4: rules on an unknown value use its last known value, 0 if never known. */
  knownHeadcount: number;
  byLine: Record<string, number>;
  materialKg: number | null;
  knownMaterialKg: number;
  everReported: boolean;
  /** The latest reading that carried the value reported it unknown (SPEC 4 sensor-fault). */
  headcountFault: boolean;
  quantityFault: boolean;
  persons: Map<string, number>;
  updatedAt: number | null;
  trackers: Tracker[];
  dwell: Map<string, Tracker>;
  /** Line-staffing trackers of the lines this 1.1 workshop counts toward. */
  lineTrackers: Tracker[];
};

export type LineFacts = {
  cfg: Line;
  enterpriseId: string;
  /** The clock of the line's production: the gateways that report it. */
  domain: ClockDomain;
  /** The clock of the line's staffing sum: the gateways of its 1.1 workshops. */
  staffingDomain: ClockDomain;
  /** Per product: last counter value (the baseline until it moves). */
  counters: Map<string, number>;
  newestTs: Map<string, number>;
  /** Per product: the increment the latest reading brought (0 for a baseline). */
  lastIncrement: Map<string, number>;
  day: { date: string; total: number };
  /** The 1.1 workshops whose persons count toward this line's staffing limit. */
  staffingWorkshops: WorkshopFacts[];
  trackers: Tracker[];
  unlicensed: Map<string, Tracker>;
};

export type ProductYear = { licence: LicensedProduct; year: number; total: number; tracker?: Tracker };

export type EnterpriseFacts = {
  cfg: Enterprise;
  cal: ZoneCalendar;
  gateways: Map<string, GatewayState>;
  gatewayTrackers: Map<string, Tracker>;
  workshops: Map<string, WorkshopFacts>;
  lines: Map<string, LineFacts>;
  years: Map<string, ProductYear>;
  licensed: Set<string>;
  /** Lines each gateway may report production for. */
  gatewayLines: Map<string, Set<string>>;
  /** Local year in which the platform started: `openingBalance` counts in it. */
  startYear: number;
};

/** Persons attributed to a line in a workshop: `byLine[line]`, or `total` where it serves that line alone. */
export function attributed(ws: WorkshopFacts, lineId: string): number {
  if (ws.cfg.lines.length === 1 && ws.cfg.lines[0] === lineId) return ws.knownHeadcount;
  return ws.byLine[lineId] ?? 0;
}

export function lineHeadcount(line: LineFacts): number {
  let n = 0;
  for (const ws of line.staffingWorkshops) n += attributed(ws, line.cfg.id);
  return n;
}

/** Applies a workshop reading's values to the held facts; returns the FACT_* bits that changed. */
export function updateWorkshopFacts(ws: WorkshopFacts, r: WorkshopReading): number {
  let changed = 0;
  if (r.headcount !== undefined) {
    const h = r.headcount;
    const fault = h === null || h.total === null;
    if (fault !== ws.headcountFault) changed |= FACT_HEADCOUNT_FAULT;
    ws.headcountFault = fault;
    if (h === null || h.total === null) {
      ws.headcount = null;
    } else {
      ws.headcount = h.total;
      if (ws.knownHeadcount !== h.total) changed |= FACT_HEADCOUNT;
      ws.knownHeadcount = h.total;
      let byLine: Record<string, number> | undefined;
      if (h.byLine) {
        byLine = {};
        for (const l of ws.cfg.lines) byLine[l] = h.byLine[l] ?? 0;
      } else if (ws.cfg.lines.length === 1) byLine = { [ws.cfg.lines[0]!]: h.total };
      if (byLine && !sameCounts(byLine, ws.byLine)) {
        ws.byLine = byLine;
        changed |= FACT_BYLINE;
      }
      // Without a list, an empty workshop has nobody inside; otherwise who is inside stays as last reported.
      const persons = h.persons ? h.persons : h.total === 0 ? [] : undefined;
      if (persons && !samePersons(persons, ws.persons)) {
        ws.persons = new Map(persons.map((p) => [p.id, p.since]));
        changed |= FACT_PERSONS;
      }
    }
  }
  if (r.materialKg !== undefined) {
    ws.materialKg = r.materialKg;
    const fault = r.materialKg === null;
    if (fault !== ws.quantityFault) changed |= FACT_QUANTITY_FAULT;
    ws.quantityFault = fault;
    if (r.materialKg !== null && r.materialKg !== ws.knownMaterialKg) {
      ws.knownMaterialKg = r.materialKg;
      changed |= FACT_MATERIAL;
    }
  }
  return changed;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function samePersons(list: { id: string; since: number }[], held: Map<string, number>): boolean {
  if (list.length !== held.size) return false;
  for (const p of list) if (held.get(p.id) !== p.since) return false;
  return true;
}

/**
 * SPEC 2: the first reading of a counter sets its baseline; a counter that goes down was reset and
 * its new value is the increment. The increment counts toward the line's local day and the product's
 * local year (with `openingBalance` in the year the platform started). Returns the increment.
 */
export function countProduction(ent: EnterpriseFacts, line: LineFacts, py: ProductYear | undefined, product: string, r: LineReading): number {
  const prev = line.counters.get(product);
  const counter = r.production.counter;
  const inc = prev === undefined ? 0 : counter >= prev ? counter - prev : counter;
  line.counters.set(product, counter);
  line.lastIncrement.set(product, inc);
  if (inc <= 0) return inc;
  const day = ent.cal.day(r.ts);
  if (day.date > line.day.date) line.day = { date: day.date, total: 0 };
  if (line.day.date === day.date) line.day.total += inc;
  if (py) {
    if (day.year > py.year) {
      py.year = day.year;
      py.total = day.year === ent.startYear ? py.licence.openingBalance : 0;
    }
    if (day.year === py.year) py.total += inc;
  }
  return inc;
}

