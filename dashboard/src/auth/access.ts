import type { SiteCache } from '../api/site-cache.ts';
import { useResource, useServices, useUser } from '../hooks.ts';
import { maySee } from './permissions.ts';

export type Access = 'loading' | 'ok' | 'forbidden';

/**
 * Whether the signed-in user may open one enterprise's pages. Operators and enterprise admins are
 * checked by their enterprise at once; a regulator's jurisdiction needs the enterprise's region.
 */
export function useEnterpriseAccess(enterpriseId: string): Access {
  const user = useUser();
  const { site } = useServices();
  const needsRegion = user.role === 'regulator';
  const r = useResource(needsRegion ? `access|${enterpriseId}` : null, () => regionOf(site, enterpriseId));
  if (!needsRegion) return maySee(user, { id: enterpriseId }) ? 'ok' : 'forbidden';
  if (r.loading) return 'loading';
  return maySee(user, { id: enterpriseId, region: r.data ?? null }) ? 'ok' : 'forbidden';
}

async function regionOf(site: SiteCache, enterpriseId: string): Promise<string | null> {
  try {
    return (await site.get()).enterprises.find((e) => e.id === enterpriseId)?.region ?? null;
  } catch {
    return null;
  }
}
