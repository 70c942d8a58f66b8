// What the SQLite telemetry store does beyond the shared contract (telemetry-contract.test.ts): its
// layout by gateway (a subject that moves between gateways), the numbers it gives gateways and
// subjects (none left behind by a failed group), retention and the dedupe window over time, and
// bringing data directories of schema versions 2 and 3 forward without losing a reading.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Reading } from '@hazwatch/protocols';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openSqlite } from '../src/storage/sqlite.ts';
import { TELEMETRY_SCHEMA } from '../src/storage/sqlite-telemetry-schema.ts';
import { SqliteTelemetryStore } from '../src/storage/sqlite-telemetry.ts';
import type { BatchMeta } from '../src/storage/telemetry-store.ts';
import { capturedLogger, tempDir } from './helpers.ts';

const T0 = Date.UTC(2026, 2, 2, 1, 0, 0);
const DAY = 86_400_000;
const meta = (gatewayId: string, seq: number, receivedAt = T0): BatchMeta => ({ enterpriseId: 'ent-1', gatewayId, seq, sentAt: receivedAt, receivedAt });
const head = (workshopId: string, ts: number, total: number): Reading => ({ workshopId, ts, headcount: { total } });
const totals = (rows: { reading: Reading }[]) => rows.map((r) => (r.reading as { headcount: { total: number } }).headcount.total);

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function dir(): string {
  const tmp = tempDir('hazwatch-sqlite-telemetry-');
  cleanups.push(tmp.remove);
  return tmp.dir;
}
function open(dataDir: string, opts: Partial<ConstructorParameters<typeof SqliteTelemetryStore>[0]> = {}): SqliteTelemetryStore {
  const store = new SqliteTelemetryStore({ dataDir, ...opts });
  cleanups.push(() => store.close());
  return store;
}

describe('SQLite telemetry store', () => {
  it('finds a workshop that moved to another gateway under both, newest first when limited', async () => {
    const store = open(dir());
    await store.writeMany([
      { meta: meta('gw-1', 1), readings: [head('ws-a', T0, 1), head('ws-b', T0, 7)] },
      { meta: meta('gw-1', 2), readings: [head('ws-a', T0 + 1000, 2)] },
      // Re-wired: gw-2 reports ws-a from now on, and once at the very instant gw-1 last did.
      { meta: meta('gw-2', 1), readings: [head('ws-a', T0 + 1000, 3), head('ws-a', T0 + 2000, 4)] },
    ]);
    const all = await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' });
    // Same instant: in arrival order, as before the layout by gateway.
    expect(all.map((r) => [r.gatewayId, r.reading.ts - T0])).toEqual([['gw-1', 0], ['gw-1', 1000], ['gw-2', 1000], ['gw-2', 2000]]);
    expect(totals(all)).toEqual([1, 2, 3, 4]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 3 }))).toEqual([2, 3, 4]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', from: T0 + 1000, to: T0 + 2000 }))).toEqual([2, 3]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-b' }))).toEqual([7]);
    expect(await store.aggregate({ enterpriseId: 'ent-1', workshopId: 'ws-a', field: 'headcount', from: T0, to: T0 + 60_000, intervalMs: 60_000 })).toEqual([
      { start: T0, count: 4, min: 1, max: 4, mean: 2.5, last: 4 },
    ]);
    // A line of the same name is another subject.
    expect(await store.query({ enterpriseId: 'ent-1', lineId: 'ws-a' })).toEqual([]);
  });

  it('keeps when each gateway reported each subject, and finds every reading within those spans', async () => {
    const dataDir = dir();
    const store = open(dataDir);
    const HOUR = 3_600_000;
    // ws-a on gw-1 until T0 + 61 min (59 min moves no bound, 61 does), then on gw-2; gw-1 reports ws-b on.
    await store.write(meta('gw-1', 1), [head('ws-a', T0, 1), head('ws-b', T0, 0)]);
    await store.write(meta('gw-1', 2), [head('ws-a', T0 + 59 * 60_000, 2)]);
    // Found though its time is past the pair's recorded last one (by less than the hour of slack).
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' }))).toEqual([1, 2]);
    await store.write(meta('gw-1', 3), [head('ws-a', T0 + 61 * 60_000, 3)]);
    await store.write(meta('gw-2', 1), [head('ws-a', T0 + 2 * HOUR, 4)]);
    await store.write(meta('gw-1', 4), [head('ws-b', T0 + 5 * HOUR, 0)]);
    // A late reading from before (a spool replayed) moves the start back.
    await store.write(meta('gw-2', 2), [head('ws-a', T0 - HOUR, 5)]);
    const db = new Database(join(dataDir, 'telemetry.sqlite'), { readonly: true });
    cleanups.push(() => void db.close());
    const spans = db.prepare(
      `SELECT g.gateway_id AS g, s.subject AS s, first_ts - ? AS f, last_ts - ? AS l
       FROM sources o JOIN gateways g ON g.id = o.gw JOIN subjects s ON s.id = o.subject ORDER BY g, s`,
    );
    expect(spans.all(T0, T0)).toEqual([
      { g: 'gw-1', s: 'ws-a', f: 0, l: 61 * 60_000 },
      { g: 'gw-1', s: 'ws-b', f: 0, l: 5 * HOUR },
      { g: 'gw-2', s: 'ws-a', f: -HOUR, l: 2 * HOUR },
    ]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' }))).toEqual([5, 1, 2, 3, 4]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', from: T0 + 60 * 60_000 }))).toEqual([3, 4]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', from: T0 + 3 * HOUR }))).toEqual([]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', to: T0 }))).toEqual([5]);
    // One four-hour interval (from 00:00 UTC) over both gateways: the newest reading is gw-2's.
    expect(await store.aggregate({ enterpriseId: 'ent-1', workshopId: 'ws-a', field: 'headcount', from: T0 - HOUR, to: T0 + 3 * HOUR, intervalMs: 4 * HOUR })).toEqual([
      { start: T0 - HOUR, count: 5, min: 1, max: 5, mean: 3, last: 4 },
    ]);
    await expect(store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a', lineId: 'line-1' })).rejects.toThrow(/not both/);
  });

  it('remembers which gateways reported a subject across a reopen, and not after a failed write', async () => {
    const dataDir = dir();
    const store = open(dataDir);
    await store.write(meta('gw-1', 1), [head('ws-a', T0, 1)]);
    // The whole group rolls back (a reading the table refuses): gw-2 never reported ws-c.
    const bad = [{ workshopId: 'ws-c', ts: null }] as unknown as Reading[];
    await expect(store.writeMany([{ meta: meta('gw-2', 1), readings: [head('ws-c', T0, 5)] }, { meta: meta('gw-2', 2), readings: bad }])).rejects.toThrow();
    // Had the failed group been remembered, this reading would have been written without its source.
    await store.write(meta('gw-2', 3), [head('ws-c', T0 + 1, 6)]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-c' }))).toEqual([6]);
    await store.close();
    const again = open(dataDir);
    await again.write(meta('gw-1', 2), [head('ws-a', T0 + 1, 2)]);
    expect(totals(await again.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' }))).toEqual([1, 2]);
    expect(totals(await again.query({ enterpriseId: 'ent-1', workshopId: 'ws-c' }))).toEqual([6]);
  });

  it('leaves no gateway or subject number and no moved span of a failed group behind', async () => {
    const dataDir = dir();
    const store = open(dataDir);
    const HOUR = 3_600_000;
    await store.write(meta('gw-1', 1), [head('ws-a', T0, 1)]);
    const db = new Database(join(dataDir, 'telemetry.sqlite'), { readonly: true });
    cleanups.push(() => void db.close());
    const numbered = () => ({
      gateways: db.prepare('SELECT * FROM gateways ORDER BY id').all(),
      subjects: db.prepare('SELECT * FROM subjects ORDER BY id').all(),
      sources: db.prepare('SELECT * FROM sources ORDER BY subject, gw').all(),
    });
    const before = numbered();
    // Mid-way through the group, after a known pair's span moved on and a new gateway, workshop and
    // line were numbered, a reading the table refuses: the whole group rolls back.
    const bad = { workshopId: 'ws-x', ts: null } as unknown as Reading;
    await expect(
      store.writeMany([
        { meta: meta('gw-1', 2), readings: [head('ws-a', T0 + 2 * HOUR, 2)] },
        { meta: meta('gw-2', 1), readings: [head('ws-c', T0, 5), { lineId: 'line-1', ts: T0, production: { counter: 1 } }] },
        { meta: meta('gw-2', 2), readings: [head('ws-d', T0, 6), bad] },
      ]),
    ).rejects.toThrow();
    expect(numbered()).toEqual(before);
    // SQLite gives the numbers the failed group had taken to the next new names: each name still
    // reads back its own readings, and the names of the failed group none.
    await store.write(meta('gw-3', 1), [head('ws-e', T0, 7), { lineId: 'line-2', ts: T0, production: { counter: 2 } }]);
    expect((await store.query({ enterpriseId: 'ent-1', gatewayId: 'gw-3' })).map((r) => [r.gatewayId, r.reading])).toEqual([
      ['gw-3', head('ws-e', T0, 7)],
      ['gw-3', { lineId: 'line-2', ts: T0, production: { counter: 2 } }],
    ]);
    expect(await store.query({ enterpriseId: 'ent-1', gatewayId: 'gw-2' })).toEqual([]);
    expect(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-c' })).toEqual([]);
    expect(await store.query({ enterpriseId: 'ent-1', lineId: 'line-1' })).toEqual([]);
    // The span of ws-a on gw-1 did not stay moved in memory: written again, the reading two hours on
    // moves it in the table too, and is found.
    await store.write(meta('gw-1', 2), [head('ws-a', T0 + 2 * HOUR, 2)]);
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' }))).toEqual([1, 2]);
    expect(db.prepare('SELECT last_ts - ? FROM sources WHERE gw = 1 AND subject = 1').pluck().get(T0)).toBe(2 * HOUR);
  });

  it('deletes readings past retention by reading time on every gateway, and forgets batch ids past the dedupe window', async () => {
    const dataDir = dir();
    let now = T0;
    const opts = { now: () => now, retentionMs: 10 * DAY, dedupeRetentionMs: 3 * DAY };
    const store = open(dataDir, opts);
    await store.writeMany([
      { meta: meta('gw-1', 1), readings: [head('ws-a', T0 - 11 * DAY, 1), head('ws-a', T0 - 9 * DAY, 2)] },
      { meta: meta('gw-2', 1), readings: [head('ws-a', T0 - 12 * DAY, 3), head('ws-b', T0, 4)] },
    ]);
    await store.close();
    // Retention runs on open and then hourly with writes.
    now = T0 + 1;
    const reopened = open(dataDir, opts);
    expect(totals(await reopened.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' }))).toEqual([2]);
    expect(totals(await reopened.query({ enterpriseId: 'ent-1', workshopId: 'ws-b' }))).toEqual([4]);
    expect(await reopened.write(meta('gw-1', 1), [head('ws-a', T0, 9)])).toBe('duplicate');
    now = T0 + 4 * DAY;
    await reopened.write(meta('gw-1', 2), [head('ws-a', now, 5)]);
    // The write four days on pruned the dedupe window: gw-1's batch 1 is new again…
    expect(await reopened.write(meta('gw-1', 1), [head('ws-a', now, 6)])).toBe('stored');
    // …and retention, ten days before then, took the reading of nine days before the start.
    expect(totals(await reopened.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' }))).toEqual([5, 6]);
  });

  it('brings a data directory of schema version 2 forward: every reading, its order, its batch ids', async () => {
    const dataDir = dir();
    const file = join(dataDir, 'telemetry.sqlite');
    const old = openSqlite(file);
    migrate(old, TELEMETRY_SCHEMA.slice(0, 2));
    const batch = old.prepare('INSERT INTO batches (enterprise_id, gateway_id, seq, sent_at, received_at) VALUES (?, ?, ?, ?, ?)');
    const reading = old.prepare(
      `INSERT INTO readings (enterprise_id, gateway_id, seq, received_at, workshop_id, line_id, ts, has_headcount, headcount, by_line, persons, has_material, material_kg, counter, product, unit)
       VALUES (@e, @g, @seq, @r, @w, @l, @ts, @hh, @h, @bl, @p, @hm, @m, @c, @prod, @unit)`,
    );
    const row = { e: 'ent-1', g: 'gw-1', seq: 1, r: T0, w: null, l: null, ts: T0, hh: 0, h: null, bl: null, p: null, hm: 0, m: null, c: null, prod: null, unit: null };
    batch.run('ent-1', 'gw-1', 1, T0, T0);
    batch.run('ent-1', 'gw-2', 1, T0, T0 + 1);
    reading.run({ ...row, w: 'ws-a', hh: 1, h: 2, bl: '{"line-1":2}', p: '[{"id":"E1","since":1}]', hm: 1, m: 12.5 });
    reading.run({ ...row, l: 'line-1', c: 40, prod: 'emulsion', unit: 'kg' });
    reading.run({ ...row, g: 'gw-2', r: T0 + 1, w: 'ws-a', hh: 1, h: null, hm: 1, m: null });
    // Arrived last, from a gateway whose name sorts first, its batch mark long pruned.
    reading.run({ ...row, g: 'gw-0', seq: 7, r: T0 + 2, w: 'ws-a', hh: 1, h: 4 });
    old.close();

    // Opened soon after: the old batch ids are inside the dedupe window. The conversion is announced
    // (on a large data directory it takes a while before the server is ready).
    const { logger: log, logs } = capturedLogger('info');
    const store = open(dataDir, { now: () => T0 + 1, log });
    expect(logs).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/^converting telemetry/), readings: 4 }),
      expect.objectContaining({ msg: `telemetry converted to schema ${TELEMETRY_SCHEMA.length}` }),
    ]);
    const a = await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' });
    expect(a.map((r) => [r.gatewayId, r.seq, r.receivedAt, r.reading])).toEqual([
      ['gw-1', 1, T0, { workshopId: 'ws-a', ts: T0, headcount: { total: 2, byLine: { 'line-1': 2 }, persons: [{ id: 'E1', since: 1 }] }, materialKg: 12.5 }],
      ['gw-2', 1, T0 + 1, { workshopId: 'ws-a', ts: T0, headcount: { total: null }, materialKg: null }],
      ['gw-0', 7, T0 + 2, { workshopId: 'ws-a', ts: T0, headcount: { total: 4 } }],
    ]);
    expect((await store.query({ enterpriseId: 'ent-1', lineId: 'line-1' })).map((r) => r.reading)).toEqual([
      { lineId: 'line-1', ts: T0, production: { counter: 40, product: 'emulsion', unit: 'kg' } },
    ]);
    // The dedupe window came along; a new batch at the same instant comes after the kept ones.
    expect(await store.write(meta('gw-2', 1), [head('ws-a', T0, 9)])).toBe('duplicate');
    expect(await store.write(meta('gw-1', 2), [head('ws-a', T0, 3)])).toBe('stored');
    expect((await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' })).map((r) => [r.gatewayId, r.seq])).toEqual([
      ['gw-1', 1],
      ['gw-2', 1],
      ['gw-0', 7],
      ['gw-1', 2],
    ]);
    expect((await store.query({ enterpriseId: 'ent-1', gatewayId: 'gw-0' })).map((r) => r.seq)).toEqual([7]);
    await store.close();
    const check = new Database(file, { readonly: true });
    cleanups.push(() => void check.close());
    expect(check.pragma('user_version', { simple: true })).toBe(TELEMETRY_SCHEMA.length);
  });
  it('brings a data directory of schema version 3 forward: workshops and lines, moved subjects, other enterprises, the dedupe window, retention', async () => {
    const dataDir = dir();
    const file = join(dataDir, 'telemetry.sqlite');
    const old = openSqlite(file);
    migrate(old, TELEMETRY_SCHEMA.slice(0, 3));
    // As the schema-3 store wrote a batch: its mark, its readings by (gateway, ts, arrival, place),
    // and each pair's span in `sources`.
    const mark = old.prepare('INSERT INTO batches (enterprise_id, gateway_id, seq, sent_at, received_at) VALUES (?, ?, ?, ?, ?)');
    const row = old.prepare(
      `INSERT INTO readings (enterprise_id, gateway_id, ts, batch, n, kind, subject, seq, received_at, has_headcount, headcount, by_line, persons, has_material, material_kg, counter, product, unit)
       VALUES (@e, @g, @ts, @batch, @n, @kind, @s, @seq, @r, @hh, @h, @bl, @p, @hm, @m, @c, @prod, @unit)`,
    );
    const source = old.prepare(
      `INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`,
    );
    const v3 = (e: string, g: string, seq: number, r: number, readings: Reading[]) => {
      const batch = Number(mark.run(e, g, seq, r, r).lastInsertRowid);
      readings.forEach((reading, n) => {
        const key = { e, g, ts: reading.ts, batch, n, seq, r };
        const none = { hh: 0, h: null, bl: null, p: null, hm: 0, m: null, c: null, prod: null, unit: null };
        if ('workshopId' in reading) {
          const h = reading.headcount;
          const headcount = { hh: h === undefined ? 0 : 1, h: h?.total ?? null, bl: h?.byLine ? JSON.stringify(h.byLine) : null, p: h?.persons ? JSON.stringify(h.persons) : null };
          const material = { hm: reading.materialKg === undefined ? 0 : 1, m: reading.materialKg ?? null };
          row.run({ ...key, ...none, kind: 0, s: reading.workshopId, ...headcount, ...material });
          source.run(e, 0, reading.workshopId, g, reading.ts, reading.ts);
        } else {
          const p = reading.production;
          row.run({ ...key, ...none, kind: 1, s: reading.lineId, c: p.counter, prod: p.product ?? null, unit: p.unit ?? null });
          source.run(e, 1, reading.lineId, g, reading.ts, reading.ts);
        }
      });
    };
    const full: Reading = { workshopId: 'ws-a', ts: T0, headcount: { total: 2, byLine: { 'line-1': 2 }, persons: [{ id: 'E1', since: 1 }] }, materialKg: 12.5 };
    const line = (lineId: string, ts: number, counter: number): Reading => ({ lineId, ts, production: { counter, product: 'emulsion', unit: 'kg' } });
    v3('ent-1', 'gw-1', 1, T0 - 11 * DAY, [head('ws-b', T0 - 11 * DAY, 8)]);
    v3('ent-1', 'gw-1', 2, T0, [full, line('line-1', T0, 40)]);
    // The same names in another enterprise are other gateways and subjects.
    v3('ent-2', 'gw-1', 1, T0, [head('ws-a', T0 + 1000, 9)]);
    // A line named as a workshop is another subject.
    v3('ent-1', 'gw-1', 3, T0 + 1, [head('ws-a', T0 + 1000, 3), { workshopId: 'ws-b', ts: T0 + 1000, headcount: null }, line('ws-a', T0 + 1000, 7)]);
    // Re-wired: gw-2 reports ws-a and line-1 from now on; two batches of one instant keep arrival order.
    v3('ent-1', 'gw-2', 1, T0 + 2, [head('ws-a', T0 + 2000, 4), line('line-1', T0 + 2000, 41)]);
    v3('ent-1', 'gw-2', 2, T0 + 3, [head('ws-a', T0 + 2000, 5)]);
    // A gateway whose batch carried no readings: only its mark.
    mark.run('ent-1', 'gw-9', 5, T0, T0);
    const count = old.prepare('SELECT count(*) FROM readings').pluck().get();
    expect(count).toBe(10);
    old.close();

    const { logger: log, logs } = capturedLogger('info');
    const store = open(dataDir, { now: () => T0 + 4, log });
    expect(logs).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/^converting telemetry/), readings: 10, from: 3, to: TELEMETRY_SCHEMA.length }),
      expect.objectContaining({ msg: `telemetry converted to schema ${TELEMETRY_SCHEMA.length}` }),
    ]);
    let reading = store;
    const read = (q: Parameters<typeof store.query>[0]) => reading.query(q).then((rows) => rows.map((r) => [r.enterpriseId, r.gatewayId, r.seq, r.receivedAt, r.reading]));
    const ent1 = [
      ['ent-1', 'gw-1', 1, T0 - 11 * DAY, head('ws-b', T0 - 11 * DAY, 8)],
      ['ent-1', 'gw-1', 2, T0, full],
      ['ent-1', 'gw-1', 2, T0, line('line-1', T0, 40)],
      ['ent-1', 'gw-1', 3, T0 + 1, head('ws-a', T0 + 1000, 3)],
      ['ent-1', 'gw-1', 3, T0 + 1, { workshopId: 'ws-b', ts: T0 + 1000, headcount: { total: null } }],
      ['ent-1', 'gw-1', 3, T0 + 1, line('ws-a', T0 + 1000, 7)],
      ['ent-1', 'gw-2', 1, T0 + 2, head('ws-a', T0 + 2000, 4)],
      ['ent-1', 'gw-2', 1, T0 + 2, line('line-1', T0 + 2000, 41)],
      ['ent-1', 'gw-2', 2, T0 + 3, head('ws-a', T0 + 2000, 5)],
    ];
    const where = (pick: (r: (typeof ent1)[number]) => boolean) => ent1.filter(pick);
    const subject = (r: (typeof ent1)[number]) => r[4] as { workshopId?: string; lineId?: string };
    // Every reading, with its names, whichever way it is asked for.
    expect(await read({ enterpriseId: 'ent-1' })).toEqual(ent1);
    expect(await read({ enterpriseId: 'ent-2' })).toEqual([['ent-2', 'gw-1', 1, T0, head('ws-a', T0 + 1000, 9)]]);
    expect(await read({ enterpriseId: 'ent-1', workshopId: 'ws-a' })).toEqual(where((r) => subject(r).workshopId === 'ws-a'));
    expect(await read({ enterpriseId: 'ent-1', workshopId: 'ws-a', limit: 2 })).toEqual(where((r) => subject(r).workshopId === 'ws-a').slice(-2));
    expect(await read({ enterpriseId: 'ent-1', workshopId: 'ws-b' })).toEqual(where((r) => subject(r).workshopId === 'ws-b'));
    expect(await read({ enterpriseId: 'ent-1', lineId: 'line-1' })).toEqual(where((r) => subject(r).lineId === 'line-1'));
    expect(await read({ enterpriseId: 'ent-1', lineId: 'ws-a' })).toEqual(where((r) => subject(r).lineId === 'ws-a'));
    expect(await read({ enterpriseId: 'ent-1', gatewayId: 'gw-1' })).toEqual(where((r) => r[1] === 'gw-1'));
    expect(await read({ enterpriseId: 'ent-1', gatewayId: 'gw-2', workshopId: 'ws-a' })).toEqual(where((r) => r[1] === 'gw-2' && subject(r).workshopId === 'ws-a'));
    expect(await read({ enterpriseId: 'ent-2', gatewayId: 'gw-2' })).toEqual([]);
    expect(await store.aggregate({ enterpriseId: 'ent-1', workshopId: 'ws-a', field: 'headcount', from: T0, to: T0 + 60_000, intervalMs: 60_000 })).toEqual([
      { start: T0, count: 4, min: 2, max: 5, mean: 3.5, last: 5 },
    ]);
    expect(await store.aggregate({ enterpriseId: 'ent-1', lineId: 'line-1', field: 'counter', from: T0, to: T0 + 60_000, intervalMs: 60_000 })).toEqual([
      { start: T0, count: 2, min: 40, max: 41, mean: 40.5, last: 41 },
    ]);
    // The dedupe window came along (the mark without readings too); a new batch at an instant
    // already stored comes after the kept ones.
    expect(await store.write({ ...meta('gw-9', 5), receivedAt: T0 + 5 }, [head('ws-a', T0, 0)])).toBe('duplicate');
    expect(await store.write({ ...meta('gw-1', 3), receivedAt: T0 + 5 }, [head('ws-a', T0, 0)])).toBe('duplicate');
    expect(await store.write({ ...meta('gw-1', 4), receivedAt: T0 + 5 }, [head('ws-a', T0 + 2000, 6)])).toBe('stored');
    expect(totals(await store.query({ enterpriseId: 'ent-1', workshopId: 'ws-a' }))).toEqual([2, 3, 4, 5, 6]);
    await store.close();

    // Retention after the conversion: by reading time, on every gateway.
    reading = open(dataDir, { now: () => T0 + 5, retentionMs: 10 * DAY });
    expect(await read({ enterpriseId: 'ent-1', workshopId: 'ws-b' })).toEqual(where((r) => subject(r).workshopId === 'ws-b').slice(1));
    expect(await read({ enterpriseId: 'ent-1', gatewayId: 'gw-1', to: T0 + 2000 })).toEqual(where((r) => r[1] === 'gw-1').slice(1));
    await reading.close();
    const check = new Database(file, { readonly: true });
    cleanups.push(() => void check.close());
    expect(check.pragma('user_version', { simple: true })).toBe(TELEMETRY_SCHEMA.length);
    // The ten converted, one written since, one past retention.
    expect(check.prepare('SELECT count(*) FROM readings').pluck().get()).toBe(10);
  });
});
