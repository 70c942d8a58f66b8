// Operations and telemetry reads (issue 4): readiness, Prometheus metrics, dead letters, telemetry
// series raw or aggregated, and the readings around an alarm. Query strings are validated here.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, iso, isWorkshopReading, Timestamp, type AlarmRecord, type SiteConfig } from '@hazwatch/protocols';
import type { DeadLetter, DeadLetterStore } from '../ingest/dead-letters.ts';
import type { IngestMetrics } from '../ingest/metrics.ts';
import { REJECT_REASONS } from '../ingest/validate.ts';
import type { AggregateField, StoredReading, TelemetryStore } from '../storage/telemetry-store.ts';
import { ApiError, badRequest, jsonSchema } from './schema.ts';
import { scopeFilter } from './authz.ts';

export type OpsDeps = {
  telemetry: TelemetryStore;
  storeKind: 'sqlite' | 'influxdb';
  deadLetters: DeadLetterStore;
  metrics: IngestMetrics;
  brokerConnected: () => boolean;
  embeddedBroker: boolean;
  /** Spool fill (percent) from which the instance reports not ready. */
  spoolAlarmPercent: number;
  site: () => SiteConfig;
  alarm: (id: string) => Promise<AlarmRecord | undefined>;
  now?: () => number;
};

const Ready = z.strictObject({
  ready: z.boolean(),
  checks: z.strictObject({
    broker: z.strictObject({ ok: z.boolean(), embedded: z.boolean() }),
    store: z.strictObject({ ok: z.boolean(), kind: z.string(), detail: z.string().optional() }),
    spool: z.strictObject({ ok: z.boolean(), depth: z.number(), capacity: z.number(), notReadyAt: z.number(), oldestReceivedAt: z.string().nullable() }).optional(),
    remote: z.strictObject({ reachable: z.boolean(), lastError: z.string().nullable(), lastSuccessAt: z.string().nullable() }).optional(),
  }),
});

const DeadLetterView = z.strictObject({
  id: z.number().int(),
  receivedAt: z.string(),
  topic: z.string(),
  reason: z.string(),
  detail: z.string(),
  bytes: z.number().int(),
  truncated: z.boolean(),
  /** The payload as text when it is valid UTF-8, else null (see payloadBase64). */
  payloadText: z.string().nullable(),
  payloadBase64: z.string(),
});
const DeadLetterList = z.strictObject({ total: z.number().int(), items: z.array(DeadLetterView) });
const DeadLetterQuery = z.strictObject({
  reason: z.enum(REJECT_REASONS).optional(),
  topic: z.string().max(1024).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

// Epoch ms (digits) or RFC 3339, as on the wire (SPEC 1).
const Time = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), Timestamp);
const SeriesQuery = z
  .strictObject({
    enterpriseId: Id.optional(),
    /** Default: one hour before `to`. */
    from: Time.optional(),
    /** Default: now. */
    to: Time.optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    /** Set: aggregated per interval of this many seconds. */
    intervalSeconds: z.coerce.number().int().min(1).max(366 * 86_400).optional(),
    field: z.enum(['headcount', 'materialKg', 'counter']).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: '"from" must be before "to"', path: ['from'] });
const SubjectParams = z.strictObject({ id: Id });
const AroundQuery = z.strictObject({
  beforeSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
  afterSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});

const Person = z.strictObject({ id: z.string(), since: z.string() });
const ReadingView = z.strictObject({
  enterpriseId: z.string(),
  gatewayId: z.string(),
  seq: z.number(),
  receivedAt: z.string(),
  ts: z.string(),
  workshopId: z.string().optional(),
  lineId: z.string().optional(),
  headcount: z.strictObject({ total: z.number().nullable(), byLine: z.record(z.string(), z.number()).optional(), persons: z.array(Person).optional() }).optional(),
  materialKg: z.number().nullable().optional(),
  production: z.strictObject({ counter: z.number(), unit: z.string().optional(), product: z.string().optional() }).optional(),
});
const Bucket = z.strictObject({ start: z.string(), count: z.number(), min: z.number(), max: z.number(), mean: z.number(), last: z.number() });
const SeriesView = z.strictObject({
  enterpriseId: z.string(),
  from: z.string(),
  to: z.string(),
  readings: z.array(ReadingView).optional(),
  field: z.string().optional(),
  intervalSeconds: z.number().optional(),
  buckets: z.array(Bucket).optional(),
});
const AroundView = z.strictObject({ alarmId: z.string(), enterpriseId: z.string(), from: z.string(), to: z.string(), readings: z.array(ReadingView) });

const errors = { 400: jsonSchema(ApiError), 404: jsonSchema(ApiError) };
/** At most this many aggregate buckets per request. */
const MAX_BUCKETS = 10_000;

export async function registerOpsRoutes(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  const now = deps.now ?? Date.now;

  // Readiness, beside /api/v1/health (liveness): take traffic only when a batch received now would be
  // made durable, the broker connection is up, and the spool is below its alarm level.
  app.get('/api/v1/ready', { config: { auth: 'public' }, schema: { response: { 200: jsonSchema(Ready), 503: jsonSchema(Ready) } } }, async (_req, reply) => {
    const h = deps.telemetry.health();
    const broker = deps.brokerConnected();
    const notReadyAt = h.spool ? Math.ceil((h.spool.capacity * deps.spoolAlarmPercent) / 100) : 0;
    const spoolOk = !h.spool || h.spool.depth < notReadyAt;
    const ready = broker && h.writable && spoolOk;
    const body = {
      ready,
      checks: {
        broker: { ok: broker, embedded: deps.embeddedBroker },
        store: { ok: h.writable, kind: deps.storeKind, ...(h.detail !== undefined ? { detail: h.detail } : {}) },
        ...(h.spool
          ? { spool: { ok: spoolOk, depth: h.spool.depth, capacity: h.spool.capacity, notReadyAt, oldestReceivedAt: h.spool.oldestReceivedAt === null ? null : iso(h.spool.oldestReceivedAt) } }
          : {}),
        ...(h.remote
          ? { remote: { reachable: h.remote.reachable, lastError: h.remote.lastError, lastSuccessAt: h.remote.lastSuccessAt === null ? null : iso(h.remote.lastSuccessAt) } }
          : {}),
      },
    };
    return reply.code(ready ? 200 : 503).send(body);
  });

  app.get('/metrics', { config: { auth: 'ops:read' } }, async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });

  app.get('/api/v1/ingest/dead-letters', { config: { auth: 'ops:read' }, schema: { response: { 200: jsonSchema(DeadLetterList), ...errors } } }, async (req, reply) => {
    const q = DeadLetterQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const items = deps.deadLetters.list({
      limit: q.data.limit,
      ...(q.data.reason !== undefined ? { reason: q.data.reason } : {}),
      ...(q.data.topic !== undefined ? { topic: q.data.topic } : {}),
      ...(q.data.before !== undefined ? { before: q.data.before } : {}),
    });
    return { total: deps.deadLetters.count(), items: items.map(deadLetterView) };
  });

  app.get('/api/v1/ingest/dead-letters/:id', { config: { auth: 'ops:read' }, schema: { response: { 200: jsonSchema(DeadLetterView), ...errors } } }, async (req, reply) => {
    const p = z.strictObject({ id: z.coerce.number().int().min(1) }).safeParse(req.params);
    if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
    const d = deps.deadLetters.get(p.data.id);
    if (!d) return reply.code(404).send({ error: 'not-found', message: `no dead letter ${p.data.id} (the oldest are removed past the bound)` });
    return deadLetterView(d);
  });

  for (const kind of ['workshops', 'lines'] as const) {
    app.get(`/api/v1/telemetry/${kind}/:id`, { config: { auth: 'live:read' }, schema: { response: { 200: jsonSchema(SeriesView), ...errors } } }, async (req, reply) => {
      const p = SubjectParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
      const q = SeriesQuery.safeParse(req.query);
      if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
      const found = enterpriseOf(deps.site(), kind, p.data.id, q.data.enterpriseId);
      if ('error' in found) return reply.code(found.status).send({ error: found.status === 404 ? 'not-found' : 'bad-request', message: found.error });
      const scope = scopeFilter(req);
      if (scope !== undefined && !scope.includes(found.enterpriseId)) {
        return req.authz!.deny(reply, `${kind === 'workshops' ? 'workshop' : 'line'} "${p.data.id}" is not yours to see`, { enterpriseId: found.enterpriseId });
      }
      const to = q.data.to ?? now();
      const from = q.data.from ?? to - 3_600_000;
      const subject = kind === 'workshops' ? { workshopId: p.data.id } : { lineId: p.data.id };
      const base = { enterpriseId: found.enterpriseId, from: iso(from), to: iso(to) };
      if (q.data.intervalSeconds === undefined) {
        const rows = await deps.telemetry.query({ enterpriseId: found.enterpriseId, ...subject, from, to, limit: q.data.limit });
        return { ...base, readings: rows.map(readingView) };
      }
      const field: AggregateField = q.data.field ?? (kind === 'workshops' ? 'headcount' : 'counter');
      if ((kind === 'workshops') !== (field !== 'counter')) {
        return reply.code(400).send({ error: 'bad-request', message: kind === 'workshops' ? 'a workshop series has the fields headcount and materialKg' : 'a line series has the field counter' });
      }
      const intervalMs = q.data.intervalSeconds * 1000;
      if ((to - from) / intervalMs > MAX_BUCKETS) {
        return reply.code(400).send({ error: 'bad-request', message: `at most ${MAX_BUCKETS} intervals per request: widen intervalSeconds or narrow from/to` });
      }
      const buckets = await deps.telemetry.aggregate({ enterpriseId: found.enterpriseId, ...subject, field, from, to, intervalMs });
      return { ...base, field, intervalSeconds: q.data.intervalSeconds, buckets: buckets.map((b) => ({ ...b, start: iso(b.start) })) };
    });
  }

  // Alarm evidence: what the subject's gateway reported from `beforeSeconds` before the condition
  // began until `afterSeconds` after it cleared (or until now while it is active).
  app.get('/api/v1/telemetry/alarms/:alarmId', { config: { auth: 'alarms:read' }, schema: { response: { 200: jsonSchema(AroundView), ...errors } } }, async (req, reply) => {
    const p = z.strictObject({ alarmId: z.string().min(1).max(128) }).safeParse(req.params);
    if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
    const q = AroundQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const alarm = await deps.alarm(p.data.alarmId);
    if (!alarm) return reply.code(404).send({ error: 'not-found', message: `no alarm ${p.data.alarmId}` });
    const scope = scopeFilter(req);
    if (scope !== undefined && !scope.includes(alarm.enterpriseId)) {
      return req.authz!.deny(reply, `no alarm ${p.data.alarmId}`, { status: 404, enterpriseId: alarm.enterpriseId, target: `alarm ${alarm.id}` });
    }
    const from = Date.parse(alarm.since) - q.data.beforeSeconds * 1000;
    const to = Math.min(now(), (alarm.clearedAt ? Date.parse(alarm.clearedAt) : now()) + q.data.afterSeconds * 1000) + 1;
    const s = alarm.subject;
    // A workshop's or line's readings; for a gateway's alarm (offline), what that gateway sent.
    const subject = s.workshopId !== undefined ? { workshopId: s.workshopId } : s.lineId !== undefined ? { lineId: s.lineId } : s.gatewayId !== undefined ? { gatewayId: s.gatewayId } : {};
    const rows = await deps.telemetry.query({ enterpriseId: alarm.enterpriseId, ...subject, from, to, limit: q.data.limit });
    return { alarmId: alarm.id, enterpriseId: alarm.enterpriseId, from: iso(from), to: iso(to), readings: rows.map(readingView) };
  });
}

function enterpriseOf(site: SiteConfig, kind: 'workshops' | 'lines', id: string, enterpriseId: string | undefined): { enterpriseId: string } | { status: 400 | 404; error: string } {
  const owners = site.enterprises.filter((e) => (kind === 'workshops' ? e.workshops : e.lines).some((x) => x.id === id)).map((e) => e.id);
  const what = kind === 'workshops' ? 'workshop' : 'line';
  if (enterpriseId !== undefined) {
    return owners.includes(enterpriseId) ? { enterpriseId } : { status: 404, error: `enterprise "${enterpriseId}" has no ${what} "${id}"` };
  }
  if (owners.length === 1) return { enterpriseId: owners[0]! };
  if (owners.length === 0) return { status: 404, error: `no ${what} "${id}" in the site configuration` };
  return { status: 400, error: `${what} "${id}" exists in several enterprises (${owners.join(', ')}): add ?enterpriseId=` };
}

function readingView(r: StoredReading): z.infer<typeof ReadingView> {
  const base = { enterpriseId: r.enterpriseId, gatewayId: r.gatewayId, seq: r.seq, receivedAt: iso(r.receivedAt), ts: iso(r.reading.ts) };
  const x = r.reading;
  if (isWorkshopReading(x)) {
    return {
      ...base,
      workshopId: x.workshopId,
      ...(x.headcount !== undefined
        ? {
            headcount: {
              total: x.headcount?.total ?? null,
              ...(x.headcount?.byLine ? { byLine: x.headcount.byLine } : {}),
              ...(x.headcount?.persons ? { persons: x.headcount.persons.map((p) => ({ id: p.id, since: iso(p.since) })) } : {}),
            },
          }
        : {}),
      ...(x.materialKg !== undefined ? { materialKg: x.materialKg } : {}),
    };
  }
  return { ...base, lineId: x.lineId, production: x.production };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function deadLetterView(d: DeadLetter): z.infer<typeof DeadLetterView> {
  let text: string | null;
  try {
    text = utf8.decode(d.payload);
  } catch {
    text = null;
  }
  return {
    id: d.id,
    receivedAt: iso(d.receivedAt),
    topic: d.topic,
    reason: d.reason,
    detail: d.detail,
    bytes: d.bytes,
    truncated: d.truncated,
    payloadText: text,
    payloadBase64: d.payload.toString('base64'),
  };
}
