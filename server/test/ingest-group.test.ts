// Group commit: messages that arrive together are validated one by one, stored in one transaction,
// applied to the engine in arrival order, and acknowledged only once durable. First the ingest group
// itself on real stores and a real rule engine, then through the embedded broker, with a writer lock
// on the telemetry database making a real write fail.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { EngineInput } from '../src/engine/index.ts';
import type { SiteConfig } from '@hazwatch/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/bus.ts';
import { bindingsOf } from '../src/ingest/bindings.ts';
import { DeadLetterStore } from '../src/ingest/dead-letters.ts';
import { createIngest, StoreFailure, type IngestMessage } from '../src/ingest/ingest.ts';
import { IngestStats, type IngestStatsView } from '../src/ingest/stats.ts';
import { RulesService } from '../src/rules/rules.ts';
import { loadSiteFile } from '../src/site/load.ts';
import { SqliteAlarmStore } from '../src/storage/sqlite-alarms.ts';
import { SqliteTelemetryStore } from '../src/storage/sqlite-telemetry.ts';
import { batch, FIXTURE_SITE, gatewayLogin, getJson, startTestServer, tempDir, waitFor } from './helpers.ts';

const log = pino({ level: process.env.HAZWATCH_TEST_LOG ?? 'silent' });

const telemetry = (gatewayId: string, seq: number, readings: unknown[]): IngestMessage => ({
  topic: `hazwatch/v1/ent-1/${gatewayId}/telemetry`,
  payload: Buffer.from(JSON.stringify(batch(seq, readings, gatewayId))),
});
const status = (gatewayId: string, state: 'online' | 'offline'): IngestMessage => ({
  topic: `hazwatch/v1/ent-1/${gatewayId}/status`,
  payload: Buffer.from(JSON.stringify({ v: 1, state, ts: Date.now() })),
});
const text = (gatewayId: string, body: string): IngestMessage => ({ topic: `hazwatch/v1/ent-1/${gatewayId}/telemetry`, payload: Buffer.from(body) });

describe('an ingest group', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  async function setup(extra: { onReject?: () => void } = {}) {
    const tmp = tempDir('hazwatch-group-');
    cleanups.push(tmp.remove);
    const loaded = await loadSiteFile(FIXTURE_SITE);
    if (!loaded.ok) throw new Error('fixture site');
    const site: SiteConfig = loaded.site;
    let store = new SqliteTelemetryStore({ dataDir: tmp.dir });
    cleanups.push(() => store.close());
    const alarms = new SqliteAlarmStore({ dataDir: tmp.dir });
    cleanups.push(() => alarms.close());
    const deadLetters = new DeadLetterStore({ dataDir: tmp.dir, maxEntries: 100 });
    cleanups.push(() => deadLetters.close());
    let n = 0;
    const rules = new RulesService({ site, revision: 1, alarms, bus: new EventBus(log), log, newId: () => `alarm-${++n}` });
    rules.start();
    cleanups.push(() => rules.stop());
    const stats = new IngestStats();
    // What the engine was given, in order (the real engine behind it).
    const applied: EngineInput[] = [];
    const deps = {
      bindings: bindingsOf(site), stats, log, deadLetters,
      // The real store, reached through the variable so that a test can put a reopened one in its place.
      store: { writeMany: (b: Parameters<SqliteTelemetryStore['writeMany']>[0]) => store.writeMany(b) } as unknown as SqliteTelemetryStore,
      apply: (inputs: readonly EngineInput[]) => {
        applied.push(...inputs);
        return rules.applyMany(inputs);
      },
      ...extra,
    };
    const ingest = createIngest(deps);
    return {
      ingest, stats, applied, rules, deadLetters,
      store: () => store,
      /** The telemetry database comes back (a new store on the same file). */
      reopenStore: () => {
        store = new SqliteTelemetryStore({ dataDir: tmp.dir });
      },
      stored: async () => (await store.query({ enterpriseId: 'ent-1', limit: 1000 })).map((r) => `${r.gatewayId}#${r.seq}`).sort(),
      view: (workshopId: string) => rules.workshops().find((w) => w.workshopId === workshopId),
    };
  }

  it('refuses a bad message alone, dedupes within the group, and applies the rest in arrival order', async () => {
    const g = await setup();
    const ts = Date.now();
    const outcomes = await g.ingest.group([
      telemetry('gw-1', 1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]),
      text('gw-1', '{"v":1,'),
      telemetry('gw-2', 1, [{ workshopId: 'ws-b', ts, headcount: { total: 2 } }]),
      // Bound to gw-2, sent by gw-1: the whole batch goes, nothing of it is stored.
      telemetry('gw-1', 2, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }, { workshopId: 'ws-b', ts, headcount: { total: 9 } }]),
      telemetry('gw-1', 1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]),
      status('gw-2', 'online'),
      telemetry('gw-1', 3, [{ workshopId: 'ws-a', ts: ts + 1, headcount: { total: 2 } }]),
    ]);
    expect(outcomes).toEqual([null, null, null, null, null, null, null]);
    const s: IngestStatsView = g.stats.view(0);
    expect(s).toMatchObject({ batchesAccepted: 3, readingsAccepted: 3, duplicates: 1, statusAccepted: 1, rejectedTotal: 2, storeFailures: 0 });
    expect(s.rejected).toMatchObject({ 'not-json': 1, 'unbound-workshop': 1 });
    expect(g.deadLetters.count()).toBe(2);
    expect(await g.stored()).toEqual(['gw-1#1', 'gw-1#3', 'gw-2#1']);
    expect(g.applied.map((i) => (i.kind === 'telemetry' ? `${i.gatewayId}#${i.batch.seq}` : `${i.gatewayId}:${i.status.state}`))).toEqual(['gw-1#1', 'gw-2#1', 'gw-2:online', 'gw-1#3']);
    expect(g.view('ws-a')?.headcount).toBe(2);
    expect(g.view('ws-b')?.headcount).toBe(2);
  });

  it('stores and acknowledges the rest of a group when the rejection listener (the security log) throws', async () => {
    let told = 0;
    const g = await setup({
      onReject: () => {
        told++;
        throw new Error('security log unavailable');
      },
    });
    const ts = Date.now();
    const outcomes = await g.ingest.group([
      telemetry('gw-1', 1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]),
      // Bound to gw-2, sent by gw-1: a security event whose listener fails.
      telemetry('gw-1', 2, [{ workshopId: 'ws-b', ts, headcount: { total: 9 } }]),
      telemetry('gw-2', 1, [{ workshopId: 'ws-b', ts, headcount: { total: 2 } }]),
    ]);
    expect(told).toBe(1);
    expect(outcomes).toEqual([null, null, null]);
    expect(g.stats.view(0)).toMatchObject({ batchesAccepted: 2, rejectedTotal: 1 });
    expect(g.deadLetters.count()).toBe(1);
    expect(await g.stored()).toEqual(['gw-1#1', 'gw-2#1']);
  });

  it('keeps the order of a gateway going offline and its telemetry, within one group', async () => {
    const g = await setup();
    const ts = Date.now();
    await g.ingest.group([
      // gw-1: a reading, then offline: its workshop is unverifiable afterwards.
      telemetry('gw-1', 1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]),
      // gw-2: offline, then a reading: back online (SPEC 4), the workshop verifiable again.
      status('gw-2', 'offline'),
      status('gw-1', 'offline'),
      telemetry('gw-2', 1, [{ workshopId: 'ws-b', ts, headcount: { total: 1 } }]),
    ]);
    expect(g.view('ws-a')?.status).toBe('unverifiable');
    expect(g.view('ws-b')?.status).not.toBe('unverifiable');
  });

  it('leaves every batch of a group that cannot be stored unacknowledged; the redelivery is stored once', async () => {
    const g = await setup();
    const ts = Date.now();
    const group = [
      telemetry('gw-1', 1, [{ workshopId: 'ws-a', ts, headcount: { total: 1 } }]),
      text('gw-2', 'not json'),
      status('gw-2', 'online'),
      telemetry('gw-2', 1, [{ workshopId: 'ws-b', ts, headcount: { total: 3 } }]),
    ];
    await g.store().close();
    const outcomes = await g.ingest.group(group);
    expect(outcomes[0]).toBeInstanceOf(StoreFailure);
    expect(outcomes[3]).toBeInstanceOf(StoreFailure);
    // Bad input and the status are handled whatever the store does.
    expect(outcomes[1]).toBeNull();
    expect(outcomes[2]).toBeNull();
    expect(g.stats.view(0)).toMatchObject({ storeFailures: 2, batchesAccepted: 0, statusAccepted: 1 });
    expect(g.applied.map((i) => i.kind)).toEqual(['status']);
    expect(g.view('ws-a')?.headcount).toBeNull();

    // The broker sends the unacknowledged batches again once the store is back.
    g.reopenStore();
    expect(await g.ingest.group([group[0]!, group[3]!])).toEqual([null, null]);
    expect(await g.ingest.group([group[0]!])).toEqual([null]);
    expect(g.stats.view(0)).toMatchObject({ storeFailures: 2, batchesAccepted: 2, duplicates: 1 });
    expect(await g.stored()).toEqual(['gw-1#1', 'gw-2#1']);
    expect(g.view('ws-a')?.headcount).toBe(1);
    expect(g.view('ws-b')?.headcount).toBe(3);
  });

  it('one: a message alone, throwing when it must not be acknowledged', async () => {
    const g = await setup();
    const m = telemetry('gw-1', 1, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }]);
    await g.ingest.one(m.topic, m.payload);
    await g.ingest.one('hazwatch/v1/ent-1/gw-1/nonsense', Buffer.from('{}'));
    expect(g.stats.view(0)).toMatchObject({ batchesAccepted: 1, rejectedTotal: 1 });
    await g.store().close();
    const next = telemetry('gw-1', 2, [{ workshopId: 'ws-a', ts: Date.now(), headcount: { total: 1 } }]);
    await expect(g.ingest.one(next.topic, next.payload)).rejects.toBeInstanceOf(StoreFailure);
  });
});

describe('group commit through the embedded broker', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  const PER_GATEWAY = 60;

  it('acknowledges every batch of gateways publishing at once, stored once each, bad ones refused alone', { timeout: 30_000 }, async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const server = await startTestServer(tmp.dir);
    cleanups.push(() => server.close());
    const gws: MqttClient[] = [];
    for (const id of ['gw-1', 'gw-2']) {
      const c = await mqtt.connectAsync(server.mqttUrl, { clientId: id, reconnectPeriod: 0, ...gatewayLogin(id) });
      cleanups.push(() => c.endAsync(true));
      gws.push(c);
    }
    const ts = Date.now();
    const sends: Promise<unknown>[] = [];
    for (let seq = 1; seq <= PER_GATEWAY; seq++) {
      // Not awaited one by one: many unacknowledged at once, so they arrive in groups.
      sends.push(gws[0]!.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(seq, [{ workshopId: 'ws-a', ts: ts + seq, headcount: { total: seq % 3 } }], 'gw-1')), { qos: 1 }));
      sends.push(gws[1]!.publishAsync('hazwatch/v1/ent-1/gw-2/telemetry', JSON.stringify(batch(seq, [{ workshopId: 'ws-b', ts: ts + seq, headcount: { total: seq % 4 } }], 'gw-2')), { qos: 1 }));
      if (seq % 10 === 0) sends.push(gws[1]!.publishAsync('hazwatch/v1/ent-1/gw-2/telemetry', `{"v":1,"seq":${seq}`, { qos: 1 }));
      // A redelivery within the stream.
      if (seq % 15 === 0) sends.push(gws[0]!.publishAsync('hazwatch/v1/ent-1/gw-1/telemetry', JSON.stringify(batch(seq, [{ workshopId: 'ws-a', ts: ts + seq, headcount: { total: seq % 3 } }], 'gw-1')), { qos: 1 }));
    }
    await Promise.all(sends);
    const s = await getJson<IngestStatsView>(server, '/api/v1/ingest/stats');
    expect(s).toMatchObject({ batchesAccepted: 2 * PER_GATEWAY, duplicates: PER_GATEWAY / 15, rejectedTotal: PER_GATEWAY / 10, storeFailures: 0 });
    for (const [gw, ws] of [['gw-1', 'ws-a'], ['gw-2', 'ws-b']] as const) {
      const rows = await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: ws, limit: 1000 });
      expect(rows.map((r) => `${r.gatewayId}#${r.seq}`)).toEqual(Array.from({ length: PER_GATEWAY }, (_, i) => `${gw}#${i + 1}`));
    }
    // The engine saw each gateway's batches in order: its live state is the last one's.
    const live = await getJson<{ workshopId: string; headcount: number }[]>(server, '/api/v1/workshops');
    expect(live.find((w) => w.workshopId === 'ws-a')?.headcount).toBe(PER_GATEWAY % 3);
    expect(live.find((w) => w.workshopId === 'ws-b')?.headcount).toBe(PER_GATEWAY % 4);
  });

  it('leaves the batches of a failed write unacknowledged, and stores them once when they come again', { timeout: 60_000 }, async () => {
    const tmp = tempDir();
    cleanups.push(tmp.remove);
    const server = await startTestServer(tmp.dir);
    cleanups.push(() => server.close());
    // Another writer (a backup tool, a migration) holds the database's write lock: the platform's
    // write waits its busy timeout and fails.
    const other = new Database(join(tmp.dir, 'telemetry.sqlite'));
    cleanups.push(() => {
      if (other.open) other.close();
    });
    other.prepare('BEGIN IMMEDIATE').run();
    const gws: MqttClient[] = [];
    for (const id of ['gw-1', 'gw-2']) {
      // As a gateway keeps an unacknowledged batch and sends it again after reconnecting.
      const c = mqtt.connect(server.mqttUrl, { clientId: id, clean: false, reconnectPeriod: 200, ...gatewayLogin(id) });
      cleanups.push(() => c.endAsync(true));
      await new Promise<void>((resolve) => c.once('connect', () => resolve()));
      gws.push(c);
    }
    const ts = Date.now();
    let acked = 0;
    const sends = [1, 2, 3].flatMap((seq) =>
      (['gw-1', 'gw-2'] as const).map((gw, i) =>
        gws[i]!.publishAsync(`hazwatch/v1/ent-1/${gw}/telemetry`, JSON.stringify(batch(seq, [{ workshopId: gw === 'gw-1' ? 'ws-a' : 'ws-b', ts: ts + seq, headcount: { total: 1 } }], gw)), { qos: 1 }).then(() => {
          acked++;
        }),
      ),
    );
    await waitFor(async () => (await getJson<IngestStatsView>(server, '/api/v1/ingest/stats')).storeFailures > 0, 'the failed write', 20_000);
    expect(acked).toBe(0);
    other.prepare('ROLLBACK').run();
    other.close();
    await Promise.all(sends);
    expect(acked).toBe(6);
    for (const ws of ['ws-a', 'ws-b']) {
      const rows = await server.telemetry.query({ enterpriseId: 'ent-1', workshopId: ws, limit: 1000 });
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    }
  });
});
