import { z } from 'zod';

/**
 * The answers of the account administration API (`/api/v1/auth/*`, `/users`, `/tokens`,
 * `/gateways/credentials`, `/security/log`): the one contract the server serialises with (a field
 * not named here never leaves it, so no hash can leak) and the dashboard's screens are typed against.
 * Times are RFC 3339 (UTC); secrets appear only in the answer that issues them.
 */

export const ROLES = ['operator', 'enterprise-admin', 'regulator', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Who is logged in (`/auth/me`, login): the auth contract. */
export const User = z.strictObject({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: Role,
  enterpriseId: z.string().nullable(),
  region: z.string().nullable(),
});
export type User = z.infer<typeof User>;

/** A user as an administrator manages it: the user, and whether and why they cannot log in. */
export const UserAccount = User.extend({
  disabled: z.boolean(),
  /** Locked out after repeated failed logins until then; null when not locked (or the lock has run out). */
  lockedUntil: z.string().nullable(),
  createdAt: z.string(),
  /** The last successful login; null if never. */
  lastLoginAt: z.string().nullable(),
});
export type UserAccount = z.infer<typeof UserAccount>;

/** An API token, without its secret. */
export const TokenInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: Role,
  enterpriseId: z.string().nullable(),
  region: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

/** `POST /api/v1/tokens`: the token, its secret `token` shown this once (sent as `Authorization: Bearer`). */
export const IssuedToken = TokenInfo.extend({ token: z.string() });
export type IssuedToken = z.infer<typeof IssuedToken>;

/** A gateway's MQTT credential, without its secret. */
export const GatewayCredentialInfo = z.strictObject({
  enterpriseId: z.string(),
  gatewayId: z.string(),
  /** The MQTT username: `{enterpriseId}/{gatewayId}`. */
  username: z.string(),
  issuedAt: z.string(),
  issuedBy: z.string(),
  rotations: z.number().int(),
});
export type GatewayCredentialInfo = z.infer<typeof GatewayCredentialInfo>;

/** Issuing or rotating a gateway's credential: the MQTT login, the password shown this once. */
export const IssuedGatewayCredential = z.strictObject({ username: z.string(), password: z.string() });
export type IssuedGatewayCredential = z.infer<typeof IssuedGatewayCredential>;

/** One entry of the security log, newest first in its answer; `id` pages back (`before`). */
export const SecurityLogEntry = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  action: z.string(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  actor: z.string().nullable(),
  enterpriseId: z.string().nullable(),
  ip: z.string().nullable(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type SecurityLogEntry = z.infer<typeof SecurityLogEntry>;
