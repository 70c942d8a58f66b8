import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AlarmRecord, Id, LineLive, SiteConfig, WorkshopLive } from '@hazwatch/protocols';
import type { IngestStats } from '../ingest/stats.ts';
import { IngestStatsView } from '../ingest/stats.ts';
import type { RulesService } from '../rules/rules.ts';
import type { AlarmStore } from '../storage/alarm-store.ts';
import { ApiError, badRequest, jsonSchema } from './schema.ts';

export type RouteDeps = {
  rules: RulesService;
  alarms: AlarmStore;
  stats: IngestStats;
  version: string;
  startedAt: number;
  now?: () => number;
};

export const Health = z.strictObject({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number() });
export const SiteView = z.strictObject({ revision: z.number().int(), site: SiteConfig });

const EnterpriseFilter = z.strictObject({ enterpriseId: Id.optional() });
const AlarmQuery = z.strictObject({
  state: z.enum(['active', 'all']).default('all'),
  enterpriseId: Id.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const errors = { 400: jsonSchema(ApiError) };

/** The v1 HTTP API of the walking skeleton. Query strings are validated here, at the boundary. */
export async function registerRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const now = deps.now ?? Date.now;

  app.get('/api/v1/health', { schema: { response: { 200: jsonSchema(Health) } } }, async () => ({
    status: 'ok' as const,
    version: deps.version,
    uptimeSeconds: Math.round((now() - deps.startedAt) / 1000),
  }));

  app.get('/api/v1/workshops', { schema: { response: { 200: jsonSchema(z.array(WorkshopLive)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseFilter.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    return deps.rules.workshops().filter((w) => q.data.enterpriseId === undefined || w.enterpriseId === q.data.enterpriseId);
  });

  app.get('/api/v1/lines', { schema: { response: { 200: jsonSchema(z.array(LineLive)), ...errors } } }, async (req, reply) => {
    const q = EnterpriseFilter.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    return deps.rules.lines().filter((l) => q.data.enterpriseId === undefined || l.enterpriseId === q.data.enterpriseId);
  });

  app.get('/api/v1/alarms', { schema: { response: { 200: jsonSchema(z.array(AlarmRecord)), ...errors } } }, async (req, reply) => {
    const q = AlarmQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    return deps.alarms.list({ state: q.data.state, limit: q.data.limit, ...(q.data.enterpriseId !== undefined ? { enterpriseId: q.data.enterpriseId } : {}) });
  });

  app.get('/api/v1/site', { schema: { response: { 200: jsonSchema(SiteView) } } }, async () => ({
    revision: deps.rules.revision,
    site: deps.rules.site,
  }));

  app.get('/api/v1/ingest/stats', { schema: { response: { 200: jsonSchema(IngestStatsView) } } }, async () =>
    deps.stats.view(deps.rules.errors),
  );
}
