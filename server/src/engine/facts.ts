import type { Enterprise, LicensedProduct, Line, LineReading, Workshop, WorkshopReading } from '@hazwatch/protocols';
import type { ClockDomain } from './heap.ts';
import type { GatewayState } from './domains.ts';
import { FACT_BYLINE, FACT_HEADCOUNT, FACT_HEADCOUNT_FAULT, FACT_MATERIAL, FACT_PERSONS, FACT_QUANTITY_FAULT, type Tracker, type TransitionSink } from './tracker.ts';
import { Persons } from './persons.ts';
import type { RuleParams } from './rules.ts';
import type { SmallMap } from './small-map.ts';
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
  /**
   * `byLine`'s counts in `cfg.lines` order, when `byLine` holds exactly those (distinct) lines;
   * null when it does not. Valid while `byLineCountsOf` is `byLine` (recomputed when it is replaced):
   * readings are compared against numbers in an array, not by looking up line ids as keys.
   */
  byLineCounts: number[] | null;
  byLineCountsOf: Record<string, number> | undefined;
  materialKg: number | null;
  knownMaterialKg: number;
  everReported: boolean;
  /** The latest reading that carried the value reported it unknown (SPEC 4 sensor-fault). */
  headcountFault: boolean;
  quantityFault: boolean;
  /** Who is inside, with their entry times (replaced, never changed in place). */
  persons: Persons;
  /** The live view's list of `persons` and the one it was built from (built once per `persons`; see live.ts). */
  personsViewOf: Persons | undefined;
  personsView: { id: string; since: string }[] | undefined;
  /** `cfg.lineStaffingLimits` as pairs (live views check them with every reading). */
  lineLimits: [string, number][];
  /** `cfg.lines` has exactly one line (then a total without `byLine` is that line's count). */
  singleLine: boolean;
  /** That one line, where it exists. */
  soleLine: LineFacts | undefined;
  /** `ts` of the latest applied reading; -Infinity before any (a number field: no number object per reading). */
  updatedAt: number;
  trackers: Tracker[];
  /**
   * `deps` of each of `trackers`, in one array: a reading finds the trackers it concerns without
   * loading the others. Shared by the workshops whose rules are the same (build.ts): not changed once built.
   */
  trackerDeps: number[];
  /**
   * Dwell trackers by person: of those inside, and, disposed (Tracker.disposed), kept for the return
   * of some who left (engine.ts, dwellTracker). One map for both: it is one of every workshop's.
   */
  dwell: SmallMap<string, Tracker>;
  /** Line-staffing trackers of the lines this 1.1 workshop counts toward. */
  lineTrackers: Tracker[];
  /** The configured lines it serves that exist, in `cfg.lines` order (their live views follow its own). */
  lineFacts: LineFacts[];
  /**
   * At or after the latest instant any of `trackers` and `dwell` stands at (RuleSpec.horizon: the
   * workshop is their horizon, so the check reads the object a reading loads anyway).
   */
  horizonSec: number;
  /** Its place in its gateway's `workshops` (GatewayState.cursor). */
  gwIndex: number;
  /**
   * The lines whose staffing sum counts this workshop (their staffing trackers are `lineTrackers`);
   * the very array `lineFacts` where the two hold the same lines in the same order.
   */
  staffingLines: LineFacts[];
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
  /** Its staffing tracker, if it has a staffing limit (read on its 1.1 workshops' readings). */
  staffingTracker: Tracker | undefined;
  /** At or after the instant `staffingTracker` stands at (its tracker's RuleSpec.horizon). */
  horizonSec: number;
  unlicensed: Map<string, Tracker>;
  /** As WorkshopFacts.roundMark. */
  roundMark: number;
  /** As WorkshopFacts.capturing. */
  capturing: boolean;
};

/** `domain`: the product's clock, which its yearly tracker runs on; `ent`: its enterprise. */
export type ProductYear = { licence: LicensedProduct; year: number; total: number; tracker?: Tracker; capturing?: boolean; domain?: ClockDomain; ent?: EnterpriseFacts };

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
  /** Its rules' shared kinds, timings and limits (rules.ts, RuleParams), by their values. */
  ruleParams: Map<string, RuleParams>;
  /** The engine its trackers report to. */
  sink: TransitionSink;
};

/**
 * The one empty map every fact map without entries holds (a line without
 * production readings or unlicensed products): an empty Map and its table are some 180 bytes, and a
 * large site has several per workshop. Whoever adds an entry gives the fact its own map first
 * (`own`); adding to this one throws, so that a writer that forgets cannot share its entries.
 */
class NoEntries extends Map<unknown, unknown> {
  override set(): this {
    throw new Error('the shared empty map is read-only (give the fact its own map first)');
  }
}
const NO_ENTRIES = new NoEntries();

export function noEntries<K, V>(): Map<K, V> {
  return NO_ENTRIES as Map<K, V>;
}

/** `m` if it is a map of its own; a new empty one instead of the shared empty map. */
export function own<K, V>(m: Map<K, V>): Map<K, V> {
  return m === NO_ENTRIES ? new Map<K, V>() : m;
}

/** Persons attributed to a line in a workshop: `byLine[line]`, or `total` where it serves that line alone. */
export function attributed(ws: WorkshopFacts, lineId: string): number {
  if (ws.cfg.lines.length === 1 && ws.cfg.lines[0] === lineId) return ws.knownHeadcount;
  return ws.byLine[lineId] ?? 0;
}

export function lineHeadcount(line: LineFacts): number {
  let n = 0;
  // A workshop serving this line alone counts its total (`attributed`), known without reading its configuration.
  for (const ws of line.staffingWorkshops) n += ws.soleLine === line ? ws.knownHeadcount : attributed(ws, line.cfg.id);
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
      const src = h.byLine;
      if (src || ws.singleLine) {
        if (ws.byLineCountsOf !== ws.byLine) alignByLine(ws);
        const held = ws.byLineCounts;
        // Without aligned counts (byLine holds other keys) the full comparison below decides.
        let same = held !== null;
        if (same && !src) same = held![0] === h.total;
        else if (same) {
          const lines = ws.cfg.lines;
          for (let k = 0; same && k < lines.length; k++) same = held![k] === (src![lines[k]!] ?? 0);
        }
        if (!same) {
          const byLine: Record<string, number> = {};
          for (const l of ws.cfg.lines) byLine[l] = src ? (src[l] ?? 0) : h.total;
          if (!sameCounts(byLine, ws.byLine)) {
            ws.byLine = byLine;
            changed |= FACT_BYLINE;
          }
        }
      }
      // Without a list, an empty workshop has nobody inside; otherwise who is inside stays as last reported.
      const persons = h.persons ? h.persons : h.total === 0 ? [] : undefined;
      if (persons && !samePersons(persons, ws)) {
        ws.persons = Persons.fromList(persons);
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

/** Same own keys with the same counts (walked without listing the keys: this runs with every headcount change). */
function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  let n = 0;
  for (const k in a) {
    if (!Object.prototype.hasOwnProperty.call(a, k)) continue;
    n++;
    if (a[k] !== b[k]) return false;
  }
  return n === ownKeys(b);
}

/** Whether `list` makes the held `persons`: as many distinct persons, each with its entry time. */
function samePersons(list: { id: string; since: number }[], ws: WorkshopFacts): boolean {
  // Usually listed as last time: compared in order first, without looking up every id. The held
  // ids are distinct, so an equal list makes them again.
  const ids = ws.persons.ids;
  if (ids.length === list.length) {
    const since = ws.persons.since;
    let i = 0;
    while (i < list.length && list[i]!.id === ids[i] && list[i]!.since === since[i]) i++;
    if (i === list.length) return true;
  }
  const held = ws.persons;
  if (list.length !== held.size) return false;
  for (const p of list) if (held.get(p.id) !== p.since) return false;
  return true;
}

/** Sets `byLineCounts` for the current `byLine` (WorkshopFacts.byLineCounts). */
function alignByLine(ws: WorkshopFacts): void {
  const lines = ws.cfg.lines;
  const byLine = ws.byLine;
  ws.byLineCountsOf = byLine;
  // Counting keys is exact only over distinct line ids; otherwise the full comparison decides.
  let aligned = distinct(lines) && ownKeys(byLine) === lines.length;
  // The workshop's own array, rewritten in place when it has one (it changes with every headcount change).
  const counts = ws.byLineCounts ?? new Array<number>(lines.length).fill(0);
  for (let k = 0; aligned && k < lines.length; k++) {
    const l = lines[k]!;
    const n = byLine[l];
    aligned = Object.prototype.hasOwnProperty.call(byLine, l) && typeof n === 'number';
    counts[k] = n!;
  }
  ws.byLineCounts = aligned ? counts : null;
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
  (line.counters = own(line.counters)).set(product, counter);
  (line.lastIncrement = own(line.lastIncrement)).set(product, inc);
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

