import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestStatsView } from '../src/ingest/stats.ts';
import { batch, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';

const MOSQUITTO = '/usr/sbin/mosquitto';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function startMosquitto(dir: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  const url = `mqtt://127.0.0.1:${port}`;
  await waitFor(async () => {
    const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 });
    await c.endAsync();
    return true;
  }, 'mosquitto to accept connections');
  return { url, proc };
}

describe.skipIf(!existsSync(MOSQUITTO))('with an external broker (HAZWATCH_MQTT_URL, mosquitto)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it('ingests through it, and gets batches published while the platform was down (persistent session)', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const broker = await startMosquitto(tmp.dir);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          broker.proc.once('exit', () => resolve());
          broker.proc.kill('SIGTERM');
        }),
    );
    const env = { HAZWATCH_MQTT_URL: broker.url };

    const first = await startTestServer(join(tmp.dir, 'data'), { env });
    expect(first.mqttUrl).toBe(broker.url);
    const gw = await mqtt.connectAsync(broker.url, { clientId: 'gw-1', reconnectPeriod: 0 });
    cleanups.push(() => gw.endAsync());
    const ts = Date.now();
    await gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }])), { qos: 1 });
    await waitFor(async () => (await getJson<IngestStatsView>(first, '/api/v1/ingest/stats')).batchesAccepted === 1, 'seq 1 via mosquitto');
    await first.close();

    // The platform is down; the broker keeps QoS 1 messages for its persistent session.
    await gw.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(2, [{ workshopId: 'ws-a', ts: ts + 1000, headcount: { total: 2 } }])), { qos: 1 });

    const second = await startTestServer(join(tmp.dir, 'data'), { env });
    cleanups.push(() => second.close());
    await waitFor(async () => (await getJson<IngestStatsView>(second, '/api/v1/ingest/stats')).batchesAccepted === 1, 'seq 2 delivered after the restart');
    expect((await second.telemetry.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' })).map((r) => r.seq)).toEqual([1, 2]);
  });
});
