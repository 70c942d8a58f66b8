import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { migrate, openSqlite } from './sqlite.ts';
import { LineWriter } from './line-writer.ts';
import type { BatchMeta } from './telemetry-store.ts';

const SCHEMA = [
  `CREATE TABLE batches (
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     received_at   INTEGER NOT NULL,
     PRIMARY KEY (enterprise_id, gateway_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX batches_received ON batches (received_at);
   -- AUTOINCREMENT: ids never reused, so draining by id is draining in arrival order.
   CREATE TABLE outbox (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     received_at INTEGER NOT NULL,
     points      INTEGER NOT NULL,
     body        TEXT NOT NULL
   );
   -- Batches the database refused for their content (HTTP 400): kept, never dropped silently.
   CREATE TABLE failed (
     id          INTEGER PRIMARY KEY,
     received_at INTEGER NOT NULL,
     failed_at   INTEGER NOT NULL,
     error       TEXT NOT NULL,
     body        TEXT NOT NULL
   );`,
  // 2: an outbox row holds the fresh batches of one ingest group (up to `rowPoints` points): one insert
  // and one delete per group instead of per batch. `batches` counts them (the bound and the depth are
  // in batches); `parts` gives each one's points, length in the body (bytes of UTF-8) and arrival after
  // the row's `received_at` (ms), "points length delay" joined by ",", so that a row InfluxDB refuses
  // can be split back into its batches. A row from before (one batch, `parts` NULL) stays as it is:
  // nothing waiting is touched. Batch marks are keyed by a gateway number (`gateways`; the spool keeps
  // them in memory) instead of two text columns: smaller entries, integer comparisons. Numbers are
  // given in the order of the old key, so the marks are copied in the order of the new one.
  `ALTER TABLE outbox ADD COLUMN batches INTEGER NOT NULL DEFAULT 1;
   ALTER TABLE outbox ADD COLUMN parts TEXT;
   CREATE TABLE gateways (
     id            INTEGER PRIMARY KEY,
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     UNIQUE (enterprise_id, gateway_id)
   );
   INSERT INTO gateways (enterprise_id, gateway_id) SELECT DISTINCT enterprise_id, gateway_id FROM batches ORDER BY 1, 2;
   CREATE TABLE batches_v2 (
     gw          INTEGER NOT NULL,
     seq         INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (gw, seq)
   ) WITHOUT ROWID;
   INSERT INTO batches_v2
     SELECT g.id, b.seq, b.received_at FROM batches b
     JOIN gateways g ON g.enterprise_id = b.enterprise_id AND g.gateway_id = b.gateway_id ORDER BY 1, 2;
   DROP TABLE batches;
   ALTER TABLE batches_v2 RENAME TO batches;
   CREATE INDEX batches_received ON batches (received_at);`,
];

const NEWLINE = 10;

export class SpoolFullError extends Error {
  constructor(capacity: number) {
    super(`the telemetry spool is full (${capacity} batches waiting for InfluxDB); batch refused for redelivery`);
    this.name = 'SpoolFullError';
  }
}

/**
 * An outbox row: `batches` batches (in arrival order) with `points` points in all, one per line of
 * `body` (line protocol, UTF-8).
 */
export type SpoolEntry = { id: number; receivedAt: number; points: number; batches: number; body: Buffer };

/** One batch for `addMany`: its id, and what writes its line protocol (returning its points). */
export type SpoolAdd = { meta: BatchMeta; write: (out: LineWriter) => number };

/**
 * The durable outbox in front of InfluxDB (`influx-spool.sqlite`, WAL, synchronous FULL; removals of
 * what InfluxDB took commit without a sync of their own) and the dedupe window of batch ids. `addMany`
 * records the batch ids and their line protocol in one transaction: once it returns, the batches
 * survive a crash and may be acknowledged. The fresh batches of a call share outbox rows of up to
 * `rowPoints` points (a batch larger than that has a row of its own). Rows leave only after InfluxDB
 * took them, in id order (a refused row split into rows of one batch takes the ids just below its own:
 * it is first in line, so they are free and the order holds, though ids are then reused). Bounded in batches: past `capacity` a batch is refused
 * (the broker keeps it).
 */
export class TelemetrySpool {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly addTx: (entries: readonly SpoolAdd[]) => { results: (boolean | SpoolFullError)[]; added: number };
  private readonly peekStmt: Database.Statement;
  private readonly bodyStmt: Database.Statement;
  private readonly removeStmt: Database.Statement;
  private readonly oldestStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;
  private readonly failTx: (e: SpoolEntry, error: string, at: number) => void;
  private readonly splitTx: (id: number) => number;
  /** Gateway numbers (`gateways`), per enterprise, per gateway id. */
  private readonly gateways = new Map<string, Map<string, number>>();
  /** Batches waiting in the outbox. */
  private count: number;
  /** The outbox row being written (reused). */
  private readonly rows = new LineWriter();

  constructor(opts: { dataDir: string; capacity: number; rowPoints?: number }) {
    this.file = join(opts.dataDir, 'influx-spool.sqlite');
    this.db = openSqlite(this.file);
    migrate(this.db, SCHEMA);
    const rowPoints = opts.rowPoints ?? 5000;
    this.count = (this.db.prepare('SELECT total(batches) AS n FROM outbox').get() as { n: number }).n;
    for (const r of this.db.prepare('SELECT id, enterprise_id AS e, gateway_id AS g FROM gateways').iterate() as Iterable<{ id: number; e: string; g: string }>) {
      this.gatewayMap(r.e).set(r.g, r.id);
    }
    const insertGateway = this.db.prepare('INSERT INTO gateways (enterprise_id, gateway_id) VALUES (?, ?)');
    const mark = this.db.prepare('INSERT OR IGNORE INTO batches (gw, seq, received_at) VALUES (?, ?, ?)');
    const seen = this.db.prepare('SELECT 1 FROM batches WHERE gw = ? AND seq = ?').pluck();
    // Bodies go in and out as bytes (outside V8's heap) and are stored as text. As JS strings, a row's
    // body (~0.5-1 MB at 5,000 points) was a large object made several times over (concatenated, read
    // back, joined for the request, encoded for it): at ingest saturation the garbage collector's share
    // of the server's time rose from ~19 % (a row per batch) to ~28 %; as bytes it is ~18 %. Each batch
    // writes its lines straight into the row (`rows`), which goes to SQLite as it is.
    const insert = this.db.prepare('INSERT INTO outbox (received_at, points, batches, body, parts) VALUES (?, ?, ?, CAST(? AS TEXT), ?)');
    const out = this.rows;
    // A group in one transaction (one sync). Each batch as if added alone, in order: a known id is a
    // duplicate (even when full), a new one is refused when the spool is full — without its mark, so
    // it is not remembered as seen — and the others are unaffected.
    const tx = this.db.transaction((entries: readonly SpoolAdd[], numbered: [string, string][]) => {
      const results: (boolean | SpoolFullError)[] = new Array(entries.length);
      let added = 0;
      // The row being filled: its batches' lines are `out`, newline-separated.
      let rowAt = 0;
      let rowPointsSoFar = 0;
      let rowBatches = 0;
      let parts = '';
      out.reset();
      for (let i = 0; i < entries.length; i++) {
        const { meta, write } = entries[i]!;
        if (this.count + added >= opts.capacity) {
          const gw = this.gateways.get(meta.enterpriseId)?.get(meta.gatewayId);
          results[i] = gw === undefined || seen.get(gw, meta.seq) === undefined ? new SpoolFullError(opts.capacity) : false;
          continue;
        }
        let gw = this.gateways.get(meta.enterpriseId)?.get(meta.gatewayId);
        if (gw === undefined) {
          gw = Number(insertGateway.run(meta.enterpriseId, meta.gatewayId).lastInsertRowid);
          this.gatewayMap(meta.enterpriseId).set(meta.gatewayId, gw);
          numbered.push([meta.enterpriseId, meta.gatewayId]);
        }
        if (mark.run(gw, meta.seq, meta.receivedAt).changes === 0) {
          results[i] = false;
          continue;
        }
        const separator = out.length;
        if (rowBatches > 0) out.byte(NEWLINE);
        const start = out.length;
        const points = write(out);
        const length = out.length - start;
        if (rowBatches > 0 && rowPointsSoFar + points > rowPoints) {
          // The row is full without this batch: it goes as it was, and this batch begins the next.
          insert.run(rowAt, rowPointsSoFar, rowBatches, out.view(0, separator), parts);
          out.keepFrom(start);
          rowPointsSoFar = 0;
          rowBatches = 0;
        }
        if (rowBatches === 0) {
          rowAt = meta.receivedAt;
          parts = `${points} ${length} 0`;
        } else {
          parts += `,${points} ${length} ${meta.receivedAt - rowAt}`;
        }
        rowPointsSoFar += points;
        rowBatches++;
        added++;
        results[i] = true;
      }
      if (rowBatches > 0) insert.run(rowAt, rowPointsSoFar, rowBatches, out.view(), parts);
      out.reset();
      return { results, added };
    });
    // The map changes at once (later batches of the group need the numbers); a rollback takes back
    // the numbers it gave, so the map mirrors the rows that are durable.
    this.addTx = (entries) => {
      const numbered: [string, string][] = [];
      try {
        return tx(entries, numbered);
      } catch (err) {
        for (const [e, g] of numbered) this.gateways.get(e)?.delete(g);
        throw err;
      }
    };
    // Rows first without their bodies: a row holds up to `rowPoints` points (~0.5-1 MB of text at 5,000),
    // so only the bodies of the rows taken are read.
    this.peekStmt = this.db.prepare('SELECT id, received_at AS receivedAt, points, batches FROM outbox ORDER BY id LIMIT ?');
    this.bodyStmt = this.db.prepare('SELECT CAST(body AS BLOB) FROM outbox WHERE id = ?').pluck();
    this.removeStmt = this.db.prepare('DELETE FROM outbox WHERE id <= ? RETURNING batches').pluck();
    // The entry first in line (ids are arrival order): one index step. min(received_at) read the whole
    // outbox, every second (the spool alarm's check), ~30 ms with a backlog of a few 10,000 entries.
    this.oldestStmt = this.db.prepare('SELECT received_at AS t FROM outbox ORDER BY id LIMIT 1');
    this.pruneStmt = this.db.prepare('DELETE FROM batches WHERE received_at < ?');
    const failInsert = this.db.prepare('INSERT INTO failed (received_at, failed_at, error, body) VALUES (?, ?, ?, CAST(? AS TEXT))');
    const failDelete = this.db.prepare('DELETE FROM outbox WHERE id = ?');
    this.failTx = this.db.transaction((e: SpoolEntry, error: string, at: number) => {
      failInsert.run(e.receivedAt, at, error, e.body);
      failDelete.run(e.id);
    });
    const row = this.db.prepare('SELECT received_at AS receivedAt, batches, CAST(body AS BLOB) AS body, parts FROM outbox WHERE id = ?');
    const before = this.db.prepare('SELECT max(id) FROM outbox WHERE id < ?').pluck();
    const insertAt = this.db.prepare('INSERT INTO outbox (id, received_at, points, batches, body, parts) VALUES (?, ?, ?, 1, CAST(? AS TEXT), NULL)');
    // The row's batches as rows of one, in its place: ids id-n+1 … id, free because the row is first in
    // line (ids below the others' keep the order; SQLite takes ids at or below 0 as well).
    this.splitTx = this.db.transaction((id: number) => {
      const r = row.get(id) as { receivedAt: number; batches: number; body: Buffer; parts: string | null } | undefined;
      if (r === undefined || r.batches <= 1 || r.parts === null) return 0;
      if (before.get(id) !== null) throw new Error(`spool row ${id} is not first in line; only the first is split`);
      failDelete.run(id);
      let offset = 0;
      let next = id - r.batches + 1;
      for (const part of r.parts.split(',')) {
        const [points, length, delay] = part.split(' ').map(Number) as [number, number, number];
        insertAt.run(next++, r.receivedAt + delay, points, r.body.subarray(offset, offset + length));
        offset += length + 1;
      }
      return r.batches;
    });
  }

  private gatewayMap(enterpriseId: string): Map<string, number> {
    let m = this.gateways.get(enterpriseId);
    if (m === undefined) this.gateways.set(enterpriseId, (m = new Map()));
    return m;
  }

  /** `false`: the batch id is already known (a redelivery). Throws SpoolFullError when full. */
  add(entry: SpoolAdd): boolean {
    const [result] = this.addMany([entry]);
    if (result instanceof SpoolFullError) throw result;
    return result!;
  }

  /**
   * Several batches in one transaction, in order: per batch `true` (spooled), `false` (already known)
   * or a SpoolFullError (refused alone). Throws, with nothing added, when the transaction fails.
   */
  addMany(entries: readonly SpoolAdd[]): (boolean | SpoolFullError)[] {
    const { results, added } = this.addTx(entries);
    this.count += added;
    return results;
  }

  /**
   * The oldest rows, up to `maxPoints` points in all (at least one row, which may alone hold more: a
   * batch larger than `rowPoints`).
   */
  peek(maxPoints: number, maxEntries = 1000): SpoolEntry[] {
    const out: SpoolEntry[] = [];
    let points = 0;
    for (const e of this.peekStmt.iterate(maxEntries) as IterableIterator<SpoolEntry>) {
      if (out.length > 0 && points + e.points > maxPoints) break;
      out.push(e);
      points += e.points;
    }
    for (const e of out) e.body = this.bodyStmt.get(e.id) as Buffer;
    return out;
  }

  /** The row first in line without its body; undefined when the spool is empty. */
  first(): Omit<SpoolEntry, 'body'> | undefined {
    return this.peekStmt.get(1) as Omit<SpoolEntry, 'body'> | undefined;
  }

  /**
   * Removes every row up to and including `id` (the rows just written, oldest first). Without waiting
   * for the disk (synchronous NORMAL: no sync of the log at this commit): lost in a power cut, the rows
   * are sent again and InfluxDB stores the same points once (influx-layout.ts); the next FULL commit
   * (the next group) syncs the log through it. Durability is relaxed, not atomicity. One sync less per
   * request sent.
   */
  removeThrough(id: number): void {
    // Through `pragma` each time: SQLite applies this pragma when the statement is prepared.
    this.db.pragma('synchronous = NORMAL');
    try {
      let removed = 0;
      for (const n of this.removeStmt.all(id) as number[]) removed += n;
      this.count -= removed;
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /**
   * Replaces the row first in line by one row per batch, in the same place in line (so that a batch
   * InfluxDB refuses can be found and set aside alone). Returns how many rows it became (0: it held
   * one batch, or is gone).
   */
  split(id: number): number {
    return this.splitTx(id);
  }

  /** Moves one row of one batch InfluxDB refused for its content aside, with the reason. */
  fail(e: SpoolEntry, error: string, at: number): void {
    if (e.batches !== 1) throw new Error(`spool row ${e.id} holds ${e.batches} batches; split it first`);
    this.failTx(e, error, at);
    this.count--;
  }

  /** Batches waiting to be sent. */
  get depth(): number {
    return this.count;
  }

  get failedCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM failed').get() as { n: number }).n;
  }

  /** When the batch first in line arrived; null when the spool is empty. */
  oldestReceivedAt(): number | null {
    return (this.oldestStmt.get() as { t: number } | undefined)?.t ?? null;
  }

  /** Forgets batch ids received before `before` (the dedupe window). */
  prune(before: number): void {
    this.pruneStmt.run(before);
  }

  get open(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
