// A gateway publishes numbered QoS 1 batches while `hazwatch serve` is killed with SIGKILL and started
// again: every batch ends up stored exactly once. Against the embedded aedes broker and an external
// Mosquitto, with the SQLite store and with InfluxDB 1.6 (behind its spool).
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { batch, FIXTURE_SITE, gatewayLogin, seedGatewayCredentials, tempDir, waitFor } from './helpers.ts';
import { freePort, HAVE_INFLUXD, HAVE_MOSQUITTO, serveProcess, startInfluxd, startMosquitto, type ServeProcess } from './infra.ts';

const BATCHES = 120;
const IN_FLIGHT = 16;

const variants = [
  { broker: 'embedded aedes', store: 'SQLite', available: true },
  { broker: 'external Mosquitto', store: 'SQLite', available: HAVE_MOSQUITTO },
  { broker: 'embedded aedes', store: 'InfluxDB 1.6', available: HAVE_INFLUXD },
  { broker: 'external Mosquitto', store: 'InfluxDB 1.6', available: HAVE_MOSQUITTO && HAVE_INFLUXD },
];

type ReadingsView = { readings: { seq: number; ts: string }[] };

describe.each(variants)('SIGKILL mid-stream: $broker, $store', (v) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it.skipIf(!v.available)(`stores all ${BATCHES} batches exactly once`, { timeout: 60_000 }, async () => {
    const tmp = tempDir('hazwatch-crash-');
    cleanups.push(tmp.remove);
    const env: Record<string, string> = {
      HAZWATCH_SITE: FIXTURE_SITE,
      HAZWATCH_DATA_DIR: join(tmp.dir, 'data'),
      HAZWATCH_HTTP_HOST: '127.0.0.1',
      HAZWATCH_HTTP_PORT: '0',
      HAZWATCH_LOG_LEVEL: 'warn',
    };
    let mqttUrl: string;
    if (v.broker === 'external Mosquitto') {
      const m = await startMosquitto(tmp.dir);
      cleanups.push(m.stop);
      mqttUrl = env.HAZWATCH_MQTT_URL = m.url;
    } else {
      // The same port after the restart, so the gateway reconnects to it.
      const port = await freePort();
      Object.assign(env, { HAZWATCH_MQTT_HOST: '127.0.0.1', HAZWATCH_MQTT_PORT: String(port) });
      mqttUrl = `mqtt://127.0.0.1:${port}`;
    }
    if (v.store === 'InfluxDB 1.6') {
      const influx = await startInfluxd(tmp.dir);
      cleanups.push(influx.stop);
      Object.assign(env, { HAZWATCH_STORE: 'influxdb', HAZWATCH_INFLUX_API: 'v1', HAZWATCH_INFLUX_URL: influx.url, HAZWATCH_INFLUX_BUCKET: 'hazwatch', HAZWATCH_INFLUX_RETRY_MIN_MS: '50', HAZWATCH_INFLUX_RETRY_MAX_MS: '200' });
    }

    const { token } = seedGatewayCredentials(env.HAZWATCH_DATA_DIR!, [['ent-1', 'gw-1']]);
    let server: ServeProcess = serveProcess(env);
    cleanups.push(() => server.kill('SIGKILL'));
    await server.started;

    // The gateway: a persistent session, and mqtt.js keeps unacknowledged QoS 1 batches and sends them
    // again after reconnecting, as the edge agent's spool does across its own restarts.
    const gw: MqttClient = mqtt.connect(mqttUrl, { clientId: 'gw-1', clean: false, reconnectPeriod: 100, connectTimeout: 2000, ...gatewayLogin('gw-1') });
    cleanups.push(() => gw.endAsync(true));
    await new Promise<void>((resolve) => gw.once('connect', () => resolve()));

    const t0 = Date.now();
    let acked = 0;
    let unackedAtKill = 0;
    const pending = new Set<Promise<void>>();
    // At the acknowledgement of the third's last batch, not on a poll: a fast server acknowledged all
    // of them between two polls, and the kill then caught nothing on its way.
    let thirdAcked!: () => void;
    const third = new Promise<void>((resolve) => (thirdAcked = resolve));
    const killer = (async () => {
      await third;
      unackedAtKill = pending.size;
      await server.kill('SIGKILL');
      server = serveProcess(env);
      await server.started;
    })();
    for (let seq = 1; seq <= BATCHES; seq++) {
      const p = gw
        .publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(seq, [{ workshopId: 'ws-a', ts: t0 + seq, headcount: { total: seq % 3 }, materialKg: seq }])), { qos: 1 })
        .then(() => {
          if (++acked === Math.ceil(BATCHES / 3)) thirdAcked();
        });
      const tracked = p.finally(() => pending.delete(tracked));
      pending.add(tracked);
      if (pending.size >= IN_FLIGHT) await Promise.race(pending);
    }
    await Promise.all(pending);
    await killer;
    expect(acked).toBe(BATCHES);
    // The kill caught batches on their way (sent, not yet acknowledged): they were sent again.
    expect(unackedAtKill).toBeGreaterThan(0);

    // Every batch acknowledged is stored; InfluxDB's copy arrives as the spool drains.
    const url = `${server.httpUrl()}/api/v1/telemetry/workshops/ws-a?from=${t0}&to=${t0 + BATCHES + 1}&limit=10000`;
    const view = await waitFor(async () => {
      const r = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as ReadingsView;
      return r.readings.length >= BATCHES ? r : undefined;
    }, `all ${BATCHES} batches readable (${server.output.stderr.slice(-500)})`, 20_000);
    const seqs = view.readings.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: BATCHES }, (_, i) => i + 1));
  });
});
