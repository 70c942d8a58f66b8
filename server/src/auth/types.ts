// The vocabulary of authentication and authorisation (issue 6), shared by the HTTP layer, socket.io,
// the broker and the CLI. The wire shape of `User` is the auth contract the dashboard codes against.
import type { Role, User } from '@hazwatch/protocols';

// `User` (what `/api/v1/auth/me` and login return) and the roles are the wire contract, in protocols.
export { ROLES, type Role, type User } from '@hazwatch/protocols';

/**
 * Who is asking, however they proved it: a user by session cookie, or an integration by API token
 * (scoped like a user of that role, enterprise and region).
 */
export type Principal = {
  kind: 'session' | 'token';
  /** The user's id, or the token's id. */
  id: string;
  /** Recorded as the actor (`by`) of what the principal does: the username, or `token:NAME`. */
  name: string;
  role: Role;
  enterpriseId: string | null;
  region: string | null;
  /** Present for sessions: the user as the API shows it. */
  user?: User;
  sessionId?: string;
};

/**
 * What a route may require. Every /api route declares one (`config: { auth }`), and the one layer in
 * http/authz.ts enforces it; a route that declares nothing is refused to everyone but an admin.
 */
export const PERMISSIONS = [
  'public',
  'authenticated',
  'live:read',
  'alarms:read',
  'alarms:acknowledge',
  'alarms:handle',
  'alarms:comment',
  'alarms:rectify',
  'alarms:export',
  'stats:read',
  'site:read',
  'site:write',
  'audit:read',
  'reports:read',
  'ledger:read',
  'ops:read',
  'users:manage',
  'tokens:manage',
  'gateways:manage',
  'security-log:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ALL_READ: Permission[] = ['authenticated', 'live:read', 'alarms:read', 'alarms:export', 'stats:read', 'site:read', 'audit:read', 'reports:read'];

/** The role matrix of the issue: operators handle their enterprise's alarms, regulators read and comment. */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  // An operator watches, acknowledges and comments; assigning, closing (闭环) and shelving are the
  // enterprise's safety staff's (issue 6 roles).
  operator: new Set<Permission>([...ALL_READ, 'alarms:acknowledge', 'alarms:comment']),
  'enterprise-admin': new Set<Permission>([...ALL_READ, 'alarms:acknowledge', 'alarms:handle', 'alarms:comment', 'site:write', 'users:manage', 'tokens:manage', 'gateways:manage', 'security-log:read']),
  regulator: new Set<Permission>([...ALL_READ, 'alarms:comment', 'alarms:rectify']),
  admin: new Set<Permission>(PERMISSIONS),
};

export function may(principal: Pick<Principal, 'role'>, permission: Permission): boolean {
  return permission === 'public' || ROLE_PERMISSIONS[principal.role].has(permission);
}
