import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { isWorkshopReading, type Reading } from '@hazwatch/protocols';
import { migrate, openSqlite } from './sqlite.ts';
import type { AggregateBucket, AggregateField, AggregateQuery, BatchMeta, BatchWrite, ReadingQuery, StoreHealth, StoredReading, TelemetryStore, WriteResult } from './telemetry-store.ts';

const SCHEMA = [
  `CREATE TABLE batches (
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     sent_at       INTEGER NOT NULL,
     received_at   INTEGER NOT NULL,
     PRIMARY KEY (enterprise_id, gateway_id, seq)
   ) WITHOUT ROWID;
   CREATE INDEX batches_received ON batches (received_at);
   CREATE TABLE readings (
     id            INTEGER PRIMARY KEY,
     enterprise_id TEXT NOT NULL,
     gateway_id    TEXT NOT NULL,
     seq           INTEGER NOT NULL,
     received_at   INTEGER NOT NULL,
     workshop_id   TEXT,
     line_id       TEXT,
     ts            INTEGER NOT NULL,
     -- 0: the reading did not carry the field; 1: it did (its value may still be NULL = unknown).
     has_headcount INTEGER NOT NULL DEFAULT 0,
     headcount     INTEGER,
     by_line       TEXT,
     persons       TEXT,
     has_material  INTEGER NOT NULL DEFAULT 0,
     material_kg   REAL,
     counter       REAL,
     product       TEXT,
     unit          TEXT
   );
   CREATE INDEX readings_workshop ON readings (enterprise_id, workshop_id, ts) WHERE workshop_id IS NOT NULL;
   CREATE INDEX readings_line ON readings (enterprise_id, line_id, ts) WHERE line_id IS NOT NULL;`,
  // Retention deletes by reading time across all subjects.
  `CREATE INDEX readings_ts ON readings (ts);`,
];

const COLUMN: Record<AggregateField, string> = { headcount: 'headcount', materialKg: 'material_kg', counter: 'counter' };

type Row = {
  enterprise_id: string;
  gateway_id: string;
  seq: number;
  received_at: number;
  workshop_id: string | null;
  line_id: string | null;
  ts: number;
  has_headcount: number;
  headcount: number | null;
  by_line: string | null;
  persons: string | null;
  has_material: number;
  material_kg: number | null;
  counter: number | null;
  product: string | null;
  unit: string | null;
};

export type SqliteTelemetryOptions = {
  dataDir: string;
  /** How long a batch id is remembered for dedupe (ms). Spools replay within this window. */
  dedupeRetentionMs?: number;
  /** Readings whose `ts` is older than this are deleted (ms); 0 or unset keeps them forever. */
  retentionMs?: number;
  now?: () => number;
};

/** `telemetry.sqlite` (WAL): the zero-setup telemetry store, with retention, and the dedupe window. */
export class SqliteTelemetryStore implements TelemetryStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly writeTx: (batches: readonly BatchWrite[]) => WriteResult[];
  private readonly pruneStmt: Database.Statement;
  private readonly retainStmt: Database.Statement;
  private readonly readingsRetentionMs: number;
  private lastPrune = 0;
  private lastError: string | null = null;

  constructor(opts: SqliteTelemetryOptions) {
    this.file = join(opts.dataDir, 'telemetry.sqlite');
    this.db = openSqlite(this.file);
    // A checkpoint every 10,000 WAL pages (~40 MB) instead of SQLite's 1,000: a group commit touches
    // an index page per workshop, the same pages group after group, and a checkpoint writes each page
    // once however many commits changed it; at 1,000 one ran after nearly every commit. Group writes
    // got ~20 % faster; the slowest (the commit that checkpoints) stayed as slow as before. Durability
    // is unchanged: commits still sync the WAL (synchronous = FULL), checkpoints the database file.
    this.db.pragma('wal_autocheckpoint = 10000');
    migrate(this.db, SCHEMA);
    this.retentionMs = opts.dedupeRetentionMs ?? 30 * 86_400_000;
    this.readingsRetentionMs = opts.retentionMs ?? 0;
    this.now = opts.now ?? Date.now;
    const mark = this.db.prepare(
      'INSERT OR IGNORE INTO batches (enterprise_id, gateway_id, seq, sent_at, received_at) VALUES (?, ?, ?, ?, ?)',
    );
    // Positional parameters, and only the columns a reading of its kind has (the rest keep their
    // defaults): binding an object per row was a good part of the write's cost.
    const insertWorkshop = this.db.prepare(
      `INSERT INTO readings (enterprise_id, gateway_id, seq, received_at, workshop_id, ts,
         has_headcount, headcount, by_line, persons, has_material, material_kg)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertLine = this.db.prepare(
      `INSERT INTO readings (enterprise_id, gateway_id, seq, received_at, line_id, ts, counter, product, unit)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.pruneStmt = this.db.prepare('DELETE FROM batches WHERE received_at < ?');
    this.retainStmt = this.db.prepare('DELETE FROM readings WHERE ts < ?');
    // One transaction (one sync) for a whole group; the mark makes a batch seen twice, even within
    // the group, a duplicate.
    this.writeTx = this.db.transaction((batches: readonly BatchWrite[]) => {
      const results: WriteResult[] = new Array(batches.length);
      for (let i = 0; i < batches.length; i++) {
        const { meta, readings } = batches[i]!;
        const { enterpriseId: e, gatewayId: g, seq, receivedAt } = meta;
        if (mark.run(e, g, seq, meta.sentAt, receivedAt).changes === 0) {
          results[i] = 'duplicate';
          continue;
        }
        for (const r of readings) {
          if (isWorkshopReading(r)) {
            const h = r.headcount;
            insertWorkshop.run(
              e, g, seq, receivedAt, r.workshopId, r.ts,
              h === undefined ? 0 : 1, h?.total ?? null,
              h?.byLine ? JSON.stringify(h.byLine) : null, h?.persons ? JSON.stringify(h.persons) : null,
              r.materialKg === undefined ? 0 : 1, r.materialKg ?? null,
            );
          } else {
            const p = r.production;
            insertLine.run(e, g, seq, receivedAt, r.lineId, r.ts, p.counter, p.product ?? null, p.unit ?? null);
          }
        }
        results[i] = 'stored';
      }
      return results;
    });
    this.prune();
  }

  async write(meta: BatchMeta, readings: readonly Reading[]): Promise<'stored' | 'duplicate'> {
    return (await this.writeMany([{ meta, readings }]))[0] as 'stored' | 'duplicate';
  }

  async writeMany(batches: readonly BatchWrite[]): Promise<WriteResult[]> {
    let results: WriteResult[];
    try {
      results = this.writeTx(batches);
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
      throw err;
    }
    // Pruning the dedupe window hourly keeps the table bounded without a timer to stop.
    if (this.now() - this.lastPrune > 3_600_000) this.prune();
    return results;
  }

  async query(q: ReadingQuery): Promise<StoredReading[]> {
    const where = ['enterprise_id = @enterpriseId'];
    if (q.workshopId !== undefined) where.push('workshop_id = @workshopId');
    if (q.lineId !== undefined) where.push('line_id = @lineId');
    if (q.from !== undefined) where.push('ts >= @from');
    if (q.to !== undefined) where.push('ts < @to');
    const rows = this.db
      .prepare(`SELECT * FROM readings WHERE ${where.join(' AND ')} ORDER BY ts DESC, id DESC LIMIT @limit`)
      .all({ ...q, limit: q.limit ?? 1000 }) as Row[];
    return rows.reverse().map(fromRow);
  }

  async aggregate(q: AggregateQuery): Promise<AggregateBucket[]> {
    const col = COLUMN[q.field];
    const subject = q.workshopId !== undefined ? 'workshop_id = @subject' : 'line_id = @subject';
    // Integer division buckets like InfluxQL's GROUP BY time(); `last` is the newest reading per bucket.
    const rows = this.db
      .prepare(
        `WITH s AS (
           SELECT ts - (ts % CAST(@interval AS INTEGER)) AS start, ts, id, ${col} AS v FROM readings
           WHERE enterprise_id = @enterpriseId AND ${subject} AND ts >= @from AND ts < @to AND ${col} IS NOT NULL),
         l AS (SELECT start, v, row_number() OVER (PARTITION BY start ORDER BY ts DESC, id DESC) AS rn FROM s)
         SELECT a.start, a.count, a.min, a.max, a.mean, l.v AS last
         FROM (SELECT start, count(*) AS count, min(v) AS min, max(v) AS max, avg(v) AS mean FROM s GROUP BY start) a
         JOIN l ON l.start = a.start AND l.rn = 1 ORDER BY a.start`,
      )
      .all({ interval: q.intervalMs, enterpriseId: q.enterpriseId, subject: q.workshopId ?? q.lineId, from: q.from, to: q.to }) as AggregateBucket[];
    return rows;
  }

  async flush(): Promise<boolean> {
    // Every write is durable and readable once it resolves.
    return true;
  }

  health(): StoreHealth {
    return this.lastError === null ? { writable: this.db.open } : { writable: false, detail: `the last write failed: ${this.lastError}` };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private prune(): void {
    this.lastPrune = this.now();
    this.pruneStmt.run(this.lastPrune - this.retentionMs);
    if (this.readingsRetentionMs > 0) this.retainStmt.run(this.lastPrune - this.readingsRetentionMs);
  }
}

function fromRow(row: Row): StoredReading {
  let reading: Reading;
  if (row.workshop_id !== null) {
    reading = { workshopId: row.workshop_id, ts: row.ts };
    if (row.has_headcount) {
      reading.headcount = {
        total: row.headcount,
        ...(row.by_line !== null ? { byLine: JSON.parse(row.by_line) as Record<string, number> } : {}),
        ...(row.persons !== null ? { persons: JSON.parse(row.persons) as { id: string; since: number }[] } : {}),
      };
    }
    if (row.has_material) reading.materialKg = row.material_kg;
  } else {
    reading = {
      lineId: row.line_id ?? '',
      ts: row.ts,
      production: {
        counter: row.counter ?? 0,
        ...(row.product !== null ? { product: row.product } : {}),
        ...(row.unit !== null ? { unit: row.unit } : {}),
      },
    };
  }
  return { enterpriseId: row.enterprise_id, gatewayId: row.gateway_id, seq: row.seq, receivedAt: row.received_at, reading };
}
