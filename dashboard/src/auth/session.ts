// Who is looking at the page (AUTH CONTRACT: /api/v1/auth/{login,logout,me}). A server without the
// auth routes (404 on /me: a test or a development build with authentication off) is run as a local
// administrator, so the screens stay usable there; with auth on, nothing shows before a login.
import type { Role, User } from '@hazwatch/protocols';
import type { Api } from '../api/client.ts';
import { ApiError } from '../api/client.ts';

// The contract's types (type-only: the page does not bundle the schemas behind them).
export type { Role, User };

export type Session =
  | { kind: 'loading' }
  | { kind: 'signed-out'; error: string | null }
  | { kind: 'signed-in'; user: User; authDisabled: boolean };

export const LOCAL_ADMIN: User = { id: 'local', username: 'local', displayName: 'local', role: 'admin', enterpriseId: null, region: null };

// Every role once: a role added to the contract fails to compile here until it is listed.
const EVERY_ROLE: Record<Role, true> = { operator: true, 'enterprise-admin': true, regulator: true, admin: true };
export const ROLES = Object.keys(EVERY_ROLE) as readonly Role[];

/** Boundary check of the contract's `User`. */
export function checkUser(x: unknown): User | null {
  if (typeof x !== 'object' || x === null) return null;
  const u = x as Record<string, unknown>;
  const optStr = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : undefined);
  const enterpriseId = optStr(u.enterpriseId);
  const region = optStr(u.region);
  if (typeof u.id !== 'string' || typeof u.username !== 'string' || !ROLES.includes(u.role as Role) || enterpriseId === undefined || region === undefined) return null;
  return { id: u.id, username: u.username, displayName: typeof u.displayName === 'string' && u.displayName ? u.displayName : u.username, role: u.role as Role, enterpriseId, region };
}

/** `signed-out.error` when the server ended a session the page had (expired, revoked, the user disabled). */
export const SESSION_ENDED = 'session-ended';

export class SessionStore {
  #state: Session = { kind: 'loading' };
  #listeners = new Set<(s: Session) => void>();

  constructor(private readonly api: Api) {}

  get state(): Session {
    return this.#state;
  }

  get user(): User | null {
    return this.#state.kind === 'signed-in' ? this.#state.user : null;
  }

  subscribe(fn: (s: Session) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #set(s: Session): void {
    this.#state = s;
    for (const l of this.#listeners) l(s);
  }

  async load(): Promise<void> {
    try {
      const body = await this.api.get<{ user?: unknown }>('/api/v1/auth/me');
      const user = checkUser(body?.user);
      this.#set(user ? { kind: 'signed-in', user, authDisabled: false } : { kind: 'signed-out', error: 'malformed /auth/me answer' });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) this.#set({ kind: 'signed-in', user: LOCAL_ADMIN, authDisabled: true });
      else this.#set({ kind: 'signed-out', error: e instanceof ApiError && e.status === 401 ? null : (e as Error).message });
    }
  }

  /** Resolves to null on success, else the reason (for the login form). */
  async login(username: string, password: string): Promise<'invalid' | 'throttled' | 'error' | null> {
    try {
      const body = await this.api.send<{ user?: unknown }>('POST', '/api/v1/auth/login', { username, password });
      const user = checkUser(body?.user);
      if (!user) return 'error';
      this.#set({ kind: 'signed-in', user, authDisabled: false });
      return null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return 'invalid';
      if (e instanceof ApiError && e.status === 429) return 'throttled';
      return 'error';
    }
  }

  async logout(): Promise<void> {
    try {
      await this.api.send('POST', '/api/v1/auth/logout');
    } finally {
      this.#set({ kind: 'signed-out', error: null });
    }
  }

  /** A 401 from any call: the session expired or was revoked. */
  expired(): void {
    // Said on the login page: a wall display must not fall back to it without a word.
    if (this.#state.kind === 'signed-in' && !this.#state.authDisabled) this.#set({ kind: 'signed-out', error: SESSION_ENDED });
  }
}
