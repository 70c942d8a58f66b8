// The spool in front of InfluxDB keeps the fresh batches of an ingest group in shared outbox rows:
// the bound and the depth stay in batches, a row InfluxDB refuses is split back into its batches so
// that only the one at fault is set aside (the others stored, none lost, none twice), and a spool file
// from before (one row per batch, text-keyed marks) is converted on open with nothing waiting lost.
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { pino } from 'pino';
import { TelemetryBatch, type Reading } from '@hazwatch/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxTelemetryStore } from '../src/storage/influx-telemetry.ts';
import { toLineProtocol, writeLines } from '../src/storage/influx-layout.ts';
import type { LineWriter } from '../src/storage/line-writer.ts';
import { SpoolFullError, TelemetrySpool } from '../src/storage/spool.ts';
import type { BatchMeta } from '../src/storage/telemetry-store.ts';
import { readingArbitraries } from './arbitraries.ts';
import { tempDir } from './helpers.ts';
import { HAVE_INFLUXD, startInfluxd, type Influxd } from './infra.ts';

const log = pino({ level: process.env.HAZWATCH_TEST_LOG ?? 'silent' });
const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);
// Arrival is now: the dedupe window counts from arrival.
const RECEIVED = Date.now();

const tmp = tempDir('hazwatch-spool-');
let influx: Influxd | undefined;
let n = 0;

beforeAll(async () => {
  if (HAVE_INFLUXD) influx = await startInfluxd(tmp.dir);
}, 30_000);
afterAll(async () => {
  await influx?.stop();
  tmp.remove();
});

const meta = (seq: number, over: Partial<BatchMeta> = {}): BatchMeta => ({ enterpriseId: 'ent-1', gatewayId: 'gw-1', seq, sentAt: T0, receivedAt: RECEIVED + seq, ...over });
const reading = (seq: number): Reading => ({ workshopId: 'ws-a', ts: T0 + seq, headcount: { total: seq } });
/** A batch for the spool, with its line protocol as text (`body`) to compare with what comes out. */
const batch = (m: BatchMeta, readings: Reading[]) => ({ meta: m, ...toLineProtocol(m, readings), write: (out: LineWriter) => writeLines(out, m, readings) });
/** A batch of one point, its line protocol as the store writes it. */
const add = (seq: number, over: Partial<BatchMeta> = {}) => batch(meta(seq, over), [reading(seq)]);

describe('spool rows', () => {
  it('keeps the fresh batches of a group in rows of up to rowPoints points, counting batches', () => {
    const spool = new TelemetrySpool({ dataDir: `${tmp.dir}/rows`, capacity: 100, rowPoints: 3 });
    expect(spool.addMany([add(1), add(2), add(1), add(3), add(4), add(5)])).toEqual([true, true, false, true, true, true]);
    expect(spool.depth).toBe(5);
    const rows = spool.peek(1000);
    expect(rows.map((r) => [r.batches, r.points])).toEqual([
      [3, 3],
      [2, 2],
    ]);
    expect(rows[0]!.body.toString()).toBe([add(1).body, add(2).body, add(3).body].join('\n'));
    expect(rows.map((r) => r.receivedAt)).toEqual([RECEIVED + 1, RECEIVED + 4]);
    // A request takes whole rows up to its point bound (at least one row).
    expect(spool.peek(4).map((r) => r.batches)).toEqual([3]);
    spool.removeThrough(rows[0]!.id);
    expect(spool.depth).toBe(2);
    spool.close();
    const again = new TelemetrySpool({ dataDir: `${tmp.dir}/rows`, capacity: 100, rowPoints: 3 });
    expect(again.depth).toBe(2);
    // Marks outlive the rows: a batch sent already is still a duplicate.
    expect(again.addMany([add(2), add(6)])).toEqual([false, true]);
    again.close();
  });

  it('refuses past its bound batch by batch inside one group, and forgets the gateway numbers of a failed group', () => {
    const dir = `${tmp.dir}/bound`;
    const spool = new TelemetrySpool({ dataDir: dir, capacity: 4, rowPoints: 10 });
    const results = spool.addMany([add(1), add(2), add(3), add(2), add(4), add(5), add(1), add(5, { gatewayId: 'gw-new' })]);
    expect(results.slice(0, 5)).toEqual([true, true, true, false, true]);
    expect(results[5]).toBeInstanceOf(SpoolFullError);
    expect(results[6]).toBe(false);
    expect(results[7]).toBeInstanceOf(SpoolFullError);
    expect(spool.depth).toBe(4);
    expect(spool.peek(100).map((r) => r.batches)).toEqual([4]);
    spool.removeThrough(spool.peek(100)[0]!.id);
    // A group whose transaction fails leaves nothing, not even the number of its new gateway.
    const bad = {
      meta: meta(9, { gatewayId: 'gw-rolled-back' }),
      write: () => {
        throw new Error('a batch that cannot be written');
      },
    };
    expect(() => spool.addMany([add(6, { gatewayId: 'gw-rolled-back' }), bad])).toThrow();
    expect(spool.depth).toBe(0);
    expect(spool.addMany([add(6, { gatewayId: 'gw-rolled-back' }), add(5), add(5, { gatewayId: 'gw-new' })])).toEqual([true, true, true]);
    spool.close();
    const db = new Database(`${dir}/influx-spool.sqlite`, { readonly: true });
    expect(db.prepare('SELECT gateway_id FROM gateways ORDER BY id').pluck().all()).toEqual(['gw-1', 'gw-rolled-back', 'gw-new']);
    db.close();
  });

  it('splits the row first in line into rows of one batch, in its place, durably', () => {
    const dir = `${tmp.dir}/split`;
    const spool = new TelemetrySpool({ dataDir: dir, capacity: 100 });
    // Lengths are of the UTF-8 bytes: a batch with characters of 2, 3 and 4 bytes splits out whole.
    const wide = batch(meta(2), [{ workshopId: 'wś-€-😀', ts: T0 + 2, headcount: { total: 2 } }]);
    spool.addMany([add(1), wide, add(3)]);
    spool.addMany([add(4), add(5)]);
    const [first, second] = spool.peek(1000);
    expect(() => spool.split(second!.id)).toThrow(/not first in line/);
    expect(spool.split(first!.id)).toBe(3);
    spool.close();
    const again = new TelemetrySpool({ dataDir: dir, capacity: 100 });
    const rows = again.peek(1000);
    expect(rows.map((r) => r.body.toString())).toEqual([add(1).body, wide.body, add(3).body, [add(4).body, add(5).body].join('\n')]);
    expect(rows.map((r) => [r.batches, r.receivedAt])).toEqual([
      [1, RECEIVED + 1],
      [1, RECEIVED + 2],
      [1, RECEIVED + 3],
      [2, RECEIVED + 4],
    ]);
    expect(again.depth).toBe(5);
    // A row of one batch is set aside alone; a row of several is not.
    expect(() => again.fail(rows[3]!, 'x', RECEIVED)).toThrow(/split it first/);
    again.fail(rows[1]!, 'HTTP 400', RECEIVED);
    expect(again.depth).toBe(4);
    expect(again.failedCount).toBe(1);
    expect(again.peek(1000).map((r) => r.id)).toEqual([rows[0]!.id, rows[2]!.id, rows[3]!.id]);
    again.close();
  });
});

describe('spool rows, byte for byte', () => {
  // Rows are written in one reused buffer, a batch moved to the front of the next row when it does not
  // fit: every batch must still come back as exactly its own line protocol, its place in the row
  // (`parts`) exact, in arrival order.
  it('give back each batch as its own line protocol, however groups fill rows and rows are split', () => {
    const { workshop, line } = readingArbitraries();
    let run = 0;
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.array(fc.oneof(workshop, line), { maxLength: 4 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 12 }),
        (groups, rowPoints) => {
          const spool = new TelemetrySpool({ dataDir: `${tmp.dir}/bytes-${run++}`, capacity: 10_000, rowPoints });
          try {
            const expected: string[] = [];
            let seq = 0;
            for (const group of groups) {
              spool.addMany(
                group.map((raw) => {
                  // Only what ingest lets through reaches the store; an invalid draw is an empty batch.
                  const parsed = TelemetryBatch.safeParse({ v: 1, gatewayId: 'gw-1', seq: 1, sentAt: T0, readings: raw });
                  const m = meta(++seq);
                  const b = batch(m, parsed.success ? parsed.data.readings : []);
                  expected.push(b.body);
                  return b;
                }),
              );
            }
            const got: string[] = [];
            for (let first = spool.first(); first !== undefined; first = spool.first()) {
              if (first.batches > 1) spool.split(first.id);
              const [one] = spool.peek(1, 1);
              got.push(one!.body.toString());
              spool.removeThrough(one!.id);
            }
            expect(got).toEqual(expected);
            expect(spool.depth).toBe(0);
          } finally {
            spool.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a spool file from before (schema 1: a row per batch, text-keyed marks)', () => {
  const OLD_SCHEMA = `CREATE TABLE batches (
     enterprise_id TEXT NOT NULL, gateway_id TEXT NOT NULL, seq INTEGER NOT NULL, received_at INTEGER NOT NULL,
     PRIMARY KEY (enterprise_id, gateway_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX batches_received ON batches (received_at);
   CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, points INTEGER NOT NULL, body TEXT NOT NULL);
   CREATE TABLE failed (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, failed_at INTEGER NOT NULL, error TEXT NOT NULL, body TEXT NOT NULL);
   PRAGMA user_version = 1;`;
  /** Writes a schema-1 spool file holding batches 1-4 of gw-1 and 1 of gw-2 (seq 1 of gw-1 sent), one set aside. */
  const oldSpool = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    const db = new Database(`${dir}/influx-spool.sqlite`);
    db.pragma('journal_mode = WAL');
    db.exec(OLD_SCHEMA);
    const mark = db.prepare('INSERT INTO batches VALUES (?, ?, ?, ?)');
    const row = db.prepare('INSERT INTO outbox (received_at, points, body) VALUES (?, ?, ?)');
    for (const [g, seq] of [['gw-1', 1], ['gw-1', 2], ['gw-1', 3], ['gw-1', 4], ['gw-2', 1]] as const) {
      const a = add(seq, { gatewayId: g });
      mark.run('ent-1', g, seq, a.meta.receivedAt);
      if (!(g === 'gw-1' && seq === 1)) row.run(a.meta.receivedAt, a.points, a.body);
    }
    db.prepare('INSERT INTO failed VALUES (1, ?, ?, ?, ?)').run(RECEIVED, RECEIVED, 'HTTP 400', 'bad');
    db.close();
  };

  it('is converted on open: every waiting batch stays, in order, every mark stays a duplicate', () => {
    const dir = `${tmp.dir}/old-1`;
    oldSpool(dir);
    const spool = new TelemetrySpool({ dataDir: dir, capacity: 100 });
    expect(spool.depth).toBe(4);
    expect(spool.failedCount).toBe(1);
    expect(spool.peek(1000).map((r) => [r.body.toString(), r.batches])).toEqual([
      [add(2).body, 1],
      [add(3).body, 1],
      [add(4).body, 1],
      [add(1, { gatewayId: 'gw-2' }).body, 1],
    ]);
    expect(spool.oldestReceivedAt()).toBe(RECEIVED + 2);
    expect(spool.addMany([add(1), add(4), add(1, { gatewayId: 'gw-2' }), add(5), add(2, { gatewayId: 'gw-2' })])).toEqual([false, false, false, true, true]);
    expect(spool.depth).toBe(6);
    spool.close();
  });

  it.skipIf(!HAVE_INFLUXD)('is drained into InfluxDB after the upgrade', async () => {
    const dir = `${tmp.dir}/old-2`;
    oldSpool(dir);
    const store = new InfluxTelemetryStore({ target: { url: influx!.url, api: 'v1', bucket: `spool_old_${++n}`, timeoutMs: 5000 }, dataDir: dir, log, spoolCapacity: 100, retryMinMs: 20, retryMaxMs: 200 });
    try {
      expect(await store.flush(10_000)).toBe(true);
      const rows = await store.query({ enterpriseId: 'ent-1' });
      // In reading time order (each reading's ts is T0 + its seq).
      expect(rows.map((r) => [r.gatewayId, r.seq])).toEqual([
        ['gw-2', 1],
        ['gw-1', 2],
        ['gw-1', 3],
        ['gw-1', 4],
      ]);
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!HAVE_INFLUXD)('a batch InfluxDB refuses for its content, inside a group row', () => {
  // NaN is no number to InfluxDB: the line does not parse, and the request is refused (HTTP 400).
  const bad = (seq: number): Reading => ({ workshopId: 'ws-a', ts: T0 + seq, materialKg: Number.NaN });

  for (const maxPointsPerWrite of [5000, 2]) {
    it(`is set aside alone; the others are stored once (rows of up to ${maxPointsPerWrite} points)`, async () => {
      const dir = `${tmp.dir}/refused-${maxPointsPerWrite}`;
      const bucket = `spool_refused_${++n}`;
      const store = new InfluxTelemetryStore({ target: { url: influx!.url, api: 'v1', bucket, timeoutMs: 5000 }, dataDir: dir, log, spoolCapacity: 100, retryMinMs: 20, retryMaxMs: 200, maxPointsPerWrite });
      try {
        const group = [1, 2, 3, 4, 5].map((seq) => ({ meta: meta(seq), readings: seq === 3 ? [bad(seq)] : [reading(seq)] }));
        expect(await store.writeMany(group)).toEqual(['stored', 'stored', 'stored', 'stored', 'stored']);
        expect(await store.writeMany([{ meta: meta(6), readings: [reading(6)] }])).toEqual(['stored']);
        expect(await store.flush(10_000)).toBe(true);
        expect(store.failedBatches).toBe(1);
        expect(store.health().spool?.depth).toBe(0);
        // Counted by InfluxDB itself, not through the store: each good batch once.
        const [series] = await influx!.query(bucket, 'SELECT "seq" FROM "workshop"');
        expect(series!.values.map((v) => v[1])).toEqual([1, 2, 4, 5, 6]);
        const file = new Database(`${dir}/influx-spool.sqlite`, { readonly: true });
        const failed = file.prepare('SELECT received_at AS receivedAt, error, body FROM failed').all() as { receivedAt: number; error: string; body: string }[];
        file.close();
        expect(failed).toHaveLength(1);
        expect(failed[0]!.receivedAt).toBe(RECEIVED + 3);
        expect(failed[0]!.error).toMatch(/^HTTP 400/);
        expect(failed[0]!.body).toBe(toLineProtocol(meta(3), [bad(3)]).body);
      } finally {
        await store.close();
      }
    });
  }
});
