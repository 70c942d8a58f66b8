// Whose accounts an administration screen manages: one enterprise's (its 账户与权限 tab), or the
// platform's own, which belong to no enterprise (regulators, administrators, platform API tokens).
import type { Api } from './client.ts';
import type { Role } from '../auth/session.ts';
import type { Check } from '../live/guards.ts';

export type AccessScope = { enterpriseId: string } | 'platform';

/** A resource key part: a list loaded for one scope is not shown for another. */
export const scopeKey = (s: AccessScope) => (s === 'platform' ? '*platform' : s.enterpriseId);

/** The roles an account or token of the scope may have (the server refuses the others there). */
export const rolesOf = (s: AccessScope): readonly Role[] => (s === 'platform' ? ['regulator', 'admin'] : ['operator', 'enterprise-admin']);

/**
 * The scope's users or tokens. Asked without an enterprise, the API gives the admin everything; the
 * platform's are those of no enterprise, picked here (only the admin opens the platform screen).
 */
export async function listOf<T extends { enterpriseId: string | null }>(api: Api, path: string, s: AccessScope, check: Check<T[]>, what: string): Promise<T[]> {
  if (s !== 'platform') return check(await api.get(path, { enterpriseId: s.enterpriseId }), what);
  return check(await api.get(path), what).filter((x) => x.enterpriseId === null);
}

/**
 * A regulator's region: an administrative division code or a prefix of one (省 2, 市 4, 县 6 digits,
 * down to 12 for a village), the server's own rule, checked before asking.
 */
export const validRegion = (s: string) => /^\d{2,12}$/.test(s);
