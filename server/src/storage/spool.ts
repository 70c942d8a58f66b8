import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { migrate, openSqlite } from './sqlite.ts';
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
];

export class SpoolFullError extends Error {
  constructor(capacity: number) {
    super(`the telemetry spool is full (${capacity} batches waiting for InfluxDB); batch refused for redelivery`);
    this.name = 'SpoolFullError';
  }
}

export type SpoolEntry = { id: number; receivedAt: number; points: number; body: string };

/** One batch for `addMany`: its id and its line protocol. */
export type SpoolAdd = { meta: BatchMeta; body: string; points: number };

/**
 * The durable outbox in front of InfluxDB (`influx-spool.sqlite`, WAL, synchronous FULL) and the dedupe
 * window of batch ids. `add` records the batch id and its line protocol in one transaction: once it
 * returns, the batch survives a crash and may be acknowledged. Entries leave only after InfluxDB took
 * them, in id order. Bounded: past `capacity` entries `add` refuses (the broker keeps the batch).
 */
export class TelemetrySpool {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly addTx: (entries: readonly SpoolAdd[]) => { results: (boolean | SpoolFullError)[]; added: number };
  private readonly peekStmt: Database.Statement;
  private readonly removeStmt: Database.Statement;
  private readonly oldestStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;
  private readonly failTx: (e: SpoolEntry, error: string, at: number) => void;
  private count: number;

  constructor(opts: { dataDir: string; capacity: number }) {
    this.file = join(opts.dataDir, 'influx-spool.sqlite');
    this.db = openSqlite(this.file);
    migrate(this.db, SCHEMA);
    this.count = (this.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    const mark = this.db.prepare('INSERT OR IGNORE INTO batches (enterprise_id, gateway_id, seq, received_at) VALUES (?, ?, ?, ?)');
    const seen = this.db.prepare('SELECT 1 FROM batches WHERE enterprise_id = ? AND gateway_id = ? AND seq = ?').pluck();
    const insert = this.db.prepare('INSERT INTO outbox (received_at, points, body) VALUES (?, ?, ?)');
    // A group in one transaction (one sync). Each batch as if added alone, in order: a known id is a
    // duplicate (even when full), a new one is refused when the spool is full — without its mark, so
    // it is not remembered as seen — and the others are unaffected.
    this.addTx = this.db.transaction((entries: readonly SpoolAdd[]) => {
      const results: (boolean | SpoolFullError)[] = new Array(entries.length);
      let added = 0;
      for (let i = 0; i < entries.length; i++) {
        const { meta, body, points } = entries[i]!;
        if (this.count + added >= opts.capacity) {
          results[i] = seen.get(meta.enterpriseId, meta.gatewayId, meta.seq) === undefined ? new SpoolFullError(opts.capacity) : false;
          continue;
        }
        if (mark.run(meta.enterpriseId, meta.gatewayId, meta.seq, meta.receivedAt).changes === 0) {
          results[i] = false;
          continue;
        }
        insert.run(meta.receivedAt, points, body);
        added++;
        results[i] = true;
      }
      return { results, added };
    });
    this.peekStmt = this.db.prepare('SELECT id, received_at AS receivedAt, points, body FROM outbox ORDER BY id LIMIT ?');
    this.removeStmt = this.db.prepare('DELETE FROM outbox WHERE id <= ?');
    // The entry first in line (ids are arrival order): one index step. min(received_at) read the whole
    // outbox, every second (the spool alarm's check), ~30 ms with a backlog of a few 10,000 entries.
    this.oldestStmt = this.db.prepare('SELECT received_at AS t FROM outbox ORDER BY id LIMIT 1');
    this.pruneStmt = this.db.prepare('DELETE FROM batches WHERE received_at < ?');
    const failInsert = this.db.prepare('INSERT INTO failed (id, received_at, failed_at, error, body) VALUES (?, ?, ?, ?, ?)');
    const failDelete = this.db.prepare('DELETE FROM outbox WHERE id = ?');
    this.failTx = this.db.transaction((e: SpoolEntry, error: string, at: number) => {
      failInsert.run(e.id, e.receivedAt, at, error, e.body);
      failDelete.run(e.id);
    });
  }

  /** `false`: the batch id is already known (a redelivery). Throws SpoolFullError when full. */
  add(meta: BatchMeta, body: string, points: number): boolean {
    const [result] = this.addMany([{ meta, body, points }]);
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

  /** The oldest entries, up to `maxPoints` points in all (at least one entry). */
  peek(maxPoints: number, maxEntries = 1000): SpoolEntry[] {
    const out: SpoolEntry[] = [];
    let points = 0;
    for (const e of this.peekStmt.iterate(maxEntries) as IterableIterator<SpoolEntry>) {
      if (out.length > 0 && points + e.points > maxPoints) break;
      out.push(e);
      points += e.points;
    }
    return out;
  }

  /** Removes every entry up to and including `id` (the entries just written, oldest first). */
  removeThrough(id: number): void {
    this.count -= this.removeStmt.run(id).changes;
  }

  /** Moves one entry InfluxDB refused for its content aside, with the reason. */
  fail(e: SpoolEntry, error: string, at: number): void {
    this.failTx(e, error, at);
    this.count--;
  }

  get depth(): number {
    return this.count;
  }

  get failedCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM failed').get() as { n: number }).n;
  }

  /** When the entry first in line arrived; null when the spool is empty. */
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
