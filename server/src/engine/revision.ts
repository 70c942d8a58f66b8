// What a new configuration revision changes for the engine (RuleEngine.reconfigure): which enterprises
// it must rebuild, and the configuration objects the others take over.
import type { Enterprise, SiteConfig } from '@hazwatch/protocols';
import type { EnterpriseFacts } from './facts.ts';

/**
 * The ids of the enterprises `next` adds, removes or changes in any way against `prev`; `undefined`
 * when the whole site must be rebuilt: something outside the enterprises changed (the defaults every
 * rule reads), or the enterprises kept are in another order (the engine's order is the site's, and
 * the order of what it does at one instant follows it). An enterprise is unchanged when it reads the
 * same as JSON: configurations are parsed documents (SiteConfig), so equal text is equal meaning,
 * and a field merely written in another order costs a rebuild, never a wrong answer.
 */
export function changedEnterprises(prev: SiteConfig, next: SiteConfig): Set<string> | undefined {
  if (JSON.stringify(outsideEnterprises(prev)) !== JSON.stringify(outsideEnterprises(next))) return undefined;
  const before = new Map(prev.enterprises.map((c) => [c.id, c]));
  const after = new Set(next.enterprises.map((c) => c.id));
  const keptBefore = prev.enterprises.filter((c) => after.has(c.id)).map((c) => c.id);
  const keptAfter = next.enterprises.filter((c) => before.has(c.id)).map((c) => c.id);
  if (keptBefore.some((id, k) => keptAfter[k] !== id)) return undefined;
  const changed = new Set<string>();
  for (const c of next.enterprises) {
    const old = before.get(c.id);
    if (old === undefined || (old !== c && JSON.stringify(old) !== JSON.stringify(c))) changed.add(c.id);
  }
  for (const id of before.keys()) if (!after.has(id)) changed.add(id);
  return changed;
}

function outsideEnterprises(site: SiteConfig): Omit<SiteConfig, 'enterprises'> {
  const { enterprises, ...rest } = site;
  void enterprises;
  return rest;
}

/**
 * Points the facts of an enterprise a revision left unchanged at that revision's configuration
 * objects (equal to the ones they were built from: changedEnterprises), so that the revision before
 * is not kept alive by the facts of the enterprises it did not change.
 */
export function takeOverConfig(ent: EnterpriseFacts, cfg: Enterprise): void {
  ent.cfg = cfg;
  const workshops = new Map(cfg.workshops.map((w) => [w.id, w]));
  for (const ws of ent.workshops.values()) ws.cfg = workshops.get(ws.cfg.id) ?? ws.cfg;
  const lines = new Map(cfg.lines.map((l) => [l.id, l]));
  for (const line of ent.lines.values()) line.cfg = lines.get(line.cfg.id) ?? line.cfg;
  const products = new Map((cfg.licence?.products ?? []).map((p) => [p.product, p]));
  for (const [product, py] of ent.years) py.licence = products.get(product) ?? py.licence;
}
