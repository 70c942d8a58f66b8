// The engine's persisted form (restart without amnesia): facts, clocks and every tracker's state.
import type { EnterpriseFacts, LineFacts, ProductYear, WorkshopFacts } from './facts.ts';
import type { GatewayState } from './domains.ts';
import type { PersistedTracker } from './tracker.ts';

/** Everything needed to resume without amnesia: facts, debounce states, active alarms, clocks. */
export type EngineSnapshot = {
  version: 1;
  now: number;
  startedAt: number;
  gateways: Record<string, { online: boolean; statusOffline: boolean; frozenAt: number | null; lastHeard: number; heard: boolean }>;
  workshops: Record<string, {
    newestTs: number | null; headcount: number | null; knownHeadcount: number; byLine: Record<string, number>;
    materialKg: number | null; knownMaterialKg: number; everReported: boolean; headcountFault: boolean; quantityFault: boolean; persons: [string, number][]; updatedAt: number | null;
  }>;
  lines: Record<string, {
    counters: [string, number][]; newestTs: [string, number][]; lastIncrement: [string, number][]; day: { date: string; total: number };
  }>;
  years: Record<string, { year: number; total: number }>;
  trackers: Record<string, PersistedTracker>;
};

export const key2 = (ent: string, id: string) => `${ent}/${id}`;
export const fin = (n: number) => (Number.isFinite(n) ? n : null);
export const unfin = (n: number | null) => (n === null ? -Infinity : n);


/**
 * Changes laid over a snapshot (restart without amnesia, between full snapshots): each entry replaces
 * the snapshot's entry of that key, a `null` tracker is gone, and `now`, when given, replaces its clock.
 */
export type EngineDelta = {
  now?: number;
  gateways?: EngineSnapshot['gateways'];
  workshops?: EngineSnapshot['workshops'];
  lines?: EngineSnapshot['lines'];
  years?: EngineSnapshot['years'];
  trackers: Record<string, PersistedTracker | null>;
};

/** Lays `delta` over `snap` (in place). */
export function applyDelta(snap: EngineSnapshot, delta: EngineDelta): void {
  if (delta.now !== undefined) snap.now = delta.now;
  Object.assign(snap.gateways, delta.gateways);
  Object.assign(snap.workshops, delta.workshops);
  Object.assign(snap.lines, delta.lines);
  Object.assign(snap.years, delta.years);
  for (const [k, t] of Object.entries(delta.trackers)) {
    if (t === null) delete snap.trackers[k];
    else snap.trackers[k] = t;
  }
}

// Each entry is a copy: a snapshot shares nothing with the live engine.
export const gatewayEntry = (g: GatewayState): EngineSnapshot['gateways'][string] => ({
  online: g.online, statusOffline: g.statusOffline, frozenAt: fin(g.frozenAt), lastHeard: g.lastHeard, heard: g.heard,
});

export const workshopEntry = (w: WorkshopFacts): EngineSnapshot['workshops'][string] => ({
  newestTs: fin(w.newestTs), headcount: w.headcount, knownHeadcount: w.knownHeadcount, byLine: { ...w.byLine },
  materialKg: w.materialKg, knownMaterialKg: w.knownMaterialKg, everReported: w.everReported,
  headcountFault: w.headcountFault, quantityFault: w.quantityFault, persons: [...w.persons], updatedAt: fin(w.updatedAt),
});

export const lineEntry = (l: LineFacts): EngineSnapshot['lines'][string] => ({
  counters: [...l.counters], newestTs: [...l.newestTs], lastIncrement: [...l.lastIncrement], day: { ...l.day },
});

export const yearEntry = (y: ProductYear): EngineSnapshot['years'][string] => ({ year: y.year, total: y.total });

/** Copies the facts of every enterprise into `snap` (trackers are the engine's to add). */
export function writeFacts(snap: EngineSnapshot, enterprises: Iterable<EnterpriseFacts>): void {
  for (const ent of enterprises) {
    const e = ent.cfg.id;
    for (const g of ent.gateways.values()) snap.gateways[key2(e, g.gatewayId)] = gatewayEntry(g);
    for (const w of ent.workshops.values()) snap.workshops[key2(e, w.cfg.id)] = workshopEntry(w);
    for (const l of ent.lines.values()) snap.lines[key2(e, l.cfg.id)] = lineEntry(l);
    for (const [p, y] of ent.years) snap.years[key2(e, p)] = yearEntry(y);
  }
}
