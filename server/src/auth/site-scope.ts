// The site document as a tenant may see and change it.
import type { SiteConfig } from '@hazwatch/protocols';

/** Only the enterprises in scope (undefined: all); site-wide sections (channels, regulators) stay with admins. */
export function siteFor(site: SiteConfig, scope: readonly string[] | undefined): SiteConfig {
  if (scope === undefined) return site;
  const { alerting: _siteWide, ...rest } = site as SiteConfig & { alerting?: unknown };
  return { ...rest, enterprises: site.enterprises.filter((e) => scope.includes(e.id)) } as SiteConfig;
}

/**
 * True when `next` differs from `current` only inside the enterprises in `scope`: every other
 * enterprise, and every site-wide setting, is exactly as it was (an enterprise admin's change).
 */
export function touchesOnly(current: SiteConfig, next: SiteConfig, scope: readonly string[]): boolean {
  const outside = (s: SiteConfig) => {
    const { enterprises, ...siteWide } = s;
    return JSON.stringify({ siteWide, others: enterprises.filter((e) => !scope.includes(e.id)).sort((a, b) => a.id.localeCompare(b.id)) });
  };
  return outside(current) === outside(next);
}
