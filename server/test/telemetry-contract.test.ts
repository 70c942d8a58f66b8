// One contract, every TelemetryStore: SQLite, InfluxDB 1.6 through the v1 write API, and the v2 write
// API (InfluxDB 2.x/3.x, 1.8+) through a v2 front on the same real InfluxDB 1.6.
import { pino } from 'pino';
import type { Reading } from '@hazwatch/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxTelemetryStore } from '../src/storage/influx-telemetry.ts';
import type { LineWriter } from '../src/storage/line-writer.ts';
import { SpoolFullError, TelemetrySpool } from '../src/storage/spool.ts';
import { SqliteTelemetryStore } from '../src/storage/sqlite-telemetry.ts';
import type { BatchMeta, TelemetryStore } from '../src/storage/telemetry-store.ts';
import { tempDir } from './helpers.ts';
import { HAVE_INFLUXD, startInfluxd, startV2Front, type Influxd } from './infra.ts';

const log = pino({ level: process.env.HAZWATCH_TEST_LOG ?? 'silent' });
const T0 = Date.UTC(2026, 2, 2, 1, 0, 0); // a whole hour, so 60 s buckets start at T0
// Arrival is now: the dedupe window counts from arrival, and forgets batches older than it.
const RECEIVED = Date.now();

type Kind = { name: string; available: boolean; open: (dir: string, bucket: string) => TelemetryStore };

const tmp = tempDir('hazwatch-contract-');
let influx: Influxd | undefined;
let front: Awaited<ReturnType<typeof startV2Front>> | undefined;

const kinds: Kind[] = [
  { name: 'SQLite', available: true, open: (dir) => new SqliteTelemetryStore({ dataDir: dir }) },
  {
    name: 'InfluxDB 1.6, v1 write API',
    available: HAVE_INFLUXD,
    open: (dir, bucket) =>
      new InfluxTelemetryStore({ target: { url: influx!.url, api: 'v1', bucket, timeoutMs: 5000 }, dataDir: dir, log, spoolCapacity: 1000, retryMinMs: 20, retryMaxMs: 200 }),
  },
  {
    name: 'InfluxDB v2 write API (token, org, bucket) in front of 1.6',
    available: HAVE_INFLUXD,
    open: (dir, bucket) =>
      new InfluxTelemetryStore({
        target: { url: front!.url, api: 'v2', bucket, org: 'hazwatch', token: 'contract-token', timeoutMs: 5000 },
        dataDir: dir,
        log,
        spoolCapacity: 1000,
        retryMinMs: 20,
        retryMaxMs: 200,
      }),
  },
];

beforeAll(async () => {
  if (!HAVE_INFLUXD) return;
  influx = await startInfluxd(tmp.dir);
  front = await startV2Front(influx.url, 'contract-token', 'hazwatch');
}, 30_000);
afterAll(async () => {
  await front?.stop();
  await influx?.stop();
  tmp.remove();
});

const meta = (seq: number, over: Partial<BatchMeta> = {}): BatchMeta => ({ enterpriseId: 'ent-1', gatewayId: 'gw-1', seq, sentAt: T0, receivedAt: RECEIVED + seq, ...over });
/** A spool batch of one line of text. */
const textBatch = (m: BatchMeta, line: string) => ({
  meta: m,
  write: (out: LineWriter) => {
    out.text(line);
    return 1;
  },
});
let counter = 0;

describe.each(kinds)('TelemetryStore contract: $name', (kind) => {
  const stores: TelemetryStore[] = [];
  /** A fresh store (own dir, own InfluxDB database) per test. */
  const fresh = () => {
    const n = ++counter;
    const dir = `${tmp.dir}/store-${n}`;
    const bucket = `contract_${n}`;
    const open = () => {
      const s = kind.open(dir, bucket);
      stores.push(s);
      return s;
    };
    return { store: open(), reopen: open };
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
  });
  const write = async (s: TelemetryStore, m: BatchMeta, readings: Reading[]) => {
    const r = await s.write(m, readings);
    expect(await s.flush(10_000)).toBe(true);
    return r;
  };

  it.skipIf(!kind.available)('gives back what was written, every field, unknowns as unknown', async () => {
    const { store } = fresh();
    const readings: Reading[] = [
      { workshopId: 'ws-a', ts: T0, headcount: { total: 2, byLine: { 'line-1': 2 }, persons: [{ id: 'E1', since: T0 - 60_000 }, { id: 'E2', since: T0 }] }, materialKg: 120.5 },
      { workshopId: 'ws-b', ts: T0 + 1, headcount: null, materialKg: null },
      { workshopId: 'ws-c', ts: T0 + 2, headcount: { total: null, byLine: { 'line-1': 1 } } },
      { workshopId: 'ws-d', ts: T0 + 3, materialKg: 0 },
      { workshopId: 'ws-e', ts: T0 + 4, headcount: { total: 0, byLine: {}, persons: [] } },
      { lineId: 'line-1', ts: T0 + 5, production: { counter: 123456.5, unit: 'kg', product: 'emulsion' } },
      { lineId: 'line-2', ts: T0 + 6, production: { counter: 7 } },
    ];
    expect(await write(store, meta(1), readings)).toBe('stored');
    const all = await store.query({ enterpriseId: 'ent-1' });
    expect(all.map((r) => r.reading)).toEqual([
      readings[0],
      { workshopId: 'ws-b', ts: T0 + 1, headcount: { total: null }, materialKg: null },
      readings[2],
      readings[3],
      readings[4],
      readings[5],
      readings[6],
    ]);
    expect(all[0]).toMatchObject({ enterpriseId: 'ent-1', gatewayId: 'gw-1', seq: 1, receivedAt: RECEIVED + 1 });
    expect((await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' })).map((r) => r.reading)).toEqual([readings[0]]);
    expect((await store.query({ enterpriseId: 'ent-1', lineId: 'line-1' })).map((r) => r.reading)).toEqual([readings[5]]);
    expect(store.health().writable).toBe(true);
  });

  it.skipIf(!kind.available)('gives back a unit with a newline, a tab, quotes, a backslash or a line-protocol separator as it was written', async () => {
    // SPEC allows any 1-16 characters in `unit`. InfluxDB's line protocol carries a newline inside a
    // quoted string field; the store escapes quotes and backslashes (influx-layout.ts).
    const { store } = fresh();
    const units = ['k\ng', 't\tx', '"kg"', 'a\\', 'a,b c=d', '\\"\n\r'];
    const readings: Reading[] = units.map((unit, i) => ({ lineId: `line-${i}`, ts: T0 + i, production: { counter: i, unit } }));
    expect(await write(store, meta(1), readings)).toBe('stored');
    expect((await store.query({ enterpriseId: 'ent-1' })).map((r) => r.reading)).toEqual(readings);
  });

  it.skipIf(!kind.available)('stores a batch once: a redelivery is a duplicate, also after reopening', async () => {
    const { store, reopen } = fresh();
    const readings: Reading[] = [{ workshopId: 'ws-a', ts: T0, headcount: { total: 1 } }];
    expect(await write(store, meta(5), readings)).toBe('stored');
    expect(await write(store, meta(5, { receivedAt: RECEIVED + 99 }), readings)).toBe('duplicate');
    await store.close();
    const again = reopen();
    expect(await write(again, meta(5), readings)).toBe('duplicate');
    // The same seq of another gateway or enterprise is another batch.
    expect(await write(again, meta(5, { gatewayId: 'gw-2' }), readings)).toBe('stored');
    expect(await write(again, meta(5, { enterpriseId: 'ent-2' }), readings)).toBe('stored');
    expect(await again.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' })).toHaveLength(2);
    expect(await again.query({ enterpriseId: 'ent-2', workshopId: 'ws-a' })).toHaveLength(1);
  });

  it.skipIf(!kind.available)('keeps readings of one subject and instant from different batches apart', async () => {
    const { store } = fresh();
    await write(store, meta(1), [{ workshopId: 'ws-a', ts: T0, headcount: { total: 1 } }]);
    await write(store, meta(2), [{ workshopId: 'ws-a', ts: T0, headcount: { total: 2 } }]);
    const rows = await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' });
    expect(rows.map((r) => [r.seq, r.reading.ts, (r.reading as { headcount: { total: number } }).headcount.total])).toEqual([
      [1, T0, 1],
      [2, T0, 2],
    ]);
  });

  it.skipIf(!kind.available)('selects by time (from inclusive, to exclusive) and limits to the newest, oldest first', async () => {
    const { store } = fresh();
    const readings: Reading[] = Array.from({ length: 10 }, (_, i) => ({ workshopId: 'ws-a', ts: T0 + i * 1000, headcount: { total: i } }));
    await write(store, meta(1), readings);
    const ts = (rows: { reading: Reading }[]) => rows.map((r) => (r.reading.ts - T0) / 1000);
    expect(ts(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', from: T0 + 2000, to: T0 + 5000 }))).toEqual([2, 3, 4]);
    expect(ts(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 3 }))).toEqual([7, 8, 9]);
    expect(ts(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', to: T0 + 4000, limit: 2 }))).toEqual([2, 3]);
    expect(await store.query({ enterpriseId: 'ent-2', workshopId: 'ws-a' })).toEqual([]);
  });

  it.skipIf(!kind.available)('aggregates per interval: count, min, max, mean, last, without unknowns', async () => {
    const { store } = fresh();
    const at = (s: number) => T0 + s * 1000;
    await write(store, meta(1), [
      { workshopId: 'ws-a', ts: at(0), headcount: { total: 2 }, materialKg: 100 },
      { workshopId: 'ws-a', ts: at(20), headcount: null, materialKg: 300 },
      { workshopId: 'ws-a', ts: at(40), headcount: { total: 4 }, materialKg: null },
      { workshopId: 'ws-a', ts: at(59), headcount: { total: 3 } },
      { workshopId: 'ws-a', ts: at(130), headcount: { total: 1 }, materialKg: 50 },
      { lineId: 'line-1', ts: at(10), production: { counter: 10 } },
      { lineId: 'line-1', ts: at(70), production: { counter: 25 } },
    ]);
    const q = { enterpriseId: 'ent-1', workshopId: 'ws-a', from: T0, to: at(180), intervalMs: 60_000 };
    expect(await store.aggregate({ ...q, field: 'headcount' })).toEqual([
      { start: T0, count: 3, min: 2, max: 4, mean: 3, last: 3 },
      { start: at(120), count: 1, min: 1, max: 1, mean: 1, last: 1 },
    ]);
    expect(await store.aggregate({ ...q, field: 'materialKg' })).toEqual([
      { start: T0, count: 2, min: 100, max: 300, mean: 200, last: 300 },
      { start: at(120), count: 1, min: 50, max: 50, mean: 50, last: 50 },
    ]);
    expect(await store.aggregate({ enterpriseId: 'ent-1', lineId: 'line-1', field: 'counter', from: T0, to: at(180), intervalMs: 60_000 })).toEqual([
      { start: T0, count: 1, min: 10, max: 10, mean: 10, last: 10 },
      { start: at(60), count: 1, min: 25, max: 25, mean: 25, last: 25 },
    ]);
    expect(await store.aggregate({ ...q, field: 'headcount', from: at(60), to: at(120) })).toEqual([]);
  });

  it.skipIf(!kind.available)('stores a group in one call as one by one: in order, each deduped, also within the group', async () => {
    const { store, reopen } = fresh();
    const r = (seq: number, total: number): Reading[] => [{ workshopId: 'ws-a', ts: T0 + seq, headcount: { total } }];
    expect(await store.write(meta(2), r(2, 2))).toBe('stored');
    const results = await store.writeMany([
      { meta: meta(1), readings: r(1, 1) },
      { meta: meta(2), readings: r(2, 9) },
      { meta: meta(3), readings: [...r(3, 3), { lineId: 'line-1', ts: T0 + 3, production: { counter: 3 } }] },
      { meta: meta(3, { receivedAt: RECEIVED + 99 }), readings: r(3, 9) },
      { meta: meta(3, { gatewayId: 'gw-2' }), readings: r(3, 4) },
    ]);
    expect(results).toEqual(['stored', 'duplicate', 'stored', 'duplicate', 'stored']);
    expect(await store.writeMany([])).toEqual([]);
    expect(await store.flush(10_000)).toBe(true);
    const rows = await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' });
    expect(rows.map((x) => [x.gatewayId, x.seq, (x.reading as { headcount: { total: number } }).headcount.total])).toEqual([
      ['gw-1', 1, 1],
      ['gw-1', 2, 2],
      ['gw-1', 3, 3],
      ['gw-2', 3, 4],
    ]);
    expect((await store.query({ enterpriseId: 'ent-1', lineId: 'line-1' })).map((x) => x.seq)).toEqual([3]);
    await store.close();
    const again = reopen();
    expect(await again.writeMany([{ meta: meta(1), readings: r(1, 1) }, { meta: meta(4), readings: r(4, 4) }])).toEqual(['duplicate', 'stored']);
  });

  it.skipIf(!kind.available)('selects across every gateway of an enterprise, or one gateway, newest first when limited', async () => {
    const { store } = fresh();
    const r = (workshopId: string, s: number, total: number): Reading => ({ workshopId, ts: T0 + s * 1000, headcount: { total } });
    await write(store, meta(1, { gatewayId: 'gw-a' }), [r('ws-1', 0, 1), r('ws-2', 3, 2)]);
    await write(store, meta(1, { gatewayId: 'gw-b' }), [r('ws-3', 1, 3), r('ws-3', 4, 4)]);
    await write(store, meta(1, { gatewayId: 'gw-c' }), [r('ws-4', 2, 5), { lineId: 'line-1', ts: T0 + 5000, production: { counter: 6 } }]);
    await write(store, meta(1, { enterpriseId: 'ent-2', gatewayId: 'gw-a' }), [r('ws-1', 9, 9)]);
    const ts = (rows: { reading: Reading }[]) => rows.map((x) => (x.reading.ts - T0) / 1000);
    expect(ts(await store.query({ enterpriseId: 'ent-1', limit: 3 }))).toEqual([3, 4, 5]);
    expect(ts(await store.query({ enterpriseId: 'ent-1', from: T0 + 1000, to: T0 + 4000 }))).toEqual([1, 2, 3]);
    expect(ts(await store.query({ enterpriseId: 'ent-1', gatewayId: 'gw-b' }))).toEqual([1, 4]);
    expect(ts(await store.query({ enterpriseId: 'ent-1', gatewayId: 'gw-c', limit: 1 }))).toEqual([5]);
    expect(ts(await store.query({ enterpriseId: 'ent-1', gatewayId: 'gw-a', workshopId: 'ws-2' }))).toEqual([3]);
    expect(await store.query({ enterpriseId: 'ent-1', gatewayId: 'gw-a', workshopId: 'ws-3' })).toEqual([]);
    // A gateway id is the enterprise's own: another enterprise's gw-a is another gateway.
    expect(ts(await store.query({ enterpriseId: 'ent-2', gatewayId: 'gw-a' }))).toEqual([9]);
    expect(ts(await store.query({ enterpriseId: 'ent-2', gatewayId: 'gw-a', workshopId: 'ws-1' }))).toEqual([9]);
    expect(await store.query({ enterpriseId: 'ent-2', gatewayId: 'gw-b' })).toEqual([]);
    expect(await store.query({ enterpriseId: 'ent-3' })).toEqual([]);
  });

  it.skipIf(!kind.name.startsWith('InfluxDB v2'))('sent its writes through the v2 API', () => {
    expect(front!.v2Writes()).toBeGreaterThan(0);
  });
});

describe('a group that cannot be made durable', () => {
  it('SQLite: writeMany rejects and leaves none of the group stored', async () => {
    const dir = `${tmp.dir}/sqlite-fail`;
    const store = new SqliteTelemetryStore({ dataDir: dir });
    const r: Reading[] = [{ workshopId: 'ws-a', ts: T0, headcount: { total: 1 } }];
    // A reading the table refuses (NOT NULL ts) half-way through the group rolls the whole group back.
    const bad = [{ workshopId: 'ws-a', ts: null }] as unknown as Reading[];
    await expect(store.writeMany([{ meta: meta(1), readings: r }, { meta: meta(2), readings: bad }, { meta: meta(3), readings: r }])).rejects.toThrow();
    expect(store.health().writable).toBe(false);
    expect(await store.query({ enterpriseId: 'ent-1' })).toEqual([]);
    // Nothing was marked: the same batches are new when they come again.
    expect(await store.writeMany([{ meta: meta(1), readings: r }, { meta: meta(3), readings: r }])).toEqual(['stored', 'stored']);
    expect(store.health().writable).toBe(true);
    await store.close();
  });

  it('spool: past its bound, the batches that fit are spooled and only the rest are refused (a known one stays a duplicate)', () => {
    const spool = new TelemetrySpool({ dataDir: `${tmp.dir}/spool-bound`, capacity: 3 });
    const add = (seq: number) => textBatch(meta(seq), `m v=${seq}`);
    expect(spool.addMany([add(1), add(2)])).toEqual([true, true]);
    const results = spool.addMany([add(3), add(1), add(4), add(2), add(5)]);
    expect(results.slice(0, 2)).toEqual([true, false]);
    expect(results[2]).toBeInstanceOf(SpoolFullError);
    expect(results[3]).toBe(false);
    expect(results[4]).toBeInstanceOf(SpoolFullError);
    expect(spool.depth).toBe(3);
    // A refused batch was not remembered: once there is room it is taken. The bound is in batches,
    // whatever rows they share (the first call's two batches are one row).
    spool.removeThrough(spool.peek(1)[0]!.id);
    expect(spool.depth).toBe(1);
    const again = spool.addMany([add(4), add(5), add(6)]);
    expect(again.slice(0, 2)).toEqual([true, true]);
    expect(again[2]).toBeInstanceOf(SpoolFullError);
    expect(spool.peek(100).map((e) => [e.body.toString(), e.batches])).toEqual([
      ['m v=3', 1],
      ['m v=4\nm v=5', 2],
    ]);
    spool.close();
  });
});

describe('spool', () => {
  it('names when the entry first in line arrived, until it is sent', () => {
    const spool = new TelemetrySpool({ dataDir: `${tmp.dir}/spool-oldest`, capacity: 10 });
    expect(spool.oldestReceivedAt()).toBeNull();
    const add = (seq: number, receivedAt: number) => textBatch(meta(seq, { receivedAt }), `m v=${seq}`);
    spool.addMany([add(1, RECEIVED + 10)]);
    spool.addMany([add(2, RECEIVED + 20), add(3, RECEIVED + 30)]);
    expect(spool.oldestReceivedAt()).toBe(RECEIVED + 10);
    spool.removeThrough(spool.peek(1)[0]!.id);
    expect(spool.oldestReceivedAt()).toBe(RECEIVED + 20);
    spool.removeThrough(spool.peek(100).at(-1)!.id);
    expect(spool.oldestReceivedAt()).toBeNull();
    spool.close();
  });
});
