import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { GatewayLive, Id, LineLive, SiteConfig, WorkshopLive } from '@hazwatch/protocols';
import type { IngestStats } from '../ingest/stats.ts';
import { IngestStatsView } from '../ingest/stats.ts';
import type { RulesService } from '../rules/rules.ts';
import type { AlarmStore } from '../storage/alarm-store.ts';
import type { ConfigStore } from '../storage/config-store.ts';
import { SITE_BODY_MAX_BYTES, SITE_YAML_MAX_BYTES, parseSiteText } from '../site/load.ts';
import { ApiError, badRequest, jsonSchema } from './schema.ts';
import { scopeFilter } from './authz.ts';
import { siteFor, mergeScoped, touchesOnly } from '../auth/site-scope.ts';

export type RouteDeps = {
  rules: RulesService;
  alarms: AlarmStore;
  stats: IngestStats;
  version: string;
  startedAt: number;
  now?: () => number;
  configs: ConfigStore;
  /** Every configured gateway's presence (presence/gateway-presence.ts). */
  gateways: () => GatewayLive[];
  applySite: (site: SiteConfig, text: string, meta: { source: string; changedBy: string }) => Promise<number>;
};

export const Health = z.strictObject({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number() });
export const SiteView = z.strictObject({ revision: z.number().int(), site: SiteConfig });

const EnterpriseFilter = z.strictObject({ enterpriseId: Id.optional() });

const errors = { 400: jsonSchema(ApiError) };
const RevisionSummary = z.strictObject({ revision: z.number().int(), source: z.string(), changedBy: z.string(), changedAt: z.string() });
const RevisionView = RevisionSummary.extend({ site: SiteConfig, text: z.string() });
const RevisionParams = z.strictObject({ revision: z.coerce.number().int().min(1) });
const SiteRejected = z.strictObject({
  error: z.literal('invalid-site'),
  message: z.string(),
  problems: z.array(z.strictObject({ path: z.string(), message: z.string() })),
});

/** The v1 HTTP API of the walking skeleton. Query strings are validated here, at the boundary. */
export async function registerRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const now = deps.now ?? Date.now;

  app.get('/api/v1/health', { config: { auth: 'public' }, schema: { response: { 200: jsonSchema(Health) } } }, async () => ({
    status: 'ok' as const,
    version: deps.version,
    uptimeSeconds: Math.round((now() - deps.startedAt) / 1000),
  }));

  app.get('/api/v1/workshops', { config: { auth: 'live:read' }, schema: { response: { 200: jsonSchema(z.array(WorkshopLive)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseFilter.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const scope = scopeFilter(req);
    return deps.rules.workshops().filter((w) => (q.data.enterpriseId === undefined || w.enterpriseId === q.data.enterpriseId) && (scope === undefined || scope.includes(w.enterpriseId)));
  });

  app.get('/api/v1/lines', { config: { auth: 'live:read' }, schema: { response: { 200: jsonSchema(z.array(LineLive)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseFilter.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const scope = scopeFilter(req);
    return deps.rules.lines().filter((l) => (q.data.enterpriseId === undefined || l.enterpriseId === q.data.enterpriseId) && (scope === undefined || scope.includes(l.enterpriseId)));
  });

  // What each gateway last said and when it was last heard, on the platform's clock; whether it is
  // offline is the `gateway-offline` alarm's to say (SPEC 4).
  app.get('/api/v1/gateways/live', { config: { auth: 'live:read' }, schema: { response: { 200: jsonSchema(z.array(GatewayLive)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseFilter.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const scope = scopeFilter(req);
    return deps.gateways().filter((g) => (q.data.enterpriseId === undefined || g.enterpriseId === q.data.enterpriseId) && (scope === undefined || scope.includes(g.enterpriseId)));
  });

  // GET /api/v1/alarms and the rest of the alarm API: http/alarm-routes.ts.

  // A tenant sees the site document with only the enterprises it may see (and no other tenant's text).
  app.get('/api/v1/site', { config: { auth: 'site:read' }, schema: { response: { 200: jsonSchema(SiteView) } } }, async (req) => ({
    revision: deps.rules.revision,
    site: siteFor(deps.rules.site, scopeFilter(req)),
  }));

  app.get('/api/v1/site/revisions', { config: { auth: 'site:read' }, schema: { response: { 200: jsonSchema(z.array(RevisionSummary)) } } }, async () => deps.configs.list());

  app.get('/api/v1/site/revisions/:revision', { config: { auth: 'site:read' }, schema: { response: { 200: jsonSchema(RevisionView), 404: jsonSchema(ApiError), ...errors } } }, async (req, reply) => {
    const p = RevisionParams.safeParse(req.params);
    if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
    const r = deps.configs.get(p.data.revision);
    if (!r) return reply.code(404).send({ error: 'not-found', message: `no revision ${p.data.revision}` });
    const scope = scopeFilter(req);
    if (scope === undefined) return r;
    const site = siteFor(r.site, scope);
    return { ...r, site, text: JSON.stringify(site, null, 2) };
  });

  // A new revision of the site configuration, as YAML or JSON text (any content type: the text is
  // parsed here so a malformed document gets the same problem list as any other). Refused whole with
  // every problem listed, and then the running configuration stays as it was (SPEC 3).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.put(
      '/api/v1/site',
      { config: { auth: 'site:write' }, bodyLimit: SITE_BODY_MAX_BYTES, schema: { response: { 200: jsonSchema(z.strictObject({ revision: z.number().int() })), 400: jsonSchema(SiteRejected) } } },
      async (req, reply) => {
        const parsed = parseSiteText(typeof req.body === 'string' ? req.body : '', { maxYamlBytes: SITE_YAML_MAX_BYTES });
        if (!parsed.ok) {
          return reply.code(400).send({ error: 'invalid-site', message: `the site configuration has ${parsed.problems.length} problem(s)`, problems: parsed.problems });
        }
        // An enterprise admin changes its own enterprise only. It may send the whole document with every
        // other part unchanged, or just the part it sees (GET /api/v1/site), which is merged in.
        const scope = scopeFilter(req);
        let next = parsed.site;
        let text = parsed.text;
        if (scope !== undefined && !touchesOnly(deps.rules.site, parsed.site, scope)) {
          const merged = mergeScoped(deps.rules.site, parsed.site, scope);
          if (!merged) return req.authz!.deny(reply, `an ${req.authz!.principal.role} may change only its own enterprise (${scope.join(', ')}) in the site configuration`);
          const whole = parseSiteText(JSON.stringify(merged, null, 2));
          if (!whole.ok) return reply.code(400).send({ error: 'invalid-site', message: `the site configuration has ${whole.problems.length} problem(s)`, problems: whole.problems });
          next = whole.site;
          text = whole.text;
        }
        const revision = await deps.applySite(next, text, { source: 'api', changedBy: req.authz?.principal.name ?? 'api' });
        return { revision };
      },
    );
  });

  app.get('/api/v1/ingest/stats', { config: { auth: 'ops:read' }, schema: { response: { 200: jsonSchema(IngestStatsView) } } }, async () =>
    deps.stats.view(deps.rules.errors),
  );
}
