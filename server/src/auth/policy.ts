// Who may see which tenant: the one place that turns a principal into enterprises. Operators and
// enterprise admins see their enterprise; a regulator sees every enterprise whose administrative
// division code starts with theirs (a city code covers its districts); an admin sees everything.
import type { SiteConfig } from '@hazwatch/protocols';
import type { Actor } from '../alarms/actor.ts';
import type { Principal } from './types.ts';

export function visibleEnterprises(p: Principal, site: SiteConfig): 'all' | string[] {
  switch (p.role) {
    case 'admin':
      return 'all';
    case 'regulator':
      return site.enterprises.filter((e) => p.region !== null && e.region.startsWith(p.region)).map((e) => e.id);
    default:
      return p.enterpriseId === null ? [] : [p.enterpriseId];
  }
}

export function maySeeEnterprise(p: Principal, site: SiteConfig, enterpriseId: string): boolean {
  const v = visibleEnterprises(p, site);
  return v === 'all' || v.includes(enterpriseId);
}

/** A region-wide view (a regional report): only inside the regulator's own division, or for an admin. */
export function maySeeRegion(p: Principal, region: string): boolean {
  return p.role === 'admin' || (p.role === 'regulator' && p.region !== null && region.startsWith(p.region));
}

/** The alarm handling service's actor: recorded by name, limited to the visible enterprises. */
export function actorOf(p: Principal, site: SiteConfig): Actor {
  return { id: p.name, enterprises: visibleEnterprises(p, site) };
}
