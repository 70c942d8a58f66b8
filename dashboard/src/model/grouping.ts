// How the control room lays workshops out: per enterprise, one group per line in configuration order;
// a workshop shared by several lines is shown once, in a "shared" group after the lines (its per-line
// counts are on its tile, and each line's header names the shared workshops its total includes).
import type { LineLive, WorkshopLive } from '@hazwatch/protocols';

export type WorkshopGroup =
  | { kind: 'line'; key: string; lineId: string; line: LineLive | null; workshops: WorkshopLive[]; shared: WorkshopLive[] }
  | { kind: 'shared'; key: string; workshops: WorkshopLive[] }
  | { kind: 'unassigned'; key: string; workshops: WorkshopLive[] };

export type EnterpriseGroups = { enterpriseId: string; groups: WorkshopGroup[] };

export function groupWorkshops(workshops: Iterable<WorkshopLive>, lines: Iterable<LineLive>): EnterpriseGroups[] {
  const byEnterprise = new Map<string, { lines: Map<string, Extract<WorkshopGroup, { kind: 'line' }>>; shared: WorkshopLive[]; unassigned: WorkshopLive[] }>();
  const enterprise = (id: string) => {
    let e = byEnterprise.get(id);
    if (!e) byEnterprise.set(id, (e = { lines: new Map(), shared: [], unassigned: [] }));
    return e;
  };
  const lineGroup = (enterpriseId: string, lineId: string) => {
    const e = enterprise(enterpriseId);
    let g = e.lines.get(lineId);
    if (!g) e.lines.set(lineId, (g = { kind: 'line', key: `${enterpriseId}|line|${lineId}`, lineId, line: null, workshops: [], shared: [] }));
    return g;
  };

  // Lines first, so groups follow the configuration's line order even where a line has no workshop yet.
  for (const l of lines) lineGroup(l.enterpriseId, l.lineId).line = l;
  for (const w of workshops) {
    if (w.lines.length === 0) enterprise(w.enterpriseId).unassigned.push(w);
    else if (w.lines.length === 1) lineGroup(w.enterpriseId, w.lines[0]!).workshops.push(w);
    else {
      enterprise(w.enterpriseId).shared.push(w);
      for (const l of w.lines) lineGroup(w.enterpriseId, l).shared.push(w);
    }
  }

  return [...byEnterprise].map(([enterpriseId, e]) => {
    const groups: WorkshopGroup[] = [...e.lines.values()];
    if (e.shared.length) groups.push({ kind: 'shared', key: `${enterpriseId}|shared`, workshops: e.shared });
    if (e.unassigned.length) groups.push({ kind: 'unassigned', key: `${enterpriseId}|unassigned`, workshops: e.unassigned });
    return { enterpriseId, groups };
  });
}
