// Login, logout and who-am-I (the auth contract), users, API tokens, gateway credentials and the
// security log. Bodies and queries are validated here; permissions are declared per route and
// enforced by http/authz.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GatewayCredentialInfo, Id, IssuedGatewayCredential, IssuedToken, SecurityLogEntry, TokenInfo, User, UserAccount, type SiteConfig } from '@hazwatch/protocols';
import { AuthError, NewUser, Password, Region, tokenInfo, userAccount, type AuthService } from '../auth/service.ts';
import { ROLES, type Principal, type Role } from '../auth/types.ts';
import { SESSION_COOKIE, scopeFilter } from './authz.ts';
import { ApiError, badRequest, jsonSchema } from './schema.ts';

export type AuthRouteDeps = { auth: AuthService; site: () => SiteConfig; tls: boolean; now?: () => number };

const Login = z.strictObject({ username: z.string().min(1).max(128), password: z.string().min(1).max(1024) });
const UserPatch = z.strictObject({
  displayName: z.string().trim().min(1).max(100).optional(),
  role: z.enum(ROLES).optional(),
  enterpriseId: Id.nullable().optional(),
  region: Region.nullable().optional(),
  password: Password.optional(),
  disabled: z.boolean().optional(),
  /** Lifts a lockout after failed logins (a new password lifts it too). */
  unlock: z.literal(true).optional(),
});
const NewToken = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
  enterpriseId: Id.nullable().optional(),
  region: Region.nullable().optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
const IdParams = z.strictObject({ id: z.string().min(1).max(64) });
const GatewayParams = z.strictObject({ enterpriseId: Id, gatewayId: Id });
/** One enterprise's (of those the caller may see: authz refuses another). */
const EnterpriseQuery = z.strictObject({ enterpriseId: Id.optional() });
const LogQuery = z.strictObject({
  /** One enterprise's entries (of those the caller may see: authz refuses another). */
  enterpriseId: Id.optional(),
  action: z.string().max(64).optional(),
  outcome: z.enum(['ok', 'denied', 'failed']).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

// Every answer has a schema: Fastify serialises with it, so a field it does not name (a hash) never leaves.
const error = jsonSchema(ApiError);
const errors = { 400: error, 403: error, 404: error, 409: error };
const UserAnswer = z.strictObject({ user: User });
const AccountAnswer = z.strictObject({ user: UserAccount });
const empty = { 204: { type: 'null' } };

/** A token's or a session's view of itself, as the contract's `User`. */
const meOf = (p: Principal): User => p.user ?? { id: p.id, username: p.name, displayName: p.name, role: p.role, enterpriseId: p.enterpriseId, region: p.region };

export async function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const { auth } = deps;
  const cookie = (value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${deps.tls ? '; Secure' : ''}`;
  const principal = (req: FastifyRequest) => req.authz!.principal;
  /** Enterprise admins manage only their enterprise and never grant more than they have. */
  const mayManage = (p: Principal, role: Role, enterpriseId: string | null | undefined) =>
    p.role === 'admin' || (p.role === 'enterprise-admin' && (role === 'operator' || role === 'enterprise-admin') && enterpriseId === p.enterpriseId);
  const failed = (reply: FastifyReply, err: unknown) => {
    if (err instanceof AuthError) return reply.code({ conflict: 409, 'not-found': 404, invalid: 400 }[err.code]).send({ error: err.code === 'invalid' ? 'bad-request' : err.code, message: err.message });
    if (err instanceof z.ZodError) return reply.code(400).send(badRequest(err, 'body'));
    throw err;
  };

  app.post('/api/v1/auth/login', { config: { auth: 'public' }, bodyLimit: 16 * 1024, schema: { response: { 200: jsonSchema(UserAnswer), 400: error, 401: error, 429: error } } }, async (req, reply) => {
    const b = Login.safeParse(req.body);
    if (!b.success) return reply.code(400).send(badRequest(b.error, 'body'));
    const r = await auth.login(b.data.username, b.data.password, req.ip);
    if (!r.ok) return reply.code(r.status).send({ error: r.error, message: r.message });
    reply.header('set-cookie', cookie(r.sessionToken, Math.floor((r.expiresAt - (deps.now ?? Date.now)()) / 1000)));
    return { user: r.user };
  });

  app.post('/api/v1/auth/logout', { config: { auth: 'authenticated' }, schema: { response: empty } }, async (req, reply) => {
    auth.logout(principal(req), req.ip);
    reply.header('set-cookie', cookie('', 0));
    return reply.code(204).send();
  });

  app.get('/api/v1/auth/me', { config: { auth: 'authenticated' }, schema: { response: { 200: jsonSchema(UserAnswer) } } }, async (req) => ({ user: meOf(principal(req)) }));

  app.get('/api/v1/users', { config: { auth: 'users:manage' }, schema: { response: { 200: jsonSchema(z.array(UserAccount)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const scope = scopeFilter(req);
    const now = (deps.now ?? Date.now)();
    return auth.store
      .users()
      .filter((u) => scope === undefined || (u.enterpriseId !== null && scope.includes(u.enterpriseId) && u.role !== 'regulator'))
      .filter((u) => q.data.enterpriseId === undefined || u.enterpriseId === q.data.enterpriseId)
      .map((u) => userAccount(u, now));
  });

  app.post('/api/v1/users', { config: { auth: 'users:manage' }, bodyLimit: 16 * 1024, schema: { response: { 201: jsonSchema(AccountAnswer), ...errors } } }, async (req, reply) => {
    const b = NewUser.safeParse(req.body);
    if (!b.success) return reply.code(400).send(badRequest(b.error, 'body'));
    const p = principal(req);
    if (!mayManage(p, b.data.role, b.data.enterpriseId)) return req.authz!.deny(reply, `a ${p.role} may not create a ${b.data.role}${b.data.enterpriseId ? ` of ${b.data.enterpriseId}` : ''}`, { enterpriseId: b.data.enterpriseId ?? null });
    try {
      const user = await auth.createUser(b.data, p.name);
      return reply.code(201).send({ user: auth.account(user.id) });
    } catch (err) {
      return failed(reply, err);
    }
  });

  app.patch('/api/v1/users/:id', { config: { auth: 'users:manage' }, bodyLimit: 16 * 1024, schema: { response: { 200: jsonSchema(AccountAnswer), ...errors } } }, async (req, reply) => {
    const id = IdParams.safeParse(req.params);
    if (!id.success) return reply.code(400).send(badRequest(id.error, 'params'));
    const b = UserPatch.safeParse(req.body);
    if (!b.success) return reply.code(400).send(badRequest(b.error, 'body'));
    const p = principal(req);
    const before = auth.store.userById(id.data.id);
    if (!before || !mayManage(p, before.role, before.enterpriseId)) return req.authz!.deny(reply, `no user ${id.data.id}`, { status: 404 });
    const after = { role: b.data.role ?? before.role, enterpriseId: b.data.enterpriseId !== undefined ? b.data.enterpriseId : before.enterpriseId };
    if (!mayManage(p, after.role, after.enterpriseId)) return req.authz!.deny(reply, `a ${p.role} may not make a ${after.role}${after.enterpriseId ? ` of ${after.enterpriseId}` : ''}`);
    try {
      const patch = Object.fromEntries(Object.entries(b.data).filter(([, v]) => v !== undefined));
      await auth.updateUser(id.data.id, patch, p.name);
      return { user: auth.account(id.data.id) };
    } catch (err) {
      return failed(reply, err);
    }
  });

  app.get('/api/v1/tokens', { config: { auth: 'tokens:manage' }, schema: { response: { 200: jsonSchema(z.array(TokenInfo)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const scope = scopeFilter(req);
    return auth.store
      .tokens()
      .filter((t) => scope === undefined || (t.enterpriseId !== null && scope.includes(t.enterpriseId)))
      .filter((t) => q.data.enterpriseId === undefined || t.enterpriseId === q.data.enterpriseId)
      .map(tokenInfo);
  });

  app.post('/api/v1/tokens', { config: { auth: 'tokens:manage' }, bodyLimit: 16 * 1024, schema: { response: { 201: jsonSchema(IssuedToken), ...errors } } }, async (req, reply) => {
    const b = NewToken.safeParse(req.body);
    if (!b.success) return reply.code(400).send(badRequest(b.error, 'body'));
    const p = principal(req);
    if (!mayManage(p, b.data.role, b.data.enterpriseId)) return req.authz!.deny(reply, `a ${p.role} may not issue a ${b.data.role} token`, { enterpriseId: b.data.enterpriseId ?? null });
    try {
      const now = (deps.now ?? Date.now)();
      const r = auth.issueToken(
        { name: b.data.name, role: b.data.role, enterpriseId: b.data.enterpriseId ?? null, region: b.data.region ?? null, expiresAt: b.data.expiresInDays !== undefined ? now + b.data.expiresInDays * 86_400_000 : null },
        p.name,
      );
      return reply.code(201).send({ token: r.token, ...r.info });
    } catch (err) {
      return failed(reply, err);
    }
  });

  app.delete('/api/v1/tokens/:id', { config: { auth: 'tokens:manage' }, schema: { response: { ...empty, ...errors } } }, async (req, reply) => {
    const id = IdParams.safeParse(req.params);
    if (!id.success) return reply.code(400).send(badRequest(id.error, 'params'));
    const t = auth.store.token(id.data.id);
    const p = principal(req);
    if (!t || !mayManage(p, t.role, t.enterpriseId)) return req.authz!.deny(reply, `no token ${id.data.id}`, { status: 404 });
    auth.revokeToken(t.id, p.name);
    return reply.code(204).send();
  });

  app.get('/api/v1/gateways/credentials', { config: { auth: 'gateways:manage' }, schema: { response: { 200: jsonSchema(z.array(GatewayCredentialInfo)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const scope = scopeFilter(req);
    return auth.store
      .gatewayCredentials()
      .filter((c) => (scope === undefined || scope.includes(c.enterpriseId)) && (q.data.enterpriseId === undefined || c.enterpriseId === q.data.enterpriseId))
      .map((c) => ({ enterpriseId: c.enterpriseId, gatewayId: c.gatewayId, username: `${c.enterpriseId}/${c.gatewayId}`, issuedAt: new Date(c.issuedAt).toISOString(), issuedBy: c.issuedBy, rotations: c.rotations }));
  });

  // Issue (or, with /rotate, replace) a gateway's MQTT secret: shown once, stored hashed.
  for (const path of ['/api/v1/gateways/:enterpriseId/:gatewayId/credentials', '/api/v1/gateways/:enterpriseId/:gatewayId/credentials/rotate']) {
    const rotate = path.endsWith('/rotate');
    app.post(path, { config: { auth: 'gateways:manage' }, schema: { response: { [rotate ? 200 : 201]: jsonSchema(IssuedGatewayCredential), ...errors } } }, async (req, reply) => {
      const g = GatewayParams.safeParse(req.params);
      if (!g.success) return reply.code(400).send(badRequest(g.error, 'params'));
      const ent = deps.site().enterprises.find((e) => e.id === g.data.enterpriseId);
      if (!ent?.gateways.some((x) => x.id === g.data.gatewayId)) return reply.code(404).send({ error: 'not-found', message: `the site configuration has no gateway ${g.data.enterpriseId}/${g.data.gatewayId}` });
      const exists = auth.store.gatewayCredential(g.data.enterpriseId, g.data.gatewayId) !== undefined;
      if (exists !== rotate) {
        return reply.code(409).send({ error: 'conflict', message: rotate ? 'no credential to rotate: issue one first' : 'the gateway has a credential: rotate it (POST …/credentials/rotate)' });
      }
      const c = auth.gatewayCredential(g.data.enterpriseId, g.data.gatewayId, principal(req).name);
      return reply.code(rotate ? 200 : 201).send({ username: c.username, password: c.password });
    });
  }

  // Withdraw a gateway's MQTT secret (a gateway taken out of service): its connections are closed.
  app.delete('/api/v1/gateways/:enterpriseId/:gatewayId/credentials', { config: { auth: 'gateways:manage' }, schema: { response: { ...empty, ...errors } } }, async (req, reply) => {
    const g = GatewayParams.safeParse(req.params);
    if (!g.success) return reply.code(400).send(badRequest(g.error, 'params'));
    if (!auth.revokeGatewayCredential(g.data.enterpriseId, g.data.gatewayId, principal(req).name)) {
      return reply.code(404).send({ error: 'not-found', message: `gateway ${g.data.enterpriseId}/${g.data.gatewayId} has no credential` });
    }
    return reply.code(204).send();
  });

  app.get('/api/v1/security/log', { config: { auth: 'security-log:read' }, schema: { response: { 200: jsonSchema(z.array(SecurityLogEntry)), ...errors } } }, async (req, reply) => {
    const q = LogQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const scope = scopeFilter(req);
    const one = q.data.enterpriseId;
    const enterpriseIds = one !== undefined ? [one] : scope;
    return auth.store
      .entries({ limit: q.data.limit, ...(q.data.action !== undefined ? { action: q.data.action } : {}), ...(q.data.outcome !== undefined ? { outcome: q.data.outcome } : {}), ...(q.data.before !== undefined ? { before: q.data.before } : {}), ...(enterpriseIds !== undefined ? { enterpriseIds } : {}) })
      .map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
  });
}
