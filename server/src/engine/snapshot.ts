// The engine's persisted form (restart without amnesia): facts, clocks and every tracker's state.
import type { EnterpriseFacts } from './facts.ts';
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


/** Copies the facts of every enterprise into `snap` (trackers are the engine's to add). */
export function writeFacts(snap: EngineSnapshot, enterprises: Iterable<EnterpriseFacts>): void {
  for (const ent of enterprises) {
    const e = ent.cfg.id;
    for (const g of ent.gateways.values()) {
      snap.gateways[key2(e, g.gatewayId)] = {
        online: g.online, statusOffline: g.statusOffline, frozenAt: fin(g.frozenAt), lastHeard: g.lastHeard, heard: g.heard,
      };
    }
    for (const w of ent.workshops.values()) {
      snap.workshops[key2(e, w.cfg.id)] = {
        newestTs: fin(w.newestTs), headcount: w.headcount, knownHeadcount: w.knownHeadcount, byLine: { ...w.byLine },
        materialKg: w.materialKg, knownMaterialKg: w.knownMaterialKg, everReported: w.everReported,
        headcountFault: w.headcountFault, quantityFault: w.quantityFault, persons: [...w.persons], updatedAt: w.updatedAt,
      };
    }
    for (const l of ent.lines.values()) {
      snap.lines[key2(e, l.cfg.id)] = {
        counters: [...l.counters], newestTs: [...l.newestTs], lastIncrement: [...l.lastIncrement], day: { ...l.day },
      };
    }
    for (const [p, y] of ent.years) snap.years[key2(e, p)] = { year: y.year, total: y.total };
  }
}
