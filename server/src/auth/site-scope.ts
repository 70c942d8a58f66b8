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

/**
 * An enterprise admin's upload of the document it sees (`siteFor`): its enterprises replace theirs in
 * the running site, everything else stays. Undefined when the upload names an enterprise outside the
 * scope or changes a site-wide setting.
 */
export function mergeScoped(current: SiteConfig, upload: SiteConfig, scope: readonly string[]): SiteConfig | undefined {
  if (!upload.enterprises.every((e) => scope.includes(e.id))) return undefined;
  const { enterprises: _c, alerting: _a, ...currentWide } = current as SiteConfig & { alerting?: unknown };
  const { enterprises: _u, alerting: uploadAlerting, ...uploadWide } = upload as SiteConfig & { alerting?: unknown };
  if (uploadAlerting !== undefined || JSON.stringify(currentWide) !== JSON.stringify(uploadWide)) return undefined;
  const replaced = new Map(upload.enterprises.map((e) => [e.id, e]));
  const kept = current.enterprises.filter((e) => !scope.includes(e.id) || replaced.has(e.id)).map((e) => replaced.get(e.id) ?? e);
  const added = upload.enterprises.filter((e) => !current.enterprises.some((c) => c.id === e.id));
  return { ...current, enterprises: [...kept, ...added] };
}
