import type { SiteConfig } from '@hazwatch/protocols';

/** What one gateway may report on (SPEC 2: only the workshops and lines the site binds to it). */
export type GatewayBinding = {
  enterpriseId: string;
  gatewayId: string;
  /** Bound workshop → the lines that workshop serves (valid `byLine` keys). */
  workshops: Map<string, Set<string>>;
  lines: Set<string>;
};

export type Bindings = { gateway(enterpriseId: string, gatewayId: string): GatewayBinding | undefined };

export function bindingsOf(site: SiteConfig): Bindings {
  // By enterprise, then gateway: a lookup per message makes no key string (ingest's hot path).
  const byEnterprise = new Map<string, Map<string, GatewayBinding>>();
  for (const e of site.enterprises) {
    const workshopLines = new Map(e.workshops.map((w) => [w.id, new Set(w.lines)]));
    let gateways = byEnterprise.get(e.id);
    if (!gateways) byEnterprise.set(e.id, (gateways = new Map()));
    for (const g of e.gateways) {
      gateways.set(g.id, {
        enterpriseId: e.id,
        gatewayId: g.id,
        workshops: new Map(g.workshops.map((w) => [w, workshopLines.get(w) ?? new Set<string>()])),
        lines: new Set(g.lines),
      });
    }
  }
  return { gateway: (enterpriseId, gatewayId) => byEnterprise.get(enterpriseId)?.get(gatewayId) };
}

/** Bindings that a new configuration revision replaces at run time, for code that holds on to them. */
export function swappableBindings(initial: Bindings): Bindings & { set(b: Bindings): void } {
  let current = initial;
  return {
    gateway: (enterpriseId, gatewayId) => current.gateway(enterpriseId, gatewayId),
    set: (b) => {
      current = b;
    },
  };
}
