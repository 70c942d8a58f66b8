// The one authorisation layer of the HTTP API (issue 6). Every route under /api and /metrics declares
// what it needs (`config: { auth: Permission }`); this layer authenticates the request (session cookie
// or `Authorization: Bearer` API token), enforces the permission, refuses a request that names a
// tenant the principal may not see (`enterpriseId` and `region` in the path or query), rate-limits,
// and sets the security headers. A route that declares nothing is open to admins only, so a route
// cannot forget. Routes then filter lists with `req.authz.visible`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SiteConfig } from '@hazwatch/protocols';
import { maySeeRegion, visibleEnterprises } from '../auth/policy.ts';
import type { AuthService } from '../auth/service.ts';
import { may, type Permission, type Principal } from '../auth/types.ts';
import { TokenBuckets } from '../auth/rate-limit.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: Permission;
  }
  interface FastifyRequest {
    authz: RequestAuthz | null;
  }
}

export type RequestAuthz = {
  principal: Principal;
  /** The enterprises this principal may see ('all' for an admin). */
  visible: 'all' | readonly string[];
  /** Refuses (403, or 404 where existence must not leak) and writes the refusal to the security log. */
  deny(reply: FastifyReply, message: string, opts?: { status?: 403 | 404; enterpriseId?: string | null; target?: string }): FastifyReply;
};

export const SESSION_COOKIE = 'hazwatch_session';

const ROUTES = new WeakMap<FastifyInstance, { method: string; url: string; auth: Permission | undefined }[]>();
/** Every route registered after the layer, with its declared permission (the property tests walk them all). */
export const registeredRoutes = (app: FastifyInstance) => ROUTES.get(app) ?? [];

export type AuthzDeps = {
  auth: AuthService;
  site: () => SiteConfig;
  /** Requests per minute per principal (or per address before login). */
  rateLimitPerMinute: number;
  /** Origins allowed cross-origin (CORS); empty: none, the default. */
  corsOrigins: readonly string[];
  /** HTTPS: the cookie gets `Secure` and responses HSTS. */
  tls: boolean;
  now?: () => number;
};

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Session cookie first, else the bearer token; the same for HTTP and socket.io handshakes. */
export function authenticate(auth: AuthService, headers: { cookie?: string | undefined; authorization?: string | undefined }, bearer?: string) {
  const m = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
  const token = m?.[1] ?? bearer;
  if (token !== undefined) return { via: 'token' as const, result: auth.apiToken(token) };
  return { via: 'session' as const, result: auth.session(cookieValue(headers.cookie, SESSION_COOKIE)) };
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // The dashboard and self-contained reports use inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export async function registerAuthz(app: FastifyInstance, deps: AuthzDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const buckets = new TokenBuckets(deps.rateLimitPerMinute, now);
  const undeclared: string[] = [];
  app.decorateRequest('authz', null);
  const routes: { method: string; url: string; auth: Permission | undefined }[] = [];
  ROUTES.set(app, routes);

  app.addHook('onRoute', (route) => {
    const guarded = route.url.startsWith('/api/') || route.url === '/metrics';
    if (guarded && route.config?.auth === undefined && route.method !== 'HEAD') undeclared.push(`${String(route.method)} ${route.url}`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url, auth: route.config?.auth });
  });
  app.addHook('onReady', async () => {
    if (undeclared.length) app.log.warn({ routes: undeclared }, 'routes without a declared permission: only admins may use them');
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
    reply.header('content-security-policy', CSP);
    if (deps.tls) reply.header('strict-transport-security', 'max-age=31536000');

    // CORS is off unless origins are configured; a browser on another origin then gets no answer it may read.
    const origin = req.headers.origin;
    const allowed = origin !== undefined && deps.corsOrigins.includes(origin);
    if (allowed) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-credentials', 'true');
      reply.header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        reply.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE');
        reply.header('access-control-allow-headers', 'authorization, content-type');
        reply.header('access-control-max-age', '600');
        return reply.code(204).send();
      }
    }

    const path = req.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/') && path !== '/metrics') return;
    const ip = req.ip;
    const permission = req.routeOptions.config?.auth;
    // An unknown path: the not-found handler answers, but only after the same rate limit.
    const known = req.routeOptions.url !== undefined;

    const auth = known && permission !== 'public' ? authenticate(deps.auth, req.headers) : undefined;
    const principal = auth?.result.ok ? auth.result.principal : undefined;
    const key = principal ? `${principal.kind}:${principal.id}` : `ip:${ip}`;
    const wait = buckets.take(key);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      return reply.code(429).send({ error: 'rate-limited', message: 'too many requests; slow down' });
    }
    if (!known || permission === 'public') return;

    // A cross-site state change with a session cookie is refused even where SameSite would let it through.
    if (origin !== undefined && !allowed && auth?.via === 'session' && !['GET', 'HEAD'].includes(req.method) && !sameOrigin(origin, req.headers.host)) {
      deps.auth.log.record({ action: 'http.cross-origin-refused', outcome: 'denied', ip, target: `${req.method} ${path}`, detail: { origin } });
      return reply.code(403).send({ error: 'forbidden', message: `requests from ${origin} are not allowed` });
    }
    if (!auth?.result.ok) {
      const reason = auth?.result.ok === false ? auth.result.reason : 'missing';
      if (reason !== 'missing') {
        deps.auth.log.record({ action: auth?.via === 'token' ? 'auth.token-refused' : 'auth.session-refused', outcome: 'denied', ip, target: `${req.method} ${path}`, detail: { reason } });
      }
      return reply.code(401).send({ error: 'unauthenticated', message: reason === 'missing' ? 'log in, or send an API token (Authorization: Bearer)' : `the ${auth?.via === 'token' ? 'API token' : 'session'} is ${reason === 'forged' ? 'not valid' : reason}` });
    }
    const p = auth.result.principal;
    const site = deps.site();
    const visible = visibleEnterprises(p, site);
    const authz: RequestAuthz = {
      principal: p,
      visible,
      deny: (r, message, opts = {}) => {
        deps.auth.log.record({
          action: 'http.forbidden',
          outcome: 'denied',
          actor: p.name,
          enterpriseId: opts.enterpriseId ?? null,
          ip,
          target: opts.target ?? `${req.method} ${path}`,
          detail: { role: p.role, status: opts.status ?? 403, message },
        });
        return r.code(opts.status ?? 403).send({ error: opts.status === 404 ? 'not-found' : 'forbidden', message });
      },
    };
    req.authz = authz;
    const allowedHere = permission === undefined ? p.role === 'admin' : may(p, permission);
    if (!allowedHere) return authz.deny(reply, `a ${p.role} may not ${req.method} ${path}`);

    // Explicitly naming a tenant the principal may not see is refused here, for every route alike.
    const named = [...tenantValues(req.params, 'enterpriseId'), ...tenantValues(req.query, 'enterpriseId')];
    for (const e of named) {
      if (visible !== 'all' && !visible.includes(e)) return authz.deny(reply, `enterprise "${e}" is not yours to see`, { enterpriseId: e });
    }
    for (const region of [...tenantValues(req.params, 'region'), ...tenantValues(req.query, 'region')]) {
      if (!maySeeRegion(p, region)) return authz.deny(reply, `region "${region}" is outside your jurisdiction`);
    }
  });
}

/** The values a request gives for `key` (a string, a comma list, or repeated). */
function tenantValues(source: unknown, key: string): string[] {
  if (typeof source !== 'object' || source === null) return [];
  const v = (source as Record<string, unknown>)[key];
  const all = Array.isArray(v) ? v : [v];
  return all.flatMap((x) => (typeof x === 'string' ? x.split(',').map((s) => s.trim()).filter(Boolean) : []));
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Visible enterprises of a request as a filter: undefined means no restriction. */
export function scopeFilter(req: FastifyRequest): readonly string[] | undefined {
  const v = req.authz?.visible;
  return v === undefined || v === 'all' ? undefined : v;
}
