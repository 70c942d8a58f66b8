import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AlarmEventKind, AlarmLevel, AlarmRecord, AlarmStatistics, AlarmType, Id, iso, parseRfc3339, type SiteConfig } from '@hazwatch/protocols';
import { scopeOf, type Actor } from '../alarms/actor.ts';
import { ledgerLine } from '../alarms/chain.ts';
import { CSV_HEADER, csvRow } from '../alarms/csv.ts';
import type { AlarmHandling, HandlingResult } from '../alarms/handling.ts';
import { alarmStatistics } from '../alarms/statistics.ts';
import { ALARM_STATES, type AlarmListQuery, type AlarmStore } from '../storage/alarm-store.ts';
import type { TelemetryStore } from '../storage/telemetry-store.ts';
import { ApiError, badRequest, jsonSchema } from './schema.ts';
import type { SecurityLog } from '../auth/security-log.ts';
import { may } from '../auth/types.ts';

export type AlarmRouteDeps = {
  alarms: AlarmStore;
  handling: AlarmHandling;
  telemetry: TelemetryStore;
  site: () => SiteConfig;
  now?: () => number;
  /**
   * Who is asking: the authenticated principal as an actor (issue 6, http/authz.ts), with the
   * enterprises it may see. Without it (tests of this module alone) the interim headers are read.
   */
  actorOf?: (req: FastifyRequest) => Actor | undefined;
  /** Exports are written to the security log. */
  securityLog?: SecurityLog;
  /** Failure counters of the alerting parts (notifier, escalation, notification planning). */
  errors?: () => Record<string, number>;
};

/** Interim identity from headers, for tests of this module without the auth layer. Header values may be percent-encoded (names in Chinese). */
export function headerActor(req: FastifyRequest): Actor | undefined {
  const header = (name: string) => {
    const v = req.headers[name];
    const s = Array.isArray(v) ? v[0] : v;
    if (s === undefined || s.trim() === '') return undefined;
    try {
      return decodeURIComponent(s.trim());
    } catch {
      return s.trim();
    }
  };
  const body = req.body as { by?: unknown } | undefined;
  const id = header('x-hazwatch-actor') ?? (typeof body?.by === 'string' && body.by.trim() ? body.by.trim() : undefined);
  const scope = header('x-hazwatch-enterprises');
  const enterprises = scope === undefined || scope === '*' ? 'all' : scope.split(',').map((s) => s.trim()).filter(Boolean);
  if (id === undefined) return scope === undefined ? undefined : { id: '(anonymous)', enterprises };
  return { id: id.slice(0, 128), enterprises };
}

const TimeParam = z
  .string()
  .transform((s, ctx) => {
    const ms = /^\d{12,14}$/.test(s) ? Number(s) : parseRfc3339(s);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 time with an offset or epoch milliseconds' });
      return z.NEVER;
    }
    return ms;
  });
const list = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item).min(1));

const Filters = {
  enterpriseId: list(Id).optional(),
  region: z.string().regex(/^\d{2,12}$/, { message: 'must be (a prefix of) an administrative division code' }).optional(),
  workshopId: Id.optional(),
  lineId: Id.optional(),
  type: list(AlarmType).optional(),
  level: list(AlarmLevel).optional(),
  from: TimeParam.optional(),
  to: TimeParam.optional(),
};
const AlarmQuery = z.strictObject({
  state: z.enum(ALARM_STATES).default('all'),
  ...Filters,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(400).optional(),
});
const ExportQuery = z.strictObject({
  state: z.enum(ALARM_STATES).default('all'),
  ...Filters,
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});
const StatsQuery = z.strictObject({ enterpriseId: Filters.enterpriseId, region: Filters.region, from: Filters.from, to: Filters.to });
const NotificationStatsQuery = z.strictObject({ enterpriseId: Filters.enterpriseId, region: Filters.region });
const IdParams = z.strictObject({ id: z.string().min(1).max(128) });

const by = z.string().min(1).max(128).optional();
const AckBody = z.strictObject({ comment: z.string().max(2000).optional(), by });
const CommentBody = z.strictObject({ text: z.string().min(1).max(2000), by });
const AssignBody = z.strictObject({ assignee: z.string().min(1).max(128), note: z.string().max(2000).optional(), by });
const CloseBody = z.strictObject({ rectification: z.string().min(1).max(4000), by });
const ShelveBody = z
  .strictObject({ reason: z.string().min(1).max(500), until: TimeParam.optional(), minutes: z.number().positive().max(7 * 24 * 60).optional(), by })
  .refine((b) => (b.until === undefined) !== (b.minutes === undefined), { message: 'give exactly one of until (a time) and minutes' });
const UnshelveBody = z.strictObject({ reason: z.string().max(500).optional(), by });

const ActionResult = z.strictObject({ alarm: AlarmRecord, seq: z.number().int() });
const EventView = z.strictObject({
  seq: z.number().int(),
  kind: AlarmEventKind,
  at: z.string(),
  recordedAt: z.string(),
  by: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  hash: z.string(),
});
const Receipt = z.strictObject({
  n: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  outcome: z.enum(['sending', 'accepted', 'failed', 'interrupted']),
  status: z.number().int().nullable(),
  response: z.string().nullable(),
  error: z.string().nullable(),
});
const DeliveryView = z.strictObject({
  key: z.string(),
  channel: z.string(),
  state: z.enum(['pending', 'delivered', 'dead']),
  attempts: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  fallbackFor: z.string().nullable(),
  reasons: z.array(z.string()),
  receipts: z.array(Receipt),
});
const ReadingView = z.strictObject({ gatewayId: z.string(), seq: z.number().int(), receivedAt: z.string(), reading: z.record(z.string(), z.unknown()) });
const AlarmDetail = z.strictObject({
  alarm: AlarmRecord,
  events: z.array(EventView),
  deliveries: z.array(DeliveryView),
  evidence: z.strictObject({ from: z.string(), to: z.string(), readings: z.array(ReadingView) }),
});

const NotificationStats = z.strictObject({
  deliveries: z.strictObject({ pending: z.number().int(), delivered: z.number().int(), dead: z.number().int() }),
  /** The notifier's own failure counters: platform-wide, for those who may read operations (`ops:read`). */
  errors: z.record(z.string(), z.number()).optional(),
});

const errors = { 400: jsonSchema(ApiError), 403: jsonSchema(ApiError), 404: jsonSchema(ApiError), 409: jsonSchema(ApiError) };
const STATUS: Record<string, number> = { 'not-found': 404, forbidden: 403, conflict: 409, invalid: 400 };
/** Readings around an alarm shown as its evidence: from this long before the condition began… */
const EVIDENCE_BEFORE_MS = 5 * 60_000;
/** …to this long after it cleared (or now). */
const EVIDENCE_AFTER_MS = 60_000;

const encodeCursor = (a: AlarmRecord) => Buffer.from(JSON.stringify([a.raisedAt, a.id])).toString('base64url');
function decodeCursor(c: string): { raisedAt: string; id: string } | undefined {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { raisedAt: v[0], id: v[1] };
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * The alarm API: list (filters, cursor pagination), detail (events, deliveries with receipts,
 * evidence), handling actions, CSV export, statistics and the ledger as JSON lines. Every body and
 * query is validated here; behind it the types are trusted.
 */
export async function registerAlarmRoutes(app: FastifyInstance, deps: AlarmRouteDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const actorOf = deps.actorOf ?? headerActor;
  const exported = (req: FastifyRequest, what: string, detail: Record<string, unknown>) =>
    deps.securityLog?.record({ action: 'export', outcome: 'ok', actor: actorOf(req)?.id ?? null, ip: req.ip, target: what, detail });

  /** The enterprises a request may see, narrowed by its filters; undefined: no restriction. */
  const enterprisesFor = (req: FastifyRequest, q: { enterpriseId?: string[] | undefined; region?: string | undefined }): string[] | undefined => {
    let out: string[] | undefined = q.enterpriseId;
    if (q.region !== undefined) {
      const inRegion = deps.site().enterprises.filter((e) => e.region.startsWith(q.region!)).map((e) => e.id);
      out = out ? out.filter((e) => inRegion.includes(e)) : inRegion;
    }
    const scope = scopeOf(actorOf(req));
    if (scope) out = out ? out.filter((e) => scope.includes(e)) : [...scope];
    return out;
  };
  const listQuery = (req: FastifyRequest, q: z.output<typeof ExportQuery>): AlarmListQuery => {
    const enterpriseIds = enterprisesFor(req, q);
    return {
      state: q.state,
      ...(enterpriseIds !== undefined ? { enterpriseIds } : {}),
      ...(q.workshopId !== undefined ? { workshopId: q.workshopId } : {}),
      ...(q.lineId !== undefined ? { lineId: q.lineId } : {}),
      ...(q.type !== undefined ? { types: q.type } : {}),
      ...(q.level !== undefined ? { levels: q.level } : {}),
      ...(q.from !== undefined ? { from: iso(q.from) } : {}),
      ...(q.to !== undefined ? { to: iso(q.to) } : {}),
      now: iso(now()),
      limit: q.limit,
    };
  };

  // A plain array, as before; the next page's cursor travels in headers (X-Next-Cursor, Link).
  app.get('/api/v1/alarms', { config: { auth: 'alarms:read' }, schema: { response: { 200: jsonSchema(z.array(AlarmRecord)), ...errors } } }, async (req, reply) => {
    const q = AlarmQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const after = q.data.cursor !== undefined ? decodeCursor(q.data.cursor) : undefined;
    if (q.data.cursor !== undefined && !after) return reply.code(400).send({ error: 'bad-request', message: 'invalid query', problems: [{ path: 'cursor', message: 'is not a cursor this API gave out' }] });
    const items = await deps.alarms.list({ ...listQuery(req, q.data), ...(after ? { after } : {}) });
    if (items.length === q.data.limit) {
      const cursor = encodeCursor(items[items.length - 1]!);
      const url = new URL(req.url, 'http://x');
      url.searchParams.set('cursor', cursor);
      reply.header('x-next-cursor', cursor);
      reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
    }
    return items;
  });

  app.get('/api/v1/alarms/export.csv', { config: { auth: 'alarms:export' } }, async (req, reply) => {
    const q = ExportQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const base = listQuery(req, q.data);
    exported(req, 'alarms.csv', { query: req.query as Record<string, unknown>, enterprises: base.enterpriseIds ?? 'all' });
    const total = q.data.limit;
    const store = deps.alarms;
    async function* rows() {
      // A byte-order mark: spreadsheet programs then read the Chinese names as UTF-8.
      yield `\uFEFF${CSV_HEADER}`;
      let after: { raisedAt: string; id: string } | undefined;
      let sent = 0;
      while (sent < total) {
        const page = await store.list({ ...base, limit: Math.min(1000, total - sent), ...(after ? { after } : {}) });
        if (page.length === 0) return;
        yield page.map(csvRow).join('');
        sent += page.length;
        const last = page[page.length - 1]!;
        after = { raisedAt: last.raisedAt, id: last.id };
      }
    }
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="hazwatch-alarms-${iso(now()).slice(0, 10)}.csv"`);
    return reply.send(Readable.from(rows()));
  });

  app.get('/api/v1/alarms/stats', { config: { auth: 'stats:read' }, schema: { response: { 200: jsonSchema(AlarmStatistics), ...errors } } }, async (req, reply) => {
    const q = StatsQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const enterpriseIds = enterprisesFor(req, q.data);
    const records = await deps.alarms.statsRecords({
      ...(q.data.from !== undefined ? { from: iso(q.data.from) } : {}),
      ...(q.data.to !== undefined ? { to: iso(q.data.to) } : {}),
      ...(enterpriseIds !== undefined ? { enterpriseIds } : {}),
    });
    return alarmStatistics(records, deps.site(), { ...(q.data.from !== undefined ? { from: q.data.from } : {}), ...(q.data.to !== undefined ? { to: q.data.to } : {}), now: now() });
  });

  // Deliveries of the enterprises asked for and visible to the caller (an operator or enterprise admin:
  // its own, whether its alerts reached anyone; a regulator: its region's); all of them for an unscoped
  // caller asking for none in particular.
  app.get('/api/v1/notifications/stats', { config: { auth: 'stats:read' }, schema: { response: { 200: jsonSchema(NotificationStats), ...errors } } }, async (req, reply) => {
    const q = NotificationStatsQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error, 'query'));
    const enterpriseIds = enterprisesFor(req, q.data);
    return {
      deliveries: deps.alarms.outbox.counts(enterpriseIds),
      // (Without authentication, `authz` is null: everything is open, as before.)
      ...(req.authz === null || may(req.authz.principal, 'ops:read') ? { errors: deps.errors?.() ?? {} } : {}),
    };
  });

  // The whole ledger as hash-chained JSON lines (as `hazwatch ledger export`); it spans every tenant.
  app.get('/api/v1/ledger', { config: { auth: 'ledger:read' } }, async (req, reply) => {
    if (scopeOf(actorOf(req)) !== undefined) return reply.code(403).send({ error: 'forbidden', message: 'the ledger spans every enterprise; a scoped actor may not export it' });
    exported(req, 'ledger', {});
    const store = deps.alarms;
    function* lines() {
      for (const e of store.iterateLedger()) {
        const { hash, ...chained } = e;
        yield `${ledgerLine(chained, hash)}\n`;
      }
    }
    reply.header('content-type', 'application/x-ndjson; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="hazwatch-ledger-${iso(now()).slice(0, 10)}.jsonl"`);
    return reply.send(Readable.from(lines()));
  });

  app.get('/api/v1/alarms/:id', { config: { auth: 'alarms:read' }, schema: { response: { 200: jsonSchema(AlarmDetail), ...errors } } }, async (req, reply) => {
    const p = IdParams.safeParse(req.params);
    if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
    const alarm = await deps.alarms.get(p.data.id);
    const scope = scopeOf(actorOf(req));
    if (alarm && scope && !scope.includes(alarm.enterpriseId) && req.authz) {
      // Another tenant's alarm: as if it did not exist, and the attempt is logged.
      return req.authz.deny(reply, `no alarm ${p.data.id}`, { status: 404, enterpriseId: alarm.enterpriseId, target: `alarm ${alarm.id}` });
    }
    if (!alarm || (scope && !scope.includes(alarm.enterpriseId))) return reply.code(404).send({ error: 'not-found', message: `no alarm ${p.data.id}` });
    const events = (await deps.alarms.events(alarm.id)).map((e) => ({ seq: e.seq, kind: e.kind, at: e.at, recordedAt: e.recordedAt, by: e.by, detail: e.detail, hash: e.hash }));
    const deliveries = deps.alarms.outbox.forAlarm(alarm.id).map((d) => ({
      key: d.key,
      channel: d.channel,
      state: d.state,
      attempts: d.attempts,
      createdAt: iso(d.createdAt),
      finishedAt: d.finishedAt === null ? null : iso(d.finishedAt),
      nextAttemptAt: d.state === 'pending' ? iso(d.nextAt) : null,
      lastError: d.lastError,
      fallbackFor: d.fallbackOf === null ? null : (deps.alarms.outbox.get(d.fallbackOf)?.key ?? null),
      reasons: d.reasons.map((r) => r.reason),
      receipts: d.receipts.map((r) => ({ ...r, startedAt: iso(r.startedAt), finishedAt: r.finishedAt === null ? null : iso(r.finishedAt) })),
    }));
    const from = Date.parse(alarm.since) - EVIDENCE_BEFORE_MS;
    const to = (alarm.clearedAt ? Date.parse(alarm.clearedAt) : now()) + EVIDENCE_AFTER_MS;
    const { workshopId, lineId } = alarm.subject;
    const readings =
      workshopId !== undefined || lineId !== undefined
        ? await deps.telemetry.query({ enterpriseId: alarm.enterpriseId, ...(workshopId !== undefined ? { workshopId } : { lineId: lineId! }), from, to, limit: 500 })
        : [];
    return {
      alarm,
      events,
      deliveries,
      evidence: {
        from: iso(from),
        to: iso(to),
        readings: readings
          .map((r) => ({ gatewayId: r.gatewayId, seq: r.seq, receivedAt: iso(r.receivedAt), reading: r.reading as unknown as Record<string, unknown> }))
          .sort((a, b) => Number(a.reading.ts) - Number(b.reading.ts)),
      },
    };
  });

  const action = <S extends z.ZodType>(path: string, body: S, run: (actor: Actor, id: string, b: z.output<S>) => Promise<HandlingResult>, auth: 'alarms:acknowledge' | 'alarms:handle' | 'alarms:comment' | 'alarms:rectify' = 'alarms:handle') =>
    app.post(`/api/v1/alarms/:id/${path}`, { config: { auth }, schema: { response: { 200: jsonSchema(ActionResult), ...errors } } }, async (req, reply) => {
      const p = IdParams.safeParse(req.params);
      if (!p.success) return reply.code(400).send(badRequest(p.error, 'params'));
      const b = body.safeParse(req.body ?? {});
      if (!b.success) return reply.code(400).send(badRequest(b.error, 'body'));
      const actor = actorOf(req);
      if (!actor || actor.id === '(anonymous)') {
        return reply.code(400).send({ error: 'bad-request', message: 'say who acts: the x-hazwatch-actor header or "by" in the body' });
      }
      const r = await run(actor, p.data.id, b.data);
      // Refused (another tenant's alarm): answered as before and written to the security log.
      if (!r.ok && r.code === 'forbidden' && req.authz) return req.authz.deny(reply, r.message, { target: `alarm ${p.data.id}` });
      return answer(reply, r);
    });

  action('acknowledge', AckBody, (actor, id, b) => deps.handling.acknowledge(actor, id, b.comment), 'alarms:acknowledge');
  action('comments', CommentBody, (actor, id, b) => deps.handling.comment(actor, id, b.text), 'alarms:comment');
  // A regulator's request for rectification (整改要求): recorded as a comment on the alarm's trail.
  action('rectification-requests', CommentBody, (actor, id, b) => deps.handling.comment(actor, id, `【整改要求】${b.text}`), 'alarms:rectify');
  action('assign', AssignBody, (actor, id, b) => deps.handling.assign(actor, id, b.assignee, b.note));
  action('close', CloseBody, (actor, id, b) => deps.handling.close(actor, id, b.rectification));
  action('shelve', ShelveBody, (actor, id, b) => deps.handling.shelve(actor, id, b.reason, b.until ?? now() + b.minutes! * 60_000));
  action('unshelve', UnshelveBody, (actor, id, b) => deps.handling.unshelve(actor, id, b.reason));
}

function answer(reply: FastifyReply, r: HandlingResult) {
  if (r.ok) return { alarm: r.alarm, seq: r.seq };
  return reply.code(STATUS[r.code] ?? 400).send({ error: r.code, message: r.message });
}
