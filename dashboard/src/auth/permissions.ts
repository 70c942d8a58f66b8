// What each role may see and do in the UI (AUTH CONTRACT). The server enforces the same rules; the
// page only hides what would be refused, and shows a refusal for a link followed by hand.
import type { Role, User } from './session.ts';

export type Action = 'acknowledge' | 'comment' | 'assign' | 'close' | 'shelve' | 'request-rectification' | 'edit-config' | 'manage-access' | 'manage-gateways' | 'manage-platform';
export type NavItem = 'control-room' | 'enterprise' | 'regulator' | 'admin';

const ACTIONS: Record<Role, readonly Action[]> = {
  // Operators handle their enterprise's alarms end to end (the server's role matrix: alarms:handle).
  operator: ['acknowledge', 'comment'],
  // 'manage-access' stands for users:manage, tokens:manage and security-log:read, 'manage-gateways' for
  // gateways:manage: an enterprise admin holds them for its own enterprise, the admin everywhere.
  'enterprise-admin': ['acknowledge', 'comment', 'assign', 'close', 'shelve', 'edit-config', 'manage-access', 'manage-gateways'],
  regulator: ['comment', 'request-rectification'],
  // 'manage-platform': the accounts and tokens of no enterprise (regulators, admins) and the whole
  // security log; the server lets only the admin make or change a regulator or an admin.
  admin: ['acknowledge', 'comment', 'assign', 'close', 'shelve', 'edit-config', 'request-rectification', 'manage-access', 'manage-gateways', 'manage-platform'],
};

export function can(user: User, action: Action): boolean {
  return ACTIONS[user.role].includes(action);
}

export function navFor(user: User): NavItem[] {
  switch (user.role) {
    case 'operator':
    case 'enterprise-admin':
      return ['control-room', 'enterprise'];
    case 'regulator':
      return ['regulator', 'control-room', 'enterprise'];
    case 'admin':
      return ['control-room', 'enterprise', 'regulator', 'admin'];
  }
}

/** Whether the user may look at one enterprise (its region as the site configuration gives it). */
export function maySee(user: User, enterprise: { id: string; region?: string | null }): boolean {
  switch (user.role) {
    case 'admin':
      return true;
    case 'regulator':
      return user.region !== null && typeof enterprise.region === 'string' && enterprise.region.startsWith(user.region);
    default:
      return user.enterpriseId === enterprise.id;
  }
}

/** The landing view of a role. */
export function homeOf(user: User): string {
  if (user.role === 'regulator') return '/regulator';
  return '/';
}
