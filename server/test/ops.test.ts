// Operations around ingestion: PUBACK only after the durable write, readiness and liveness, Prometheus
// metrics, telemetry queries (raw, aggregated, around an alarm), shared subscriptions, broker
// credentials, and the dead-letter bound.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app.ts';
import { DeadLetterStore } from '../src/ingest/dead-letters.ts';
import type { IngestStatsView } from '../src/ingest/stats.ts';
import { batch, gatewayLogin, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';
import { freePort, HAVE_MOSQUITTO, MOSQUITTO, startMosquitto } from './infra.ts';

const TELEMETRY = 'hazwatch/v1/ent-1/gw-1/telemetry';
const HAVE_OPENSSL = existsSync('/usr/bin/openssl') && existsSync('/usr/bin/mosquitto_passwd');

describe('operations', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function serve(env: Record<string, string> = {}): Promise<RunningServer> {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const server = await startTestServer(join(tmp.dir, 'data'), { env });
    cleanups.push(() => server.close());
    return server;
  }
  async function gateway(url: string, id = 'gw-1'): Promise<MqttClient> {
    const gw = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0, ...gatewayLogin(id) });
    cleanups.push(() => gw.endAsync());
    return gw;
  }

  it('embedded broker: a PUBACK means the batch is already stored', async () => {
    const server = await serve();
    const gw = await gateway(server.mqttUrl);
    const t0 = Date.now();
    for (let seq = 1; seq <= 40; seq++) {
      await gw.publishAsync(TELEMETRY, JSON.stringify(batch(seq, [{ workshopId: 'ws-a', ts: t0 + seq, headcount: { total: 1 } }])), { qos: 1 });
      // No waiting: aedes sent the PUBACK only after ingest committed the batch.
      const rows = await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 1 });
      expect(rows[0]?.seq).toBe(seq);
    }
  });

  it('embedded broker: stopping the platform is not its gateways going offline', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const dir = join(tmp.dir, 'data');
    const first = await startTestServer(dir);
    const will = { topic: 'hazwatch/v1/ent-1/gw-1/status', payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline', ts: Date.now() })), qos: 1 as const, retain: true };
    const gw = await mqtt.connectAsync(first.mqttUrl, { clientId: 'gw-1', reconnectPeriod: 0, will, ...gatewayLogin('gw-1') });
    await gw.publishAsync(TELEMETRY, JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    await waitFor(async () => (await getJson<{ workshopId: string; status: string }[]>(first, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-a' && w.status === 'normal'), 'ws-a live');
    // Closing the broker with gw-1 connected publishes its will; it must not reach the rules.
    await first.close();
    await gw.endAsync(true);
    const second = await startTestServer(dir);
    cleanups.push(() => second.close());
    const ws = (await getJson<{ workshopId: string; status: string }[]>(second, '/api/v1/workshops')).find((w) => w.workshopId === 'ws-a');
    expect(ws?.status).toBe('normal');
  });

  it('answers liveness, readiness and Prometheus metrics', async () => {
    const server = await serve();
    const gw = await gateway(server.mqttUrl);
    const t0 = Date.now();
    const b = batch(1, [{ workshopId: 'ws-a', ts: t0, headcount: { total: 1 } }, { lineId: 'line-1', ts: t0, production: { counter: 5 } }]);
    await gw.publishAsync(TELEMETRY, JSON.stringify(b), { qos: 1 });
    await gw.publishAsync(TELEMETRY, JSON.stringify(b), { qos: 1 });
    await gw.publishAsync(TELEMETRY, 'nope', { qos: 1 });
    await waitFor(async () => (await getJson<IngestStatsView>(server, '/api/v1/ingest/stats')).rejectedTotal === 1, 'the rejection');

    expect(await getJson(server, '/api/v1/health')).toMatchObject({ status: 'ok' });
    const ready = await server.app.inject({ url: '/api/v1/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true, checks: { broker: { ok: true, embedded: true }, store: { ok: true, kind: 'sqlite' } } });

    const res = await server.app.inject({ url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const m = res.body;
    expect(m).toContain('hazwatch_ingest_readings_total 2');
    expect(m).toContain('hazwatch_ingest_batches_total{result="stored"} 1');
    expect(m).toContain('hazwatch_ingest_dedupe_hits_total 1');
    expect(m).toContain('hazwatch_ingest_rejected_total{reason="not-json"} 1');
    expect(m).toContain('hazwatch_ingest_rejected_total{reason="future-ts"} 0');
    expect(m).toMatch(/hazwatch_store_write_seconds_count 2/);
    expect(m).toContain('hazwatch_spool_depth 0');
    expect(m).toContain('hazwatch_broker_connected 1');
    expect(m).toContain('hazwatch_store_writable 1');
    expect(m).toContain('hazwatch_dead_letters 1');
    expect(m).toContain('hazwatch_process_cpu_seconds_total');
  });

  it('serves series raw and aggregated, and the readings around an alarm', async () => {
    const server = await serve();
    const gw = await gateway(server.mqttUrl);
    const t0 = Math.floor(Date.now() / 600_000) * 600_000 - 600_000; // whole 10 minutes, in the past
    const at = (s: number) => t0 + s * 1000;
    const readings = [
      { workshopId: 'ws-a', ts: at(0), headcount: { total: 1, persons: [{ id: 'E1', since: at(0) }] }, materialKg: 100 },
      { workshopId: 'ws-a', ts: at(30), headcount: null, materialKg: 200 },
      { workshopId: 'ws-a', ts: at(90), headcount: { total: 2 }, materialKg: 150 },
      { lineId: 'line-1', ts: at(10), production: { counter: 10, unit: 'kg' } },
      { lineId: 'line-1', ts: at(100), production: { counter: 30, unit: 'kg' } },
    ];
    await gw.publishAsync(TELEMETRY, JSON.stringify(batch(1, readings)), { qos: 1 });

    const raw = await getJson<{ enterpriseId: string; readings: Record<string, unknown>[] }>(server, `/api/v1/telemetry/workshops/ws-a?from=${t0}&to=${new Date(at(60)).toISOString()}`);
    expect(raw.enterpriseId).toBe('ent-1');
    expect(raw.readings).toEqual([
      expect.objectContaining({ seq: 1, gatewayId: 'gw-1', ts: new Date(at(0)).toISOString(), headcount: { total: 1, persons: [{ id: 'E1', since: new Date(at(0)).toISOString() }] }, materialKg: 100 }),
      expect.objectContaining({ ts: new Date(at(30)).toISOString(), headcount: { total: null }, materialKg: 200 }),
    ]);
    const agg = await getJson<{ buckets: unknown[] }>(server, `/api/v1/telemetry/workshops/ws-a?from=${t0}&to=${at(120)}&intervalSeconds=60&field=materialKg`);
    expect(agg.buckets).toEqual([
      { start: new Date(t0).toISOString(), count: 2, min: 100, max: 200, mean: 150, last: 200 },
      { start: new Date(at(60)).toISOString(), count: 1, min: 150, max: 150, mean: 150, last: 150 },
    ]);
    const line = await getJson<{ buckets: { last: number }[] }>(server, `/api/v1/telemetry/lines/line-1?enterpriseId=ent-1&from=${t0}&to=${at(120)}&intervalSeconds=120`);
    expect(line.buckets).toMatchObject([{ count: 2, min: 10, max: 30, last: 30 }]);

    const bad = async (url: string, status: number) => expect((await server.app.inject({ url })).statusCode, url).toBe(status);
    await bad('/api/v1/telemetry/workshops/ws-zz', 404);
    await bad('/api/v1/telemetry/workshops/ws-a?enterpriseId=ent-9', 404);
    await bad('/api/v1/telemetry/workshops/ws-a?from=yesterday', 400);
    await bad(`/api/v1/telemetry/workshops/ws-a?from=${at(60)}&to=${at(0)}`, 400);
    await bad('/api/v1/telemetry/workshops/ws-a?intervalSeconds=60&field=counter', 400);
    await bad(`/api/v1/telemetry/workshops/ws-a?from=${t0 - 86_400_000 * 200}&to=${t0}&intervalSeconds=1`, 400);
    await bad('/api/v1/telemetry/alarms/no-such-alarm', 404);

    // Over-staffing of ws-a (limit 2) raises after 1 s; its evidence is the readings around it.
    const now = Date.now();
    await gw.publishAsync(TELEMETRY, JSON.stringify(batch(2, [{ workshopId: 'ws-a', ts: now, headcount: { total: 3 } }])), { qos: 1 });
    const alarm = await waitFor(async () => (await server.alarms.list({ state: 'active', limit: 10 })).find((a) => a.type === 'over-staffing'), 'the over-staffing alarm');
    const around = await getJson<{ alarmId: string; readings: { seq: number; headcount?: { total: number } }[] }>(server, `/api/v1/telemetry/alarms/${alarm.id}?beforeSeconds=60`);
    expect(around.alarmId).toBe(alarm.id);
    expect(around.readings.map((r) => [r.seq, r.headcount?.total])).toEqual([[2, 3]]);
    const wide = await getJson<{ readings: unknown[] }>(server, `/api/v1/telemetry/alarms/${alarm.id}?beforeSeconds=3600`);
    expect(wide.readings).toHaveLength(4);

    // A gateway's alarm (offline): its evidence is what that gateway sent, however much its
    // neighbours sent since.
    const gw2 = await gateway(server.mqttUrl, 'gw-2');
    const later = Date.now();
    await gw2.publishAsync('hazwatch/v1/ent-1/gw-2/telemetry', JSON.stringify(batch(1, [1, 2, 3].map((k) => ({ workshopId: 'ws-b', ts: later + k, headcount: { total: 0 } })), 'gw-2')), { qos: 1 });
    await gw.publishAsync('hazwatch/v1/ent-1/gw-1/status', JSON.stringify({ v: 1, state: 'offline', ts: Date.now() }), { qos: 1 });
    const offline = await waitFor(async () => (await server.alarms.list({ state: 'active', limit: 10 })).find((a) => a.type === 'gateway-offline'), 'the offline alarm');
    const evidence = await getJson<{ readings: { gatewayId: string; seq: number }[] }>(server, `/api/v1/telemetry/alarms/${offline.id}?beforeSeconds=3600&limit=2`);
    expect(evidence.readings.map((r) => [r.gatewayId, r.seq])).toEqual([
      ['gw-1', 1],
      ['gw-1', 2],
    ]);
  });

  it.skipIf(!HAVE_MOSQUITTO)('splits the gateways between instances with a shared subscription', { timeout: 20_000 }, async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const broker = await startMosquitto(tmp.dir);
    cleanups.push(broker.stop);
    const a = await serve({ HAZWATCH_MQTT_URL: broker.url, HAZWATCH_MQTT_SHARE_GROUP: 'ingest', HAZWATCH_MQTT_CLIENT_ID: 'hazwatch-a' });
    const b = await serve({ HAZWATCH_MQTT_URL: broker.url, HAZWATCH_MQTT_SHARE_GROUP: 'ingest', HAZWATCH_MQTT_CLIENT_ID: 'hazwatch-b' });
    const gw1 = await gateway(broker.url, 'gw-1');
    const gw2 = await gateway(broker.url, 'gw-2');
    const t0 = Date.now();
    for (let seq = 1; seq <= 20; seq++) {
      await gw1.publishAsync(TELEMETRY, JSON.stringify(batch(seq, [{ workshopId: 'ws-a', ts: t0 + seq, headcount: { total: 1 } }])), { qos: 1 });
      await gw2.publishAsync('hazwatch/v1/ent-1/gw-2/telemetry', JSON.stringify(batch(seq, [{ workshopId: 'ws-b', ts: t0 + seq, headcount: { total: 1 } }], 'gw-2')), { qos: 1 });
    }
    const accepted = async (s: RunningServer) => (await getJson<IngestStatsView>(s, '/api/v1/ingest/stats')).batchesAccepted;
    await waitFor(async () => (await accepted(a)) + (await accepted(b)) === 40, 'all 40 batches taken by one instance or the other');
    // Each message went to exactly one member of the group, and both members got some.
    expect(await accepted(a)).toBeGreaterThan(0);
    expect(await accepted(b)).toBeGreaterThan(0);
  });

  it.skipIf(!HAVE_MOSQUITTO || !HAVE_OPENSSL)('connects to an external broker over TLS with a user name and password', { timeout: 20_000 }, async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const d = tmp.dir;
    // A private CA and a server certificate for 127.0.0.1, made here with openssl.
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=hazwatch test CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(d, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
    execFileSync('mosquitto_passwd', ['-b', '-c', join(d, 'passwd'), 'platform', 's3cret'], { stdio: 'ignore' });
    // Mosquitto started as root drops to its own user, which must be able to read them.
    chmodSync(d, 0o755);
    for (const f of ['server.key', 'server.pem', 'ca.pem', 'passwd']) chmodSync(join(d, f), 0o644);
    const port = await freePort();
    writeFileSync(
      join(d, 'tls.conf'),
      `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${join(d, 'passwd')}\ncafile ${join(d, 'ca.pem')}\ncertfile ${join(d, 'server.pem')}\nkeyfile ${join(d, 'server.key')}\npersistence false\n`,
    );
    const proc = spawn(MOSQUITTO, ['-c', join(d, 'tls.conf')], { stdio: 'ignore' });
    cleanups.push(() => new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : (proc.once('exit', () => resolve()), proc.kill()))));
    const url = `mqtts://127.0.0.1:${port}`;
    const ca = join(d, 'ca.pem');
    await waitFor(async () => {
      const c = await mqtt.connectAsync(url, { ca: [readFileSync(ca)], username: 'platform', password: 's3cret', reconnectPeriod: 0, connectTimeout: 500 });
      await c.endAsync();
      return true;
    }, 'mosquitto with TLS');

    await expect(serve({ HAZWATCH_MQTT_URL: url, HAZWATCH_MQTT_CA: ca, HAZWATCH_MQTT_USERNAME: 'platform', HAZWATCH_MQTT_PASSWORD: 'wrong' })).rejects.toThrow(/refused the credentials/);
    await expect(serve({ HAZWATCH_MQTT_URL: url, HAZWATCH_MQTT_USERNAME: 'platform', HAZWATCH_MQTT_PASSWORD: 's3cret' })).rejects.toThrow(/not trusted/);
    const server = await serve({ HAZWATCH_MQTT_URL: url, HAZWATCH_MQTT_CA: ca, HAZWATCH_MQTT_USERNAME: 'platform', HAZWATCH_MQTT_PASSWORD: 's3cret' });
    const gw = await mqtt.connectAsync(url, { ca: [readFileSync(ca)], clientId: 'gw-1', username: 'platform', password: 's3cret', reconnectPeriod: 0 });
    cleanups.push(() => gw.endAsync());
    await gw.publishAsync(TELEMETRY, JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }])), { qos: 1 });
    await waitFor(async () => (await getJson<IngestStatsView>(server, '/api/v1/ingest/stats')).batchesAccepted === 1, 'the batch over TLS');
    expect((await server.app.inject({ url: '/api/v1/ready' })).json()).toMatchObject({ ready: true, checks: { broker: { ok: true, embedded: false } } });
  });

  it('keeps at most the configured number of dead letters, newest first', () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const store = new DeadLetterStore({ dataDir: tmp.dir, maxEntries: 50, maxPayloadBytes: 8 });
    cleanups.push(() => store.close());
    for (let i = 1; i <= 500; i++) store.add({ receivedAt: i, topic: 't', reason: i % 2 ? 'not-json' : 'oversized', detail: `#${i}`, payload: Buffer.from(`payload-${i}`) });
    expect(store.count()).toBeLessThanOrEqual(51);
    const newest = store.list({ limit: 3 });
    expect(newest.map((d) => d.detail)).toEqual(['#500', '#499', '#498']);
    expect(newest[0]).toMatchObject({ bytes: 11, truncated: true, payload: Buffer.from('payload-') });
    expect(store.list({ reason: 'oversized', limit: 2 }).map((d) => d.detail)).toEqual(['#500', '#498']);
    expect(store.get(1)).toBeUndefined();
  });
});
