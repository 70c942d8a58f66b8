// Users, sessions, API tokens and gateway credentials: the identity half of issue 6 (authorisation is
// policy.ts and http/authz.ts). Every outcome that matters to security is written to the security log.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Id, type TokenInfo, type UserAccount } from '@hazwatch/protocols';
import { dummyHash, hashPassword, mosquittoHash, randomSecret, sha256, verifyMosquittoHash, verifyPassword } from './password.ts';
import { SecurityLog } from './security-log.ts';
import type { AuthStore, TokenRow, UserRow } from './store.ts';
import { ROLES, type Principal, type Role, type User } from './types.ts';

export type AuthOptions = {
  /** Absolute session lifetime. */
  sessionHours: number;
  /** Consecutive wrong passwords that lock an account… */
  loginMaxFailures: number;
  /** …for this long. */
  loginLockMinutes: number;
  /** Failed logins one address may make per 15 minutes (any user names) before it gets 429. */
  loginFailuresPerAddress?: number;
  /** Password hashing parameters (tests may lower them; production keeps the default). */
  scrypt?: { N: number; r: number; p: number };
};

// Letters of any script: operators log in with the names on their badges (张工).
export const Username = z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N}_.@-]{0,63}$/u, { message: 'must be 1–64 letters, digits, "_", ".", "@" or "-"' });
export const Password = z.string().min(10, { message: 'must have at least 10 characters' }).max(256, { message: 'must have at most 256 characters' });
export const Region = z.string().regex(/^\d{2,12}$/, { message: 'must be (a prefix of) an administrative division code of digits' });
export const NewUser = z
  .strictObject({
    username: Username,
    displayName: z.string().trim().min(1).max(100).optional(),
    role: z.enum(ROLES),
    enterpriseId: Id.nullable().optional(),
    region: Region.nullable().optional(),
    password: Password,
  })
  .superRefine((u, ctx) => scopeProblems(u.role, u.enterpriseId ?? null, u.region ?? null).forEach((p) => ctx.addIssue({ code: 'custom', ...p })));

/** Operators and enterprise admins belong to one enterprise, regulators to one region, admins to neither. */
export function scopeProblems(role: Role, enterpriseId: string | null, region: string | null): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  const needsEnterprise = role === 'operator' || role === 'enterprise-admin';
  if (needsEnterprise && enterpriseId === null) out.push({ path: ['enterpriseId'], message: `a ${role} belongs to one enterprise: give enterpriseId` });
  if (!needsEnterprise && enterpriseId !== null) out.push({ path: ['enterpriseId'], message: `a ${role} belongs to no single enterprise` });
  if (role === 'regulator' && region === null) out.push({ path: ['region'], message: 'a regulator has a region (administrative division code)' });
  if (role !== 'regulator' && region !== null) out.push({ path: ['region'], message: `only regulators have a region` });
  return out;
}

export type LoginResult =
  | { ok: true; user: User; sessionToken: string; expiresAt: number }
  | { ok: false; status: 401 | 429; error: string; message: string };

export type Authenticated = { ok: true; principal: Principal } | { ok: false; reason: 'missing' | 'forged' | 'expired' | 'revoked' | 'disabled' };

const TOKEN = /^hzt_([A-Za-z0-9-]{1,64})_([A-Za-z0-9_-]{20,128})$/;
const ADDRESS_WINDOW_MS = 15 * 60_000;

export const publicUser = (u: UserRow): User => ({ id: u.id, username: u.username, displayName: u.displayName, role: u.role, enterpriseId: u.enterpriseId, region: u.region });

/** A user as administrators see it (`/api/v1/users`); a lockout that has run out is no lockout. */
export const userAccount = (u: UserRow, now: number): UserAccount => ({
  ...publicUser(u),
  disabled: u.disabled,
  lockedUntil: u.lockedUntil !== null && u.lockedUntil > now ? new Date(u.lockedUntil).toISOString() : null,
  createdAt: new Date(u.createdAt).toISOString(),
  lastLoginAt: u.lastLoginAt === null ? null : new Date(u.lastLoginAt).toISOString(),
});

/**
 * A credential stopped working, or now grants something else: the sessions of a user (disabled, new
 * password, new role or scope), one session (logout), an API token (revoked), a gateway's secret
 * (rotated or withdrawn). Connections that proved themselves with it (socket.io, MQTT) are closed by
 * those that hold them: a credential withdrawn must not keep working on a connection already open.
 */
export type AuthChange =
  | { kind: 'user'; userId: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'token'; tokenId: string }
  | { kind: 'gateway'; enterpriseId: string; gatewayId: string };

export class AuthService {
  readonly log: SecurityLog;
  private readonly failuresByAddress = new Map<string, number[]>();
  private readonly changeListeners = new Set<(c: AuthChange) => void>();

  constructor(
    readonly store: AuthStore,
    private readonly opts: AuthOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.log = new SecurityLog(store, now);
  }

  /** Told of every AuthChange made through this service (another process's changes: see the periodic rechecks). */
  onChange(listener: (c: AuthChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(c: AuthChange): void {
    // The change is stored and logged by now; a listener that fails must not make it look undone, nor
    // keep the others from hearing of it. (The listeners log what fails for each connection; a
    // connection missed here is found by their periodic recheck.)
    for (const l of this.changeListeners) {
      try {
        l(c);
      } catch {
        continue;
      }
    }
  }

  hasUsers(): boolean {
    return this.store.users().length > 0;
  }

  async createUser(input: z.input<typeof NewUser>, by: string): Promise<User> {
    const u = NewUser.parse(input);
    if (this.store.userByName(u.username)) throw new AuthError('conflict', `user "${u.username}" exists`);
    const row = {
      id: randomUUID(),
      username: u.username,
      displayName: u.displayName ?? u.username,
      role: u.role,
      enterpriseId: u.enterpriseId ?? null,
      region: u.region ?? null,
      passwordHash: await hashPassword(u.password, this.opts.scrypt),
      createdAt: this.now(),
    };
    this.store.addUser(row);
    this.log.record({ action: 'user.created', outcome: 'ok', actor: by, enterpriseId: row.enterpriseId, target: row.username, detail: { role: row.role, region: row.region } });
    return publicUser({ ...row, disabled: false, failedLogins: 0, lockedUntil: null, lastLoginAt: null });
  }

  /** A user as administrators see it, by id. */
  account(id: string): UserAccount | undefined {
    const u = this.store.userById(id);
    return u && userAccount(u, this.now());
  }

  /**
   * Role, scope, name, password, disabled or a lockout lifted: a role or scope change ends the user's
   * sessions. A new password lifts a lockout too (the lock guards against guessing the old one).
   */
  async updateUser(
    id: string,
    patch: { displayName?: string; role?: Role; enterpriseId?: string | null; region?: string | null; password?: string; disabled?: boolean; unlock?: true },
    by: string,
  ): Promise<User> {
    const before = this.store.userById(id);
    if (!before) throw new AuthError('not-found', `no user ${id}`);
    const role = patch.role ?? before.role;
    const enterpriseId = patch.enterpriseId !== undefined ? patch.enterpriseId : before.enterpriseId;
    const region = patch.region !== undefined ? patch.region : before.region;
    const problems = scopeProblems(role, enterpriseId, region);
    if (problems.length) throw new AuthError('invalid', problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; '));
    this.store.updateUser(id, {
      ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
      role,
      enterpriseId,
      region,
      ...(patch.password !== undefined ? { passwordHash: await hashPassword(Password.parse(patch.password), this.opts.scrypt) } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
    });
    const scopeChanged = role !== before.role || enterpriseId !== before.enterpriseId || region !== before.region;
    if (scopeChanged || patch.password !== undefined || patch.disabled === true) this.store.revokeUserSessions(id, this.now());
    // A role or scope change leaves its API tokens as they were, but the open connections of its sessions must go.
    if (scopeChanged || patch.password !== undefined || patch.disabled === true) this.changed({ kind: 'user', userId: id });
    if (scopeChanged) {
      this.log.record({
        // (A regulator moved to another region, an account to another enterprise: its scope, not its role.)
        action: role !== before.role ? 'user.role-changed' : 'user.scope-changed',
        outcome: 'ok',
        actor: by,
        enterpriseId: enterpriseId ?? before.enterpriseId,
        target: before.username,
        detail: { from: { role: before.role, enterpriseId: before.enterpriseId, region: before.region }, to: { role, enterpriseId, region } },
      });
    }
    if (patch.password !== undefined) this.log.record({ action: 'user.password-changed', outcome: 'ok', actor: by, enterpriseId, target: before.username });
    if (patch.disabled !== undefined) this.log.record({ action: patch.disabled ? 'user.disabled' : 'user.enabled', outcome: 'ok', actor: by, enterpriseId, target: before.username });
    const locked = before.lockedUntil !== null && before.lockedUntil > this.now();
    if (patch.unlock || patch.password !== undefined) this.store.clearLoginFailures(id);
    if (locked && (patch.unlock || patch.password !== undefined)) this.log.record({ action: 'user.unlocked', outcome: 'ok', actor: by, enterpriseId, target: before.username });
    return publicUser(this.store.userById(id)!);
  }

  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const at = this.now();
    const recent = (this.failuresByAddress.get(ip) ?? []).filter((t) => at - t < ADDRESS_WINDOW_MS);
    if (recent.length >= (this.opts.loginFailuresPerAddress ?? 20)) {
      this.log.record({ action: 'auth.login-throttled', outcome: 'denied', actor: username.slice(0, 64), ip, detail: { failures: recent.length } });
      return { ok: false, status: 429, error: 'too-many-attempts', message: 'too many failed logins from this address; try again later' };
    }
    const u = this.store.userByName(username);
    const fail = (detail: Record<string, unknown>): LoginResult => {
      this.failuresByAddress.set(ip, [...recent, at]);
      if (this.failuresByAddress.size > 10_000) this.failuresByAddress.clear();
      this.log.record({ action: 'auth.login-failed', outcome: 'failed', actor: username.slice(0, 64), enterpriseId: u?.enterpriseId ?? null, ip, detail });
      return { ok: false, status: 401, error: 'invalid-credentials', message: 'wrong user name or password' };
    };
    if (!u) {
      await verifyPassword(password, await dummyHash());
      return fail({ reason: 'unknown-user' });
    }
    if (u.lockedUntil !== null && u.lockedUntil > at) {
      this.log.record({ action: 'auth.login-locked', outcome: 'denied', actor: u.username, enterpriseId: u.enterpriseId, ip, detail: { lockedUntil: new Date(u.lockedUntil).toISOString() } });
      return { ok: false, status: 429, error: 'account-locked', message: `too many failed logins; the account is locked until ${new Date(u.lockedUntil).toISOString()}` };
    }
    if (!(await verifyPassword(password, u.passwordHash))) {
      const { locked } = this.store.recordLoginFailure(u.id, this.opts.loginMaxFailures, at + this.opts.loginLockMinutes * 60_000);
      if (locked) this.log.record({ action: 'auth.account-locked', outcome: 'denied', actor: u.username, enterpriseId: u.enterpriseId, ip, detail: { minutes: this.opts.loginLockMinutes } });
      return fail({ reason: 'wrong-password' });
    }
    if (u.disabled) return fail({ reason: 'disabled' });
    this.store.recordLogin(u.id, at);
    const sessionToken = randomSecret();
    const expiresAt = at + this.opts.sessionHours * 3_600_000;
    this.store.addSession({ id: sha256(sessionToken), userId: u.id, createdAt: at, expiresAt });
    this.store.pruneSessions(at - 7 * 86_400_000);
    this.log.record({ action: 'auth.login', outcome: 'ok', actor: u.username, enterpriseId: u.enterpriseId, ip });
    return { ok: true, user: publicUser(u), sessionToken, expiresAt };
  }

  logout(principal: Principal, ip: string | null): void {
    if (principal.sessionId) this.store.revokeSession(principal.sessionId, this.now());
    this.log.record({ action: 'auth.logout', outcome: 'ok', actor: principal.name, enterpriseId: principal.enterpriseId, ip });
    if (principal.sessionId) this.changed({ kind: 'session', sessionId: principal.sessionId });
  }

  session(cookieValue: string | undefined): Authenticated {
    if (cookieValue === undefined || cookieValue === '') return { ok: false, reason: 'missing' };
    const s = this.store.session(sha256(cookieValue));
    if (!s) return { ok: false, reason: 'forged' };
    if (s.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (s.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    const u = this.store.userById(s.userId);
    if (!u || u.disabled) return { ok: false, reason: 'disabled' };
    const user = publicUser(u);
    return { ok: true, principal: { kind: 'session', id: u.id, name: u.username, role: u.role, enterpriseId: u.enterpriseId, region: u.region, user, sessionId: s.id } };
  }

  apiToken(value: string | undefined): Authenticated {
    if (value === undefined || value === '') return { ok: false, reason: 'missing' };
    const m = TOKEN.exec(value);
    const t = m ? this.store.token(m[1]!) : undefined;
    if (!m || !t || sha256(m[2]!) !== t.secretHash) return { ok: false, reason: 'forged' };
    if (t.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (t.expiresAt !== null && t.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, principal: { kind: 'token', id: t.id, name: `token:${t.name}`, role: t.role, enterpriseId: t.enterpriseId, region: t.region } };
  }

  /** Whether the API token `id` is still good (not revoked, not expired): for connections opened with it. */
  tokenValid(id: string): boolean {
    const t = this.store.token(id);
    return t !== undefined && t.revokedAt === null && (t.expiresAt === null || t.expiresAt > this.now());
  }

  /** A new API token, shown once: `hzt_<id>_<secret>`; only the secret's hash is kept. */
  issueToken(input: { name: string; role: Role; enterpriseId: string | null; region: string | null; expiresAt: number | null }, by: string): { token: string; info: TokenInfo } {
    const problems = scopeProblems(input.role, input.enterpriseId, input.region);
    if (problems.length) throw new AuthError('invalid', problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; '));
    const id = randomUUID();
    const secret = randomSecret();
    const row = { id, name: input.name, secretHash: sha256(secret), role: input.role, enterpriseId: input.enterpriseId, region: input.region, createdBy: by, createdAt: this.now(), expiresAt: input.expiresAt };
    this.store.addToken(row);
    this.log.record({ action: 'token.issued', outcome: 'ok', actor: by, enterpriseId: input.enterpriseId, target: id, detail: { name: input.name, role: input.role, region: input.region } });
    return { token: `hzt_${id}_${secret}`, info: tokenInfo({ ...row, revokedAt: null }) };
  }

  revokeToken(id: string, by: string): boolean {
    const t = this.store.token(id);
    const done = this.store.revokeToken(id, this.now());
    if (done) this.log.record({ action: 'token.revoked', outcome: 'ok', actor: by, enterpriseId: t?.enterpriseId ?? null, target: id, detail: { name: t?.name } });
    if (done) this.changed({ kind: 'token', tokenId: id });
    return done;
  }

  /**
   * Issues (first time) or rotates a gateway's MQTT secret; the old one stops working at once. The MQTT
   * user name is `{enterpriseId}/{gatewayId}`. `secret` is for demos and tests; normally random.
   */
  gatewayCredential(enterpriseId: string, gatewayId: string, by: string, secret: string = randomSecret()): { username: string; password: string; rotated: boolean } {
    const rotated = this.store.gatewayCredential(enterpriseId, gatewayId) !== undefined;
    this.store.putGatewayCredential({ enterpriseId, gatewayId, hash: mosquittoHash(secret), issuedAt: this.now(), issuedBy: by });
    this.log.record({ action: rotated ? 'gateway.credential-rotated' : 'gateway.credential-issued', outcome: 'ok', actor: by, enterpriseId, target: `${enterpriseId}/${gatewayId}` });
    if (rotated) this.changed({ kind: 'gateway', enterpriseId, gatewayId });
    return { username: gatewayUsername(enterpriseId, gatewayId), password: secret, rotated };
  }

  /** Withdraws a gateway's MQTT secret (a gateway taken out of service): it can no longer sign in. */
  revokeGatewayCredential(enterpriseId: string, gatewayId: string, by: string): boolean {
    const done = this.store.deleteGatewayCredential(enterpriseId, gatewayId);
    if (!done) return false;
    this.log.record({ action: 'gateway.credential-revoked', outcome: 'ok', actor: by, enterpriseId, target: `${enterpriseId}/${gatewayId}` });
    this.changed({ kind: 'gateway', enterpriseId, gatewayId });
    return true;
  }

  verifyGateway(username: string, password: string): { enterpriseId: string; gatewayId: string } | undefined {
    const g = parseGatewayUsername(username);
    const c = g && this.store.gatewayCredential(g.enterpriseId, g.gatewayId);
    return c && verifyMosquittoHash(password, c.hash) ? g : undefined;
  }
}

export const tokenInfo = (t: TokenRow): TokenInfo => ({
  id: t.id,
  name: t.name,
  role: t.role,
  enterpriseId: t.enterpriseId,
  region: t.region,
  createdBy: t.createdBy,
  createdAt: new Date(t.createdAt).toISOString(),
  expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
  revokedAt: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString(),
});

export const gatewayUsername = (enterpriseId: string, gatewayId: string) => `${enterpriseId}/${gatewayId}`;
export function parseGatewayUsername(username: string): { enterpriseId: string; gatewayId: string } | undefined {
  const [e, g, ...rest] = username.split('/');
  if (rest.length || !Id.safeParse(e).success || !Id.safeParse(g).success) return undefined;
  return { enterpriseId: e!, gatewayId: g! };
}

export class AuthError extends Error {
  constructor(
    readonly code: 'conflict' | 'not-found' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
