// The broker is part of the platform: when an external Mosquitto restarts, the last wills it publishes
// for its gateways as it stops (and delivers again when the platform is back) raise no
// gateway-offline alarm (server/src/mqtt/will-grace.ts). A gateway that really dies still raises one:
// in normal operation, and when it does not come back after the restart.
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmRecord } from '@hazwatch/protocols';
import { HAVE_MOSQUITTO, startPersistentMosquitto, type Mosquitto } from '../../faults/mosquitto.ts';
import type { IngestStatsView } from '../src/ingest/stats.ts';
import { batch, getJson, startTestServer, tempDir, waitFor, type TestServer } from './helpers.ts';
import { freePort } from './infra.ts';

// Short graces, so that a will that would count does so within the test (production: 2 s and 30 s).
const CONFIRM_MS = 500;
const RECONNECT_MS = 3000;

const status = (state: 'online' | 'offline') => JSON.stringify({ v: 1, state, ts: Date.now(), agent: 'test-gateway/1' });

/** A gateway as the edge agent connects: clean session, retained birth `online`, retained will `offline`. */
function gateway(url: string, gatewayId: string, reconnect: boolean): MqttClient {
  const topic = `hazwatch/v1/ent-1/${gatewayId}/status`;
  const c = mqtt.connect(url, { clientId: gatewayId, clean: true, reconnectPeriod: reconnect ? 200 : 0, will: { topic, payload: Buffer.from(status('offline')), qos: 1, retain: true } });
  c.on('connect', () => void c.publishAsync(topic, status('online'), { qos: 1, retain: true }).catch(() => undefined));
  c.on('error', () => undefined);
  return c;
}

const workshopOf: Record<string, string> = { 'gw-1': 'ws-a', 'gw-2': 'ws-b' };
let seq = 0;
async function send(c: MqttClient, gatewayId: string, total = 1): Promise<void> {
  await c.publishAsync(`hazwatch/v1/ent-1/${gatewayId}/telemetry`, JSON.stringify(batch(++seq, [{ workshopId: workshopOf[gatewayId], ts: Date.now(), headcount: { total } }], gatewayId)), { qos: 1 });
}

describe.skipIf(!HAVE_MOSQUITTO)('an external broker restarting (Mosquitto with persistence)', () => {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function setUp(): Promise<{ broker: Mosquitto; server: TestServer; accepted: () => Promise<number>; alarms: () => Promise<AlarmRecord[]> }> {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const broker = await startPersistentMosquitto(tmp.dir, await freePort());
    cleanups.push(() => broker.stop());
    const server = await startTestServer(join(tmp.dir, 'data'), { env: { HAZWATCH_MQTT_URL: broker.url }, start: { willGrace: { confirmMs: CONFIRM_MS, reconnectMs: RECONNECT_MS } } });
    cleanups.push(() => server.close());
    return {
      broker,
      server,
      accepted: async () => (await getJson<IngestStatsView>(server, '/api/v1/ingest/stats')).batchesAccepted,
      alarms: () => getJson<AlarmRecord[]>(server, '/api/v1/alarms?state=all'),
    };
  }

  it('raises no gateway-offline alarm for the wills the broker publishes as it restarts', async () => {
    const { broker, accepted, alarms } = await setUp();
    const gws = { 'gw-1': gateway(broker.url, 'gw-1', true), 'gw-2': gateway(broker.url, 'gw-2', true) };
    cleanups.push(() => Promise.all(Object.values(gws).map((c) => c.endAsync(true))));
    await waitFor(() => Object.values(gws).every((c) => c.connected), 'the gateways to connect');
    await send(gws['gw-1'], 'gw-1');
    await send(gws['gw-2'], 'gw-2');
    await waitFor(async () => (await accepted()) === 2, 'both gateways heard');

    await broker.restart();
    // Each gateway reconnects on its own and is heard again.
    await waitFor(() => Object.values(gws).every((c) => c.connected), 'the gateways to reconnect');
    await send(gws['gw-1'], 'gw-1');
    await send(gws['gw-2'], 'gw-2');
    await waitFor(async () => (await accepted()) === 4, 'both gateways heard after the restart', 15_000);

    // A marker: over-staffing begun now raises raiseAfterSeconds (1 s) later, after any alarm the
    // wills (published at the restart, delivered again at the reconnection) could have raised.
    await send(gws['gw-1'], 'gw-1', 3);
    const all = await waitFor(async () => {
      const list = await alarms();
      return list.some((a) => a.type === 'over-staffing') ? list : undefined;
    }, 'the marker alarm');
    expect(all.filter((a) => a.type === 'gateway-offline')).toEqual([]);
  });

  it('still raises gateway-offline for a gateway that dies in normal operation', async () => {
    const { broker, accepted, alarms } = await setUp();
    const gw = gateway(broker.url, 'gw-2', false);
    cleanups.push(() => gw.endAsync(true));
    await waitFor(() => gw.connected, 'the gateway to connect');
    await send(gw, 'gw-2');
    await waitFor(async () => (await accepted()) === 1, 'the gateway heard');
    // It vanishes without a DISCONNECT: the broker publishes its will.
    const diedAt = Date.now();
    gw.stream.destroy();
    const offline = await waitFor(async () => (await alarms()).find((a) => a.type === 'gateway-offline'), 'gateway-offline raised');
    expect(offline.subject).toEqual({ gatewayId: 'gw-2' });
    // It counts once the platform's connection stayed up CONFIRM_MS after the will.
    const since = Date.parse(offline.since);
    expect(since).toBeGreaterThanOrEqual(diedAt + CONFIRM_MS);
    expect(since).toBeLessThan(diedAt + CONFIRM_MS + 2000);
    expect(Date.parse(offline.raisedAt) - since).toBe(1000);
  });

  it('raises gateway-offline for a gateway that does not come back after the restart, once the grace is over', async () => {
    const { broker, accepted, alarms } = await setUp();
    const back = gateway(broker.url, 'gw-1', true);
    const gone = gateway(broker.url, 'gw-2', false);
    cleanups.push(() => Promise.all([back.endAsync(true), gone.endAsync(true)]));
    await waitFor(() => back.connected && gone.connected, 'the gateways to connect');
    await send(back, 'gw-1');
    await send(gone, 'gw-2');
    await waitFor(async () => (await accepted()) === 2, 'both gateways heard');

    const restartedAt = Date.now();
    await broker.restart();
    await waitFor(() => back.connected, 'gw-1 to reconnect');
    await send(back, 'gw-1');
    const offline = await waitFor(async () => (await alarms()).find((a) => a.type === 'gateway-offline'), 'gateway-offline raised', RECONNECT_MS + 10_000);
    expect(offline.subject).toEqual({ gatewayId: 'gw-2' });
    // Its will waited out the grace after the platform's reconnection (which takes about a second).
    expect(Date.parse(offline.since)).toBeGreaterThanOrEqual(restartedAt + RECONNECT_MS);
    expect((await alarms()).filter((a) => a.type === 'gateway-offline')).toHaveLength(1);
  });
});
