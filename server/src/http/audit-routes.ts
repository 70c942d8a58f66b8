import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, LocalDate, iso, type SiteConfig } from '@hazwatch/protocols';
import { builtinProfileIds, Profile, ProfileError } from '../audit/profile.ts';
import type { AuditService } from '../audit/service.ts';
import type { AuditAt } from '../audit/types.ts';
import { AuditView, auditView } from '../audit/view.ts';
import type { ConfigStore } from '../storage/config-store.ts';
import { SITE_BODY_MAX_BYTES, SITE_YAML_MAX_BYTES, parseSiteText } from '../site/load.ts';
import { ApiError, badRequest, jsonSchema } from './schema.ts';
import type { FastifyRequest } from 'fastify';

export type AuditRouteDeps = {
  audits: AuditService;
  configs: ConfigStore;
  /** The configuration the platform runs now. */
  current: () => { site: SiteConfig; revision: number };
  now: () => number;
};

const Region = z.string().regex(/^\d{2,12}$/, { message: 'must be an administrative division code of digits, e.g. "370300"' });
const ScopeQuery = z.strictObject({ enterpriseId: Id.optional(), region: Region.optional() });
const LiveQuery = ScopeQuery.extend({ at: LocalDate.optional() });
const RevisionParams = z.strictObject({ revision: z.coerce.number().int().min(1) });
const errors = { 400: jsonSchema(ApiError) };

const atOf = (date: string | undefined, now: () => number): AuditAt => (date !== undefined ? { date } : { instant: now() });
/**
 * The audit's scope: what the query names (the auth layer has refused other tenants), else what the
 * principal may see — its enterprise, or a regulator's region.
 */
const scopeOf = (q: { enterpriseId?: string | undefined; region?: string | undefined }, req?: FastifyRequest) => {
  const p = req?.authz?.principal;
  const own = p && p.role !== 'admin' && q.enterpriseId === undefined && q.region === undefined
    ? p.role === 'regulator' ? { region: p.region ?? '-' } : { enterpriseId: p.enterpriseId ?? '-' }
    : {};
  return {
    ...(q.enterpriseId !== undefined ? { enterpriseId: q.enterpriseId } : {}),
    ...(q.region !== undefined ? { region: q.region } : {}),
    ...own,
  };
};

/**
 * The compliance audit over HTTP (issue 9). Enterprise views pass `enterpriseId`, regulators `region`
 * (an administrative division code covers the codes under it).
 */
export async function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDeps): Promise<void> {
  const run = (site: SiteConfig, revision: number | null, at: AuditAt, scope: { enterpriseId?: string; region?: string }) => {
    const auditedAt = iso(deps.now());
    try {
      return auditView(site, { revision, auditedAt, result: deps.audits.audit(site, at), error: null }, scope);
    } catch (err) {
      if (!(err instanceof ProfileError)) throw err;
      return auditView(site, { revision, auditedAt, result: null, error: err.message }, scope);
    }
  };

  app.get('/api/v1/audit/profiles', { config: { auth: 'audit:read' }, schema: { response: { 200: jsonSchema(z.array(Profile)) } } }, async () =>
    builtinProfileIds().map((id) => deps.audits.profile(id)),
  );

  // The running configuration, audited now (date rules move with time: equipment ages while the
  // configuration stays) or at `at`.
  app.get('/api/v1/audit', { config: { auth: 'audit:read' }, schema: { response: { 200: jsonSchema(AuditView), ...errors } } }, async (req, reply) => {
    const q = LiveQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const { site, revision } = deps.current();
    return run(site, revision, atOf(q.data.at, deps.now), scopeOf(q.data, req));
  });

  // The audit made when a revision was accepted, as of that moment.
  app.get('/api/v1/site/revisions/:revision/audit', { config: { auth: 'audit:read' }, schema: { response: { 200: jsonSchema(AuditView), 404: jsonSchema(ApiError), ...errors } } }, async (req, reply) => {
    const p = RevisionParams.safeParse(req.params);
    if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
    const q = ScopeQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const rev = deps.configs.get(p.data.revision);
    const audit = rev && deps.audits.forRevision(p.data.revision);
    if (!rev || !audit) return reply.code(404).send({ error: 'not-found', message: `no revision ${p.data.revision}` });
    return auditView(rev.site, audit, scopeOf(q.data, req));
  });

  // A configuration checked before it is applied: YAML or JSON text, validated like PUT /api/v1/site.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/v1/audit',
      { config: { auth: 'audit:read' }, bodyLimit: SITE_BODY_MAX_BYTES, schema: { response: { 200: jsonSchema(AuditView), ...errors } } },
      async (req, reply) => {
        const q = LiveQuery.safeParse(req.query);
        if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
        const parsed = parseSiteText(typeof req.body === 'string' ? req.body : '', { maxYamlBytes: SITE_YAML_MAX_BYTES });
        if (!parsed.ok) {
          return reply.code(400).send({ error: 'invalid-site', message: `the site configuration has ${parsed.problems.length} problem(s)`, problems: parsed.problems });
        }
        return run(parsed.site, null, atOf(q.data.at, deps.now), scopeOf(q.data));
      },
    );
  });
}
