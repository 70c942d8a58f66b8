import type { Enterprise, SiteConfig, Workshop } from '@hazwatch/protocols';
import { ClockOf, GatewayState, SubjectClock, type PlatformDomain } from './domains.ts';
import { WorkshopCalendar } from './calendar.ts';
import { noEntries, type EnterpriseFacts, type LineFacts, type WorkshopFacts } from './facts.ts';
import type { ClockDomain } from './heap.ts';
import * as rules from './rules.ts';
import { key2, unfin, type EngineSnapshot } from './snapshot.ts';
import { HORIZON_NONE, type Tracker, type TransitionSink } from './tracker.ts';
import { Persons } from './persons.ts';
import { SmallMap } from './small-map.ts';
import { ZoneCalendar } from './tz.ts';

/** What building needs from the engine: its clocks, and the makers of trackers it keeps. */
export type BuildContext = {
  startedAt: number;
  platform: PlatformDomain;
  /** Where the trackers report (RuleSpec.sink). */
  sink: TransitionSink;
  /** Adds a tracker (its rule: rules.ts) to the engine's. */
  track(t: Tracker): Tracker;
  dwellTracker(ent: EnterpriseFacts, ws: WorkshopFacts, personId: string): Tracker | undefined;
  unlicensedTracker(ent: EnterpriseFacts, line: LineFacts, product: string): Tracker;
};

/**
 * Compiles one enterprise of the site into facts and trackers, carrying over the facts `prev` knew
 * (restart or new revision); trackers are created through `ctx` so the engine owns them.
 */
export function buildEnterprise(ctx: BuildContext, cfg: Enterprise, site: SiteConfig, prev: EngineSnapshot | undefined): EnterpriseFacts {
  const d = site.defaults;
  const cal = new ZoneCalendar(cfg.timezone);
  const e = cfg.id;
  const ent: EnterpriseFacts = {
    cfg, cal, gateways: new Map(), gatewayTrackers: new Map(), workshops: new Map(), lines: new Map(), years: new Map(),
    licensed: new Set((cfg.licence?.products ?? []).map((p) => p.product)), startYear: cal.day(ctx.startedAt).year,
    gatewayLines: new Map(cfg.gateways.map((g) => [g.id, new Set(g.lines)])), ruleParams: new Map(), sink: ctx.sink,
  };
  const wsCfg = new Map(cfg.workshops.map((w) => [w.id, w]));
  for (const g of cfg.gateways) {
    // A gateway is as strict as the strictest of its workshops' offline timeouts.
    const timeouts = g.workshops.map((w) => wsCfg.get(w)?.offlineAfterSeconds).filter((x): x is number => x !== undefined);
    const offlineAfter = Math.min(d.offlineAfterSeconds, ...timeouts);
    const gw = new GatewayState(e, g.id, offlineAfter * 1000, ctx.startedAt);
    const p = prev?.gateways[key2(e, g.id)];
    if (p) Object.assign(gw, { online: p.online, statusOffline: p.statusOffline, frozenAt: unfin(p.frozenAt), lastHeard: p.lastHeard, heard: p.heard });
    ent.gateways.set(g.id, gw);
    gw.alarmDomain = ctx.platform;
    ent.gatewayTrackers.set(g.id, ctx.track(rules.gatewayOffline(d, ent, gw)));
  }
  const gwOfWorkshop = new Map<string, GatewayState>();
  const gwsOfLine = new Map<string, GatewayState[]>();
  for (const g of cfg.gateways) {
    for (const w of g.workshops) gwOfWorkshop.set(w, ent.gateways.get(g.id)!);
    for (const l of g.lines) gwsOfLine.set(l, [...(gwsOfLine.get(l) ?? []), ent.gateways.get(g.id)!]);
  }
  for (const l of cfg.lines) {
    const p = prev?.lines[key2(e, l.id)];
    const line: LineFacts = {
      cfg: l, enterpriseId: e, domain: NO_DOMAIN, staffingDomain: NO_DOMAIN,
      counters: mapOf(p?.counters), newestTs: mapOf(p?.newestTs), lastIncrement: mapOf(p?.lastIncrement),
      day: p?.day ?? { date: '', total: 0 }, staffingWorkshops: [], trackers: [], staffingTracker: undefined, horizonSec: HORIZON_NONE, unlicensed: noEntries(), roundMark: 0, capturing: false,
    };
    // (Copied at its size: an array literal with a spread leaves room for over a dozen more.)
    line.domain = new SubjectClock(gwsOfLine.get(l.id)?.slice() ?? NO_GATEWAYS, ctx.platform, line, ClockOf.Line);
    line.staffingDomain = new SubjectClock(staffingGateways(cfg, l.id, gwOfWorkshop), ctx.platform, line, ClockOf.LineStaffing);
    ent.lines.set(l.id, line);
  }
  const closed = new Set(cfg.calendar?.closed ?? []);
  for (const w of cfg.workshops) {
    const gw = gwOfWorkshop.get(w.id) ?? null;
    const p = prev?.workshops[key2(e, w.id)];
    const ws: WorkshopFacts = {
      cfg: w, enterpriseId: e, gw, domain: NO_DOMAIN,
      newestTs: unfin(p?.newestTs ?? null), headcount: p?.headcount ?? null, knownHeadcount: p?.knownHeadcount ?? 0, byLine: p?.byLine ?? {}, byLineCounts: null, byLineCountsOf: undefined,
      materialKg: p?.materialKg ?? null, knownMaterialKg: p?.knownMaterialKg ?? 0, everReported: p?.everReported ?? false,
      headcountFault: p?.headcountFault ?? false, quantityFault: p?.quantityFault ?? false,
      persons: Persons.fromEntries(p?.persons), personsViewOf: undefined, personsView: undefined,
      lineLimits: limitsOf(w), singleLine: w.lines.length === 1, soleLine: w.lines.length === 1 ? ent.lines.get(w.lines[0]!) : undefined,
      updatedAt: unfin(p?.updatedAt ?? null), trackers: [], trackerDeps: [], dwell: new SmallMap(), lineTrackers: [], staffingLines: [], lineFacts: w.lines.flatMap((l) => ent.lines.get(l) ?? []), horizonSec: HORIZON_NONE, gwIndex: -1, roundMark: 0, capturing: false,
    };
    ws.domain = new SubjectClock(gw ? gw.alone : NO_GATEWAYS, ctx.platform, ws, ClockOf.Workshop);
    ent.workshops.set(w.id, ws);
    if (w.hazardClass === '1.1') for (const l of w.lines) ent.lines.get(l)?.staffingWorkshops.push(ws);
  }
  for (const py of cfg.licence?.products ?? []) {
    const p = prev?.years[key2(e, py.product)];
    ent.years.set(py.product, p ? { licence: py, ...p } : { licence: py, year: ent.startYear, total: py.openingBalance });
  }
  for (const ws of ent.workshops.values()) {
    if (!ws.gw) continue;
    ws.gwIndex = ws.gw.workshops.length;
    ws.gw.workshops.push(ws);
  }
  // Trackers, after all facts exist.
  const calendars = new Map<string, WorkshopCalendar>();
  for (const ws of ent.workshops.values()) {
    const exceptions = (cfg.calendar?.exceptions ?? []).filter((x) => !x.workshops || x.workshops.includes(ws.cfg.id));
    // Workshops with the same hours and exceptions share one calendar (it never changes once made).
    const calKey = JSON.stringify([ws.cfg.operatingHours ?? null, exceptions]);
    let wc = calendars.get(calKey);
    if (!wc) calendars.set(calKey, (wc = new WorkshopCalendar(cal, ws.cfg.operatingHours, exceptions, closed)));
    const specs = [
      rules.workshopStaffing(d, ent, ws),
      ...Object.entries(ws.cfg.lineStaffingLimits).map(([l, lim]) => rules.workshopLineStaffing(d, ent, ws, l, lim)),
      rules.workshopQuantity(d, ent, ws),
      rules.outsideHours(d, ent, ws, wc),
      rules.closedDay(d, ent, ws, wc),
      rules.sensorFault(d, ent, ws, 'headcount'),
      rules.sensorFault(d, ent, ws, 'quantity'),
    ];
    for (const s of specs) {
      if (!s) continue;
      const t = ctx.track(s);
      ws.trackers.push(t);
      ws.trackerDeps.push(s.deps);
    }
    for (const personId of ws.persons.keys()) ctx.dwellTracker(ent, ws, personId);
  }
  for (const line of ent.lines.values()) {
    const ls = rules.lineStaffing(d, ent, line);
    if (ls) {
      const t = ctx.track(ls);
      line.staffingTracker = t;
      line.trackers.push(t);
      for (const ws of line.staffingWorkshops) {
        ws.lineTrackers.push(t);
        ws.staffingLines.push(line);
      }
    }
    const dp = rules.dayProduction(d, ent, line);
    if (dp) line.trackers.push(ctx.track(dp));
    for (const [product, inc] of line.lastIncrement) if (inc > 0 && !ent.licensed.has(product)) ctx.unlicensedTracker(ent, line, product);
  }
  // Lists filled push by push carry room to grow (a dozen slots for a handful of items) for as long
  // as they live: copied at their size once complete. One array for both of a workshop's line lists
  // where they agree (most workshops: a reading walks it twice).
  // (`flatMap` fills its result push by push too.)
  // Workshops with the same rules read the same facts: one `trackerDeps` for them all (never changed once built).
  const depsLists = new Map<string, number[]>();
  for (const ws of ent.workshops.values()) {
    ws.trackers = ws.trackers.slice();
    const depsKey = ws.trackerDeps.join();
    let deps = depsLists.get(depsKey);
    if (!deps) depsLists.set(depsKey, (deps = ws.trackerDeps.slice()));
    ws.trackerDeps = deps;
    ws.lineTrackers = ws.lineTrackers.slice();
    ws.lineFacts = ws.lineFacts.slice();
    const a = ws.staffingLines;
    const b = ws.lineFacts;
    ws.staffingLines = a.length === b.length && a.every((l, k) => l === b[k]) ? b : a.slice();
  }
  for (const line of ent.lines.values()) {
    line.trackers = line.trackers.slice();
    line.staffingWorkshops = line.staffingWorkshops.slice();
  }
  for (const gw of ent.gateways.values()) gw.workshops = gw.workshops.slice();
  // An enterprise's product spans every gateway that reports production.
  const producers = [...new Set([...gwsOfLine.values()].flat())];
  for (const py of ent.years.values()) {
    const product = py.licence.product;
    const newest = { newestApplied: () => maxOf([...ent.lines.values()].map((l) => l.newestTs.get(product) ?? -Infinity)) };
    py.ent = ent;
    py.domain = new SubjectClock(producers, ctx.platform, newest, ClockOf.Other);
    py.tracker = ctx.track(rules.yearProduction(d, ent, py));
  }
  return ent;
}

const NO_LIMITS: [string, number][] = [];
const NO_GATEWAYS: GatewayState[] = [];
/** A fact's clock until its own is made (just after the fact: the clock points at it). */
const NO_DOMAIN: ClockDomain = { clock: () => -Infinity, followsPlatform: () => true, parked: undefined };

/** A fact map restored from its saved entries; with none, the shared empty map (facts.ts, noEntries). */
function mapOf<V>(entries: [string, V][] | undefined): Map<string, V> {
  return entries && entries.length > 0 ? new Map(entries) : noEntries();
}

/** A workshop's per-line staffing limits as pairs; most have none, and share one empty list. */
function limitsOf(w: Workshop): [string, number][] {
  const pairs = Object.entries(w.lineStaffingLimits);
  return pairs.length === 0 ? NO_LIMITS : pairs;
}

export const maxOf = (xs: Iterable<number>): number => {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
};

/** The gateways reporting the 1.1 workshops whose persons count toward a line. */
function staffingGateways(cfg: Enterprise, lineId: string, gwOfWorkshop: Map<string, GatewayState>): GatewayState[] {
  const out = new Set<GatewayState>();
  for (const w of cfg.workshops) {
    const gw = gwOfWorkshop.get(w.id);
    if (gw && w.hazardClass === '1.1' && w.lines.includes(lineId)) out.add(gw);
  }
  return [...out];
}

