// auth.sqlite: users, sessions, API tokens, gateway credentials and the security log. Secrets are
// only ever stored hashed (see password.ts). Behind this class the rows are trusted.
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { migrate, openSqlite } from '../storage/sqlite.ts';
import type { Role, User } from './types.ts';

export type UserRow = User & { passwordHash: string; disabled: boolean; failedLogins: number; lockedUntil: number | null; createdAt: number; lastLoginAt: number | null };
export type SessionRow = { id: string; userId: string; createdAt: number; expiresAt: number; revokedAt: number | null };
export type TokenRow = {
  id: string;
  name: string;
  secretHash: string;
  role: Role;
  enterpriseId: string | null;
  region: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
};
export type GatewayCredentialRow = { enterpriseId: string; gatewayId: string; hash: string; issuedAt: number; issuedBy: string; rotations: number };
export type SecurityEntry = {
  id: number;
  at: number;
  action: string;
  outcome: 'ok' | 'denied' | 'failed';
  actor: string | null;
  enterpriseId: string | null;
  ip: string | null;
  target: string | null;
  detail: Record<string, unknown> | null;
};

const STEPS = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, role TEXT NOT NULL,
     enterprise_id TEXT, region TEXT, password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
     failed_logins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER, created_at INTEGER NOT NULL);
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL, revoked_at INTEGER);
   CREATE INDEX sessions_user ON sessions(user_id);
   CREATE TABLE api_tokens (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL, role TEXT NOT NULL, enterprise_id TEXT,
     region TEXT, created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER);
   CREATE TABLE gateway_credentials (
     enterprise_id TEXT NOT NULL, gateway_id TEXT NOT NULL, hash TEXT NOT NULL, issued_at INTEGER NOT NULL,
     issued_by TEXT NOT NULL, rotations INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (enterprise_id, gateway_id));
   CREATE TABLE security_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, action TEXT NOT NULL, outcome TEXT NOT NULL,
     actor TEXT, enterprise_id TEXT, ip TEXT, target TEXT, detail TEXT);
   CREATE INDEX security_log_action ON security_log(action, id);
   -- The security log is evidence: appended, never edited.
   CREATE TRIGGER security_log_no_update BEFORE UPDATE ON security_log BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;
   CREATE TRIGGER security_log_no_delete BEFORE DELETE ON security_log BEGIN SELECT RAISE(ABORT, 'the security log is append-only'); END;`,
  // When each user last signed in (sessions are pruned a week after they end; this stays).
  `ALTER TABLE users ADD COLUMN last_login_at INTEGER;`,
];

type Row = Record<string, unknown>;
const user = (r: Row): UserRow => ({
  id: r.id as string,
  username: r.username as string,
  displayName: r.display_name as string,
  role: r.role as Role,
  enterpriseId: (r.enterprise_id as string | null) ?? null,
  region: (r.region as string | null) ?? null,
  passwordHash: r.password_hash as string,
  disabled: r.disabled === 1,
  failedLogins: r.failed_logins as number,
  lockedUntil: (r.locked_until as number | null) ?? null,
  createdAt: r.created_at as number,
  lastLoginAt: (r.last_login_at as number | null) ?? null,
});
const token = (r: Row): TokenRow => ({
  id: r.id as string,
  name: r.name as string,
  secretHash: r.secret_hash as string,
  role: r.role as Role,
  enterpriseId: (r.enterprise_id as string | null) ?? null,
  region: (r.region as string | null) ?? null,
  createdBy: r.created_by as string,
  createdAt: r.created_at as number,
  expiresAt: (r.expires_at as number | null) ?? null,
  revokedAt: (r.revoked_at as number | null) ?? null,
});

export class AuthStore {
  readonly db: Database.Database;

  constructor(opts: { dataDir: string }) {
    this.db = openSqlite(join(opts.dataDir, 'auth.sqlite'));
    migrate(this.db, STEPS);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // Users
  addUser(u: Omit<UserRow, 'failedLogins' | 'lockedUntil' | 'disabled' | 'lastLoginAt'>): void {
    this.db
      .prepare('INSERT INTO users (id, username, display_name, role, enterprise_id, region, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(u.id, u.username, u.displayName, u.role, u.enterpriseId, u.region, u.passwordHash, u.createdAt);
  }
  userByName(username: string): UserRow | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return r && user(r);
  }
  userById(id: string): UserRow | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return r && user(r);
  }
  users(): UserRow[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map(user);
  }
  updateUser(id: string, patch: Partial<Pick<UserRow, 'displayName' | 'role' | 'enterpriseId' | 'region' | 'passwordHash' | 'disabled'>>): void {
    const cols: Record<string, string> = { displayName: 'display_name', role: 'role', enterpriseId: 'enterprise_id', region: 'region', passwordHash: 'password_hash', disabled: 'disabled' };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      this.db.prepare(`UPDATE users SET ${cols[k]} = ? WHERE id = ?`).run(typeof v === 'boolean' ? Number(v) : v, id);
    }
  }
  recordLoginFailure(id: string, maxFailures: number, lockUntil: number): { locked: boolean } {
    return this.db.transaction(() => {
      this.db.prepare('UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?').run(id);
      const r = this.db.prepare('SELECT failed_logins FROM users WHERE id = ?').get(id) as { failed_logins: number };
      if (r.failed_logins < maxFailures) return { locked: false };
      this.db.prepare('UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?').run(lockUntil, id);
      return { locked: true };
    })();
  }
  clearLoginFailures(id: string): void {
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(id);
  }
  /** A successful login: failures forgotten, the time kept. */
  recordLogin(id: string, at: number): void {
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?').run(at, id);
  }

  // Sessions (the id is the SHA-256 of the cookie value)
  addSession(s: Omit<SessionRow, 'revokedAt'>): void {
    this.db.prepare('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(s.id, s.userId, s.createdAt, s.expiresAt);
  }
  session(id: string): SessionRow | undefined {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return r && { id: r.id as string, userId: r.user_id as string, createdAt: r.created_at as number, expiresAt: r.expires_at as number, revokedAt: (r.revoked_at as number | null) ?? null };
  }
  revokeSession(id: string, at: number): void {
    this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
  }
  revokeUserSessions(userId: string, at: number): void {
    this.db.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(at, userId);
  }
  pruneSessions(before: number): void {
    this.db.prepare('DELETE FROM sessions WHERE expires_at < ?').run(before);
  }

  // API tokens
  addToken(t: Omit<TokenRow, 'revokedAt'>): void {
    this.db
      .prepare('INSERT INTO api_tokens (id, name, secret_hash, role, enterprise_id, region, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.name, t.secretHash, t.role, t.enterpriseId, t.region, t.createdBy, t.createdAt, t.expiresAt);
  }
  token(id: string): TokenRow | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return r && token(r);
  }
  tokens(): TokenRow[] {
    return (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as Row[]).map(token);
  }
  revokeToken(id: string, at: number): boolean {
    return this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }

  // Gateway credentials
  gatewayCredential(enterpriseId: string, gatewayId: string): GatewayCredentialRow | undefined {
    const r = this.db.prepare('SELECT * FROM gateway_credentials WHERE enterprise_id = ? AND gateway_id = ?').get(enterpriseId, gatewayId) as Row | undefined;
    return r && { enterpriseId: r.enterprise_id as string, gatewayId: r.gateway_id as string, hash: r.hash as string, issuedAt: r.issued_at as number, issuedBy: r.issued_by as string, rotations: r.rotations as number };
  }
  gatewayCredentials(): GatewayCredentialRow[] {
    return (this.db.prepare('SELECT * FROM gateway_credentials ORDER BY enterprise_id, gateway_id').all() as Row[]).map((r) => ({
      enterpriseId: r.enterprise_id as string,
      gatewayId: r.gateway_id as string,
      hash: r.hash as string,
      issuedAt: r.issued_at as number,
      issuedBy: r.issued_by as string,
      rotations: r.rotations as number,
    }));
  }
  putGatewayCredential(c: Omit<GatewayCredentialRow, 'rotations'>): void {
    this.db
      .prepare(
        `INSERT INTO gateway_credentials (enterprise_id, gateway_id, hash, issued_at, issued_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (enterprise_id, gateway_id) DO UPDATE SET hash = excluded.hash, issued_at = excluded.issued_at,
           issued_by = excluded.issued_by, rotations = rotations + 1`,
      )
      .run(c.enterpriseId, c.gatewayId, c.hash, c.issuedAt, c.issuedBy);
  }

  deleteGatewayCredential(enterpriseId: string, gatewayId: string): boolean {
    return this.db.prepare('DELETE FROM gateway_credentials WHERE enterprise_id = ? AND gateway_id = ?').run(enterpriseId, gatewayId).changes > 0;
  }

  // Security log
  log(e: Omit<SecurityEntry, 'id'>): void {
    this.db
      .prepare('INSERT INTO security_log (at, action, outcome, actor, enterprise_id, ip, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(e.at, e.action, e.outcome, e.actor, e.enterpriseId, e.ip, e.target, e.detail === null ? null : JSON.stringify(e.detail));
  }
  entries(q: { action?: string; outcome?: string; enterpriseIds?: readonly string[]; before?: number; limit: number }): SecurityEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      args.push(value);
    };
    if (q.action !== undefined) add('action = ?', q.action);
    if (q.outcome !== undefined) add('outcome = ?', q.outcome);
    if (q.before !== undefined) add('id < ?', q.before);
    if (q.enterpriseIds !== undefined) {
      where.push(`enterprise_id IN (${q.enterpriseIds.map(() => '?').join(',') || 'NULL'})`);
      args.push(...q.enterpriseIds);
    }
    const rows = this.db
      .prepare(`SELECT * FROM security_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...args, q.limit) as Row[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as number,
      action: r.action as string,
      outcome: r.outcome as SecurityEntry['outcome'],
      actor: (r.actor as string | null) ?? null,
      enterpriseId: (r.enterprise_id as string | null) ?? null,
      ip: (r.ip as string | null) ?? null,
      target: (r.target as string | null) ?? null,
      detail: r.detail === null ? null : (JSON.parse(r.detail as string) as Record<string, unknown>),
    }));
  }
}
