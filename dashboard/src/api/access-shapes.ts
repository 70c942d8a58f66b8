// Boundary checks of the account administration answers (users, API tokens, gateway credentials, the
// security log), typed by protocols' accounts contract and checked the way shapes.ts checks: every
// field the UI reads, extra fields accepted, the first bad path named.
import type { GatewayCredentialInfo, IssuedGatewayCredential, IssuedToken, SecurityLogEntry, TokenInfo, UserAccount } from '@hazwatch/protocols';
import { ROLES } from '../auth/session.ts';
import { array, bool, num, obj, oneOf, optionalNull, str, time, type Check } from '../live/guards.ts';

const checkAccount: Check<UserAccount> = (x, p) => {
  const u = obj(x, p);
  return {
    id: str(u.id, `${p}.id`),
    username: str(u.username, `${p}.username`),
    displayName: str(u.displayName, `${p}.displayName`),
    role: oneOf(ROLES)(u.role, `${p}.role`),
    enterpriseId: optionalNull(str)(u.enterpriseId, `${p}.enterpriseId`),
    region: optionalNull(str)(u.region, `${p}.region`),
    disabled: bool(u.disabled, `${p}.disabled`),
    lockedUntil: optionalNull(time)(u.lockedUntil, `${p}.lockedUntil`),
    createdAt: time(u.createdAt, `${p}.createdAt`),
    lastLoginAt: optionalNull(time)(u.lastLoginAt, `${p}.lastLoginAt`),
  };
};
export const checkAccounts: Check<UserAccount[]> = array(checkAccount);
/** The answer to creating or changing a user. */
export const checkAccountAnswer: Check<UserAccount> = (x, p) => checkAccount(obj(x, p).user, `${p}.user`);

const checkToken: Check<TokenInfo> = (x, p) => {
  const o = obj(x, p);
  return {
    id: str(o.id, `${p}.id`),
    name: str(o.name, `${p}.name`),
    role: oneOf(ROLES)(o.role, `${p}.role`),
    enterpriseId: optionalNull(str)(o.enterpriseId, `${p}.enterpriseId`),
    region: optionalNull(str)(o.region, `${p}.region`),
    createdBy: str(o.createdBy, `${p}.createdBy`),
    createdAt: time(o.createdAt, `${p}.createdAt`),
    expiresAt: optionalNull(time)(o.expiresAt, `${p}.expiresAt`),
    revokedAt: optionalNull(time)(o.revokedAt, `${p}.revokedAt`),
  };
};
export const checkTokens: Check<TokenInfo[]> = array(checkToken);
/** The answer to issuing a token: its details and, this once, the secret. */
export const checkIssuedToken: Check<IssuedToken> = (x, p) => ({ ...checkToken(x, p), token: str(obj(x, p).token, `${p}.token`) });

export const checkGatewayCredentials: Check<GatewayCredentialInfo[]> = array((x, p) => {
  const o = obj(x, p);
  return {
    enterpriseId: str(o.enterpriseId, `${p}.enterpriseId`),
    gatewayId: str(o.gatewayId, `${p}.gatewayId`),
    username: str(o.username, `${p}.username`),
    issuedAt: time(o.issuedAt, `${p}.issuedAt`),
    issuedBy: str(o.issuedBy, `${p}.issuedBy`),
    rotations: num(o.rotations, `${p}.rotations`),
  };
});
export const checkGatewaySecret: Check<IssuedGatewayCredential> = (x, p) => {
  const o = obj(x, p);
  return { username: str(o.username, `${p}.username`), password: str(o.password, `${p}.password`) };
};

export const OUTCOMES = ['ok', 'denied', 'failed'] as const;
export type Outcome = SecurityLogEntry['outcome'];
export const checkSecurityLog: Check<SecurityLogEntry[]> = array((x, p) => {
  const o = obj(x, p);
  return {
    id: num(o.id, `${p}.id`),
    at: time(o.at, `${p}.at`),
    action: str(o.action, `${p}.action`),
    outcome: oneOf(OUTCOMES)(o.outcome, `${p}.outcome`),
    actor: optionalNull(str)(o.actor, `${p}.actor`),
    enterpriseId: optionalNull(str)(o.enterpriseId, `${p}.enterpriseId`),
    target: optionalNull(str)(o.target, `${p}.target`),
    ip: optionalNull(str)(o.ip, `${p}.ip`),
    detail: o.detail === null || o.detail === undefined ? null : obj(o.detail, `${p}.detail`),
  };
});
