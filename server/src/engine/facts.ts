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
  /** The list `persons` was last taken from, as listed (set with it; absent after a restart). */
  personsAsListed?: { id: string; since: number }[] | undefined;
  /** The live view's list of `persons` (built once per map; see live.ts). */
  personsView?: { of: Map<string, number>; list: { id: string; since: string }[] } | undefined;
  updatedAt: number | null;
  trackers: Tracker[];
  dwell: Map<string, Tracker>;
  /** Dwell trackers by person, kept across visits (engine.ts, dwellTracker). */
  dwellKept: Map<string, Tracker>;
  /** Line-staffing trackers of the lines this 1.1 workshop counts toward. */
  lineTrackers: Tracker[];
  /** The configured lines it serves that exist, in `cfg.lines` order (their live views follow its own). */
  lineFacts: LineFacts[];
  /** At or after the latest instant any of `trackers` and `dwell` stands at (Tracker.horizon). */
  horizon: { at: number };
  /** The engine's round in which its live view was last marked changed (engine.ts, Round). */
  roundMark: number;
  /** A save in progress has yet to copy these facts (RuleEngine.beginCapture). */
  capturing: boolean;
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
  /** As WorkshopFacts.roundMark. */
  roundMark: number;
  /** As WorkshopFacts.capturing. */
  capturing: boolean;
};

export type ProductYear = { licence: LicensedProduct; year: number; total: number; tracker?: Tracker; capturing?: boolean };

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
      // Most readings repeat the held counts: compared before anything is built. `byLine` is replaced,
      // never changed in place, so live views may share it.
      const lines = ws.cfg.lines;
      const src = h.byLine;
      if (src || lines.length === 1) {
        // Counting keys is exact only over distinct line ids; otherwise the full comparison decides.
        let same = distinct(lines) && ownKeys(ws.byLine) === lines.length;
        for (let k = 0; same && k < lines.length; k++) same = ws.byLine[lines[k]!] === (src ? (src[lines[k]!] ?? 0) : h.total);
        if (!same) {
          const byLine: Record<string, number> = {};
          for (const l of lines) byLine[l] = src ? (src[l] ?? 0) : h.total;
          if (!sameCounts(byLine, ws.byLine)) {
            ws.byLine = byLine;
            changed |= FACT_BYLINE;
          }
        }
      }
      // Without a list, an empty workshop has nobody inside; otherwise who is inside stays as last reported.
      const persons = h.persons ? h.persons : h.total === 0 ? [] : undefined;
      if (persons && !samePersons(persons, ws)) {
        // Filled in a loop: no array of pairs to build and drop (persons change with most door events).
        const held = new Map<string, number>();
        const listed: { id: string; since: number }[] = [];
        for (const p of persons) {
          held.set(p.id, p.since);
          listed.push({ id: p.id, since: p.since });
        }
        ws.persons = held;
        ws.personsAsListed = listed;
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

function distinct(xs: readonly string[]): boolean {
  for (let i = 1; i < xs.length; i++) for (let j = 0; j < i; j++) if (xs[i] === xs[j]) return false;
  return true;
}

function ownKeys(o: Record<string, number>): number {
  let n = 0;
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) n++;
  return n;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function samePersons(list: { id: string; since: number }[], ws: WorkshopFacts): boolean {
  const held = ws.persons;
  if (list.length !== held.size) return false;
  // Usually listed as last time: compared in order first, without hashing every id.
  const last = ws.personsAsListed;
  if (last && last.length === list.length) {
    let i = 0;
    while (i < list.length && list[i]!.id === last[i]!.id && list[i]!.since === last[i]!.since) i++;
    if (i === list.length) return true;
  }
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

