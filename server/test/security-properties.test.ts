// Issue 6: property-based robustness at every boundary. Random bodies and query strings go to every
// route of the API (as an admin, who reaches the most code, and as an operator), random payloads to
// every topic a gateway may publish on: never a 5xx, never a crash, nothing stored.
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../src/http/authz.ts';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';

const SITE = fileURLToPath(new URL('./fixtures/two-tenants.yaml', import.meta.url));
// Names the routes read, so that random values reach the validation behind them; 'pdf' is left out (a browser per request).
const KEYS = ['enterpriseId', 'region', 'state', 'type', 'level', 'from', 'to', 'limit', 'cursor', 'format', 'table', 'at', 'intervalSeconds', 'field', 'reason', 'topic', 'before', 'action', 'outcome', 'beforeSeconds', 'afterSeconds', 'workshopId', 'lineId'];
const VALUES = ['ent-1', 'ent-2', '370306', '11', 'active', 'all', 'json', 'csv', 'html', 'summary', '0', '-1', '1e309', '2026-03', '2026-13-40', 'NaN', '', '%00', '../..', '<script>', "' OR 1=1 --", '\u202e', 'a'.repeat(5000)];
const value = fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 40 }), fc.integer().map(String));
const query = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 10 })), value, { maxKeys: 4 });
const param = fc.oneof(fc.constantFrom('ent-1', 'ent-2', 'gw-1', 'ws-a', '1', '370306', '2026-03', 'al-x', '..'), fc.string({ minLength: 1, maxLength: 30 }));
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom('username', 'password', 'role', 'enterpriseId', 'region', 'name', 'text', 'comment', 'reason', 'minutes', 'until', 'rectification', 'assignee', 'by', 'expiresInDays', 'disabled'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 5 }),
  fc.string({ maxLength: 200 }),
);

describe('property: random input at every boundary', () => {
  const tmp = tempDir();
  let server: TestServer;
  let operator: string;
  const clients: MqttClient[] = [];
  let counts: () => Promise<Record<string, number>>;

  beforeAll(async () => {
    server = await startTestServer(tmp.dir, { site: SITE, env: { HAZWATCH_RATE_LIMIT_PER_MINUTE: '100000' } });
    operator = await server.loginAs('prop-op', 'operator', { enterpriseId: 'ent-1' });
    counts = async () => ({
      readings: (await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 10_000 })).length + (await server.telemetry.query({ enterpriseId: 'ent-2', workshopId: 'ws-z', limit: 10_000 })).length,
      alarms: (await server.alarms.list({ state: 'all', limit: 10_000, now: new Date().toISOString() })).length,
      revisions: server.configs.list().length,
      users: server.auth.store.users().length,
      gatewayCredentials: server.auth.store.gatewayCredentials().filter((c) => c.rotations > 0).length,
    });
  }, 30_000);
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    await server?.close();
    tmp.remove();
  });

  it('every route: random params, query strings and bodies never get a 5xx, and store nothing', async () => {
    const routes = registeredRoutes(server.app).filter((r) => r.url.startsWith('/api/') || r.url === '/metrics');
    expect(routes.length).toBeGreaterThan(30);
    // Every route declares its permission: none is left to the admins-only default.
    expect(routes.filter((r) => r.auth === undefined)).toEqual([]);
    const before = await counts();
    const tried = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.array(param, { minLength: 3, maxLength: 3 }), query, body, fc.boolean(), async (route, params, q, b, asOperator) => {
        let i = 0;
        const path = route.url.replace(/:[A-Za-z]+/g, () => encodeURIComponent(params[i++ % params.length]!));
        const search = new URLSearchParams(q).toString();
        tried.add(`${route.method} ${route.url}`);
        const res = await server.app.inject({
          method: route.method as 'GET',
          url: `${path}${search ? `?${search}` : ''}`,
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : typeof b === 'string' ? { payload: b, headers: { 'content-type': 'text/plain', ...(asOperator ? { cookie: operator } : {}) } } : { payload: JSON.stringify(b), headers: { 'content-type': 'application/json', ...(asOperator ? { cookie: operator } : {}) } }),
          ...(route.method === 'GET' || route.method === 'DELETE' ? { headers: asOperator ? { cookie: operator } : {} } : {}),
        });
        if (res.statusCode >= 500) throw new Error(`${route.method} ${path}?${search} → ${res.statusCode} ${res.body.slice(0, 300)}`);
      }),
      { numRuns: 400, seed: Number(process.env.FC_SEED ?? 20260601) },
    );
    expect(tried.size).toBeGreaterThan(routes.length * 0.8);
    expect(await counts()).toEqual(before);
    expect((await server.app.inject('/api/v1/health')).statusCode).toBe(200);
  }, 60_000);

  it('every topic a gateway may publish on: random payloads are refused, never stored, never stop ingestion', async () => {
    const gw = await connectGateway(server.mqttUrl, 'gw-1');
    clients.push(gw);
    const before = await counts();
    const payload = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      fc.string({ maxLength: 300 }),
      fc.record({ v: fc.constantFrom(1, 2, '1', null), gatewayId: fc.string({ maxLength: 8 }), seq: fc.anything(), sentAt: fc.anything(), readings: fc.array(fc.anything(), { maxLength: 3 }), state: fc.string() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('telemetry', 'status'), payload, async (kind, p) => {
        await gw.publishAsync(`hazwatch/v1/ent-1/gw-1/${kind}`, p, { qos: 1 });
      }),
      { numRuns: 200, seed: Number(process.env.FC_SEED ?? 20260601) },
    );
    // Any other topic, even under its own prefix: the broker drops the connection, nothing more.
    for (const topic of ['hazwatch/v1/ent-1/gw-1/config', 'hazwatch/v1/ent-1/alarms/x', 'hazwatch/v1/ent-2/gw-9/telemetry', '$SYS/x', 'other']) {
      const c = await connectGateway(server.mqttUrl, `gw-1-${topic.length}`, { gatewayId: 'gw-1' });
      const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
      c.publish(topic, '{}', { qos: 1 });
      await closed;
      await c.endAsync(true);
    }
    expect(await counts()).toEqual(before);
    // Still alive: a good batch is stored.
    await gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    await waitFor(async () => (await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 10 })).length === 1, 'the good batch');
    expect((await getJson<{ statusAccepted: number }>(server, '/api/v1/ingest/stats')).statusAccepted).toBeLessThanOrEqual(200);
  }, 60_000);
});
