// InfluxDB going away mid-stream loses nothing: batches wait in the durable spool and drain in order
// when it returns. "A minute" of outage is compressed: retries every 50–200 ms instead of 1–60 s, so
// the same number of failed rounds happens in well under a second. And a spool at its bound refuses
// (no PUBACK, the broker or gateway keeps the batch) and raises an alarm, instead of dropping.
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app.ts';
import { batch, gatewayLogin, startTestServer, tempDir, waitFor } from './helpers.ts';
import { HAVE_INFLUXD, HAVE_MOSQUITTO, startInfluxd, startMosquitto, type Influxd } from './infra.ts';

const brokers = [
  { name: 'embedded aedes', available: HAVE_INFLUXD, external: false },
  { name: 'external Mosquitto', available: HAVE_INFLUXD && HAVE_MOSQUITTO, external: true },
];

type Ready = { ready: boolean; checks: { spool?: { depth: number; ok: boolean }; remote?: { reachable: boolean } } };

async function ready(server: RunningServer): Promise<{ status: number; body: Ready }> {
  const res = await server.app.inject({ url: '/api/v1/ready' });
  return { status: res.statusCode, body: res.json() as Ready };
}

async function metric(server: RunningServer, line: RegExp): Promise<number> {
  const text = (await server.app.inject({ url: '/metrics' })).body;
  const m = line.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The seqs of ws-a's points, straight from InfluxDB (not through the store under test). */
async function storedSeqs(influx: Influxd): Promise<number[]> {
  const series = await influx.query('hazwatch', `SELECT "seq" FROM "workshop" WHERE "workshop" = 'ws-a'`).catch(() => []);
  return (series[0]?.values ?? []).map((v) => v[1] as number).sort((a, b) => a - b);
}

describe.each(brokers)('InfluxDB outage through $name', (broker) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function setup(extra: Record<string, string> = {}) {
    const tmp = tempDir('hazwatch-outage-');
    cleanups.push(tmp.remove);
    const influx = await startInfluxd(tmp.dir);
    cleanups.push(influx.stop);
    const env: Record<string, string> = {
      HAZWATCH_STORE: 'influxdb',
      HAZWATCH_INFLUX_API: 'v1',
      HAZWATCH_INFLUX_URL: influx.url,
      HAZWATCH_INFLUX_BUCKET: 'hazwatch',
      HAZWATCH_INFLUX_RETRY_MIN_MS: '50',
      HAZWATCH_INFLUX_RETRY_MAX_MS: '200',
      HAZWATCH_INFLUX_TIMEOUT_MS: '1000',
      ...extra,
    };
    if (broker.external) {
      const m = await startMosquitto(tmp.dir);
      cleanups.push(m.stop);
      env.HAZWATCH_MQTT_URL = m.url;
    }
    const server = await startTestServer(join(tmp.dir, 'data'), { env });
    cleanups.push(() => server.close());
    const gw: MqttClient = await mqtt.connectAsync(server.mqttUrl, { clientId: 'gw-1', clean: false, reconnectPeriod: 100, ...gatewayLogin('gw-1') });
    cleanups.push(() => gw.endAsync(true));
    const t0 = Date.now();
    const send = (seq: number) =>
      gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(seq, [{ workshopId: 'ws-a', ts: t0 + seq, headcount: { total: 1 }, materialKg: seq }])), { qos: 1 });
    return { influx, server, send };
  }

  it.skipIf(!broker.available)('loses nothing while InfluxDB is down, and drains in order when it returns', { timeout: 30_000 }, async () => {
    const { influx, server, send } = await setup();
    for (let seq = 1; seq <= 30; seq++) await send(seq);
    await waitFor(async () => (await storedSeqs(influx)).length === 30, 'the first 30 batches in InfluxDB');

    await influx.stop();
    // Every batch is still acknowledged: it is durable in the spool.
    for (let seq = 31; seq <= 60; seq++) await send(seq);
    // The outage lasts many retry rounds ("a minute", compressed).
    await waitFor(async () => (await metric(server, /hazwatch_influx_write_seconds_count\{result="error"\} (\d+)/)) >= 5, 'five failed write rounds');
    const during = await ready(server);
    expect(during.body.checks.remote?.reachable).toBe(false);
    expect(during.body.checks.spool?.depth).toBe(30);
    // Below the spool's alarm level the instance still takes traffic.
    expect(during.status).toBe(200);
    expect(await metric(server, /^hazwatch_spool_depth (\d+)/m)).toBe(30);

    await influx.start();
    for (let seq = 61; seq <= 90; seq++) await send(seq);
    await waitFor(async () => (await storedSeqs(influx)).length >= 90, 'all 90 batches in InfluxDB', 15_000);
    expect(await storedSeqs(influx)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    await waitFor(async () => (await ready(server)).body.checks.remote?.reachable === true, 'InfluxDB reachable again');
    expect((await ready(server)).body.checks.spool?.depth).toBe(0);
    // Read back through the store too, in order.
    const rows = await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 1000 });
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
  });

  it.skipIf(!broker.available)('at the spool bound refuses batches (no PUBACK) and raises an alarm, then catches up', { timeout: 30_000 }, async () => {
    const { influx, server, send } = await setup({ HAZWATCH_SPOOL_MAX_BATCHES: '4', HAZWATCH_SPOOL_ALARM_PERCENT: '50' });
    await influx.stop();
    for (let seq = 1; seq <= 4; seq++) await send(seq);

    // Read from the alarm store itself: the alarm API is another part's.
    const alarm = await waitFor(async () => (await server.alarms.list({ state: 'active', limit: 100 })).find((a) => a.type === 'spool-near-full'), 'the spool-near-full alarm');
    expect(alarm).toMatchObject({ enterpriseId: 'ent-1', level: 'alarm', value: 4, clearedAt: null });
    const full = await ready(server);
    expect(full.status).toBe(503);
    expect(full.body.checks.spool).toMatchObject({ depth: 4, ok: false });

    // The fifth cannot be made durable, so the platform does not acknowledge it. With the embedded
    // broker the gateway gets no PUBACK and keeps it; an external broker acknowledged it to the
    // gateway and keeps it for the platform's session, redelivering it until the platform takes it.
    let fifthAcked = false;
    const fifth = send(5).then(() => {
      fifthAcked = true;
    });
    await waitFor(async () => (await metric(server, /hazwatch_ingest_store_failures_total (\d+)/)) >= 1, 'the refused write');
    if (!broker.external) expect(fifthAcked).toBe(false);
    expect(await storedSeqs(influx)).toEqual([]);

    await influx.start();
    await fifth;
    await waitFor(async () => (await storedSeqs(influx)).length >= 5, 'all five batches in InfluxDB', 15_000);
    expect(await storedSeqs(influx)).toEqual([1, 2, 3, 4, 5]);
    await waitFor(async () => (await server.alarms.get(alarm.id))?.clearedAt, 'the spool alarm to clear');
    await waitFor(async () => (await ready(server)).status === 200, 'ready again');
  });
});
