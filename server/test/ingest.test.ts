import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { GatewayConfigPayload, parseTopic, type WorkshopLive } from '@hazwatch/protocols';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app.ts';
import { ingestTopic, isIngestTopic } from '../src/ingest/ingest.ts';
import type { IngestStatsView } from '../src/ingest/stats.ts';
import { batch, connectGateway, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';

const TELEMETRY = 'hazwatch/v1/ent-1/gw-1/telemetry';

describe('ingest over a real MQTT broker', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: RunningServer | undefined;
  let gw: MqttClient | undefined;

  beforeEach(async () => {
    tmp = tempDir();
    server = await startTestServer(tmp.dir);
    gw = await connectGateway(server.mqttUrl, 'gw-1');
  });
  afterEach(async () => {
    await gw?.endAsync();
    await server?.close();
    tmp.remove();
  });

  const stats = () => getJson<IngestStatsView>(server!, '/api/v1/ingest/stats');
  const publish = (payload: unknown, topic = TELEMETRY) =>
    gw!.publishAsync(topic, typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload), { qos: 1 });
  const storedFor = (workshopId: string) => server!.telemetry.query({ enterpriseId: 'ent-1', workshopId });

  it('stores an accepted batch and shows it in /api/v1/workshops', async () => {
    const ts = Date.now();
    await publish(
      batch(1, [
        { workshopId: 'ws-a', ts, headcount: { total: 2, byLine: { 'line-1': 2 }, persons: [{ id: 'E1', since: ts - 60_000 }, { id: 'E2', since: ts }] }, materialKg: 120.5 },
        { lineId: 'line-1', ts, production: { counter: 1000, unit: 'kg' } },
      ]),
    );
    await waitFor(async () => (await stats()).batchesAccepted === 1, 'the batch to be accepted');
    const s = await stats();
    expect(s).toMatchObject({ batchesAccepted: 1, readingsAccepted: 2, duplicates: 0, rejectedTotal: 0 });

    const rows = await storedFor('ws-a');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ enterpriseId: 'ent-1', gatewayId: 'gw-1', seq: 1, reading: { workshopId: 'ws-a', ts, materialKg: 120.5, headcount: { total: 2, byLine: { 'line-1': 2 } } } });
    expect(await server!.telemetry.query({ enterpriseId: 'ent-1', lineId: 'line-1' })).toMatchObject([{ reading: { production: { counter: 1000, unit: 'kg' } } }]);

    const ws = await waitFor(async () => {
      const all = await getJson<WorkshopLive[]>(server!, '/api/v1/workshops');
      const a = all.find((w) => w.workshopId === 'ws-a');
      return a && a.headcount === 2 ? a : undefined;
    }, 'ws-a live headcount 2');
    expect(ws).toMatchObject({ enterpriseId: 'ent-1', materialKg: 120.5, staffingLimit: 2, status: 'full' });
  });

  it('applies a batch delivered twice only once', async () => {
    const ts = Date.now();
    const b = batch(7, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]);
    await publish(b);
    await publish(b);
    await waitFor(async () => (await stats()).duplicates === 1, 'the duplicate to be counted');
    expect(await stats()).toMatchObject({ batchesAccepted: 1, duplicates: 1, readingsAccepted: 1 });
    expect(await storedFor('ws-a')).toHaveLength(1);
  });

  it('rejects and counts a batch naming a workshop not bound to the gateway, storing nothing of it', async () => {
    const ts = Date.now();
    // The first reading is fine; the second is for gw-2's workshop: the whole batch must go.
    await publish(batch(1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }, { workshopId: 'ws-b', ts, headcount: { total: 9 } }]));
    await waitFor(async () => (await stats()).rejected['unbound-workshop'] === 1, 'the rejection to be counted');
    // A later good batch proves ordering: once it is in, the bad one has certainly been handled.
    await publish(batch(2, [{ lineId: 'line-1', ts, production: { counter: 5 } }]));
    await waitFor(async () => (await stats()).batchesAccepted === 1, 'the good batch');
    expect(await storedFor('ws-a')).toHaveLength(0);
    expect(await storedFor('ws-b')).toHaveLength(0);
    expect((await stats()).rejectedTotal).toBe(1);
    // The rejected seq was not marked: the same seq with valid content is accepted.
    await publish(batch(1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]));
    await waitFor(async () => (await stats()).batchesAccepted === 2, 'seq 1 re-sent correctly');
  });

  it('refuses each kind of bad input with its reason while good traffic keeps flowing', async () => {
    const ts = Date.now();
    await publish('{"v":1,');
    await publish(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    await publish(Buffer.alloc(256 * 1024 + 1, 0x20));
    await publish(batch(1, [{ workshopId: 'ws-a', ts, headcount: { total: -1 } }]));
    await publish({ ...batch(2, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]), gatewayId: 'gw-2' });
    await publish(batch(3, [{ workshopId: 'ws-a', ts: ts + 6 * 60_000, headcount: { total: 1 } }]));
    await publish(batch(4, [{ workshopId: 'ws-a', ts, headcount: { total: 1, byLine: { 'line-2': 1 } } }]));
    await publish(batch(5, [{ lineId: 'line-2', ts, production: { counter: 1 } }]));
    // Publishing under another gateway's prefix is refused by the broker itself (security.test.ts).
    await publish({ v: 1, state: 'sleepy', ts }, 'hazwatch/v1/ent-1/gw-1/status');
    await publish(batch(10, [{ workshopId: 'ws-a', ts, headcount: { total: 1 }, materialKg: 10 }]));
    await waitFor(async () => (await stats()).batchesAccepted === 1, 'the good batch after the bad ones');
    const s = await stats();
    expect(s.rejected).toMatchObject({
      'not-json': 1,
      'invalid-utf8': 1,
      oversized: 1,
      'negative-value': 1,
      'invalid-value': 1,
      'gateway-mismatch': 1,
      'future-ts': 1,
      'line-not-in-workshop': 1,
      'unbound-line': 1,
    });
    expect(s.rejectedTotal).toBe(9);
    expect(await storedFor('ws-a')).toMatchObject([{ seq: 10 }]);
  });

  it('accepts a gateway status and ignores a cleared retained status', async () => {
    await publish({ v: 1, state: 'online', ts: Date.now(), agent: 'edge/0.1', buffered: 0 }, 'hazwatch/v1/ent-1/gw-1/status');
    await gw!.publishAsync('hazwatch/v1/ent-1/gw-1/status', '', { qos: 1, retain: true });
    await waitFor(async () => {
      const s = await stats();
      return s.statusAccepted === 1 && s.ignored === 1;
    }, 'status accepted and empty status ignored');
    expect((await stats()).rejectedTotal).toBe(0);
  });

  it('publishes each gateway its retained config with its limits', async () => {
    const received = new Promise<{ topic: string; payload: Buffer }>((resolve) => gw!.once('message', (topic, payload) => resolve({ topic, payload })));
    await gw!.subscribeAsync('hazwatch/v1/ent-1/gw-1/config', { qos: 1 });
    const msg = await received;
    const cfg = JSON.parse(msg.payload.toString('utf8'));
    expect(GatewayConfigPayload.safeParse(cfg).success).toBe(true);
    expect(cfg).toMatchObject({ v: 1, enterpriseId: 'ent-1', gatewayId: 'gw-1', revision: 1 });
    expect(cfg.workshops).toMatchObject([{ id: 'ws-a', staffingLimit: 2, quantityLimitKg: 500, raiseAfterSeconds: 1 }]);
  });
});

describe('ingest topics, read by position', () => {
  // Topics made of levels that are ids, near-ids and the words the rules turn on, joined by `/`.
  const level = fc.oneof(
    fc.constantFrom('hazwatch', 'v1', 'v2', 'telemetry', 'status', 'config', 'alarms', 'ent-1', 'gw-1', '', '+', '#', '-x', 'a'.repeat(64), 'a'.repeat(65), 'telemetry ', 'xstatus'),
    fc.stringMatching(/^[A-Za-z0-9_.+#-]{0,6}$/),
  );
  const topic = fc.oneof(
    fc.tuple(level, level, level).map(([e, g, k]) => `hazwatch/v1/${e}/${g}/${k}`),
    fc.tuple(fc.array(level, { minLength: 1, maxLength: 4 }), fc.constantFrom('telemetry', 'status')).map(([levels, k]) => `hazwatch/v1/${levels.join('/')}/${k}`),
    fc.array(level, { maxLength: 7 }).map((levels) => levels.join('/')),
  );

  it('takes exactly the telemetry and status topics protocols parse, with the same ids', () => {
    fc.assert(
      fc.property(topic, (t) => {
        const parsed = parseTopic(t);
        const expected = parsed && (parsed.kind === 'telemetry' || parsed.kind === 'status') ? parsed : undefined;
        expect(ingestTopic(t)).toEqual(expected);
      }),
      { numRuns: 20_000 },
    );
  });

  it('lets through to ingest what the subscriptions `hazwatch/v1/+/+/telemetry|status` match', () => {
    fc.assert(
      fc.property(topic, (t) => {
        const parts = t.split('/');
        const matches = parts.length === 5 && parts[0] === 'hazwatch' && parts[1] === 'v1' && (parts[4] === 'telemetry' || parts[4] === 'status');
        expect(isIngestTopic(t)).toBe(matches);
      }),
      { numRuns: 20_000 },
    );
  });
});
