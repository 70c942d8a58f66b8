import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { isWorkshopReading, type Reading } from '@hazwatch/protocols';
import { migrate, openSqlite } from './sqlite.ts';
import { LINE, TELEMETRY_SCHEMA, WORKSHOP } from './sqlite-telemetry-schema.ts';
import type { AggregateBucket, AggregateField, AggregateQuery, BatchMeta, BatchWrite, ReadingQuery, StoreHealth, StoredReading, TelemetryStore, WriteResult } from './telemetry-store.ts';

const COLUMN: Record<AggregateField, string> = { headcount: 'headcount', materialKg: 'material_kg', counter: 'counter' };

type Row = {
  enterprise_id: string;
  gateway_id: string;
  ts: number;
  batch: number;
  n: number;
  kind: number;
  subject: string;
  seq: number;
  received_at: number;
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
  private readonly readingsRetentionMs: number;
  private readonly gatewaysOf: Database.Statement;
  private readonly gatewaysOfEnterprise: Database.Statement;
  /**
   * The `sources` rows, per enterprise and gateway (`kind` digit + subject): a reading of a known pair
   * costs no lookup. Added to only after the transaction that wrote them committed.
   */
  private readonly known = new Map<string, Set<string>>();
  private lastPrune = 0;
  private lastError: string | null = null;

  constructor(opts: SqliteTelemetryOptions) {
    this.file = join(opts.dataDir, 'telemetry.sqlite');
    // A group commit touches about a page per gateway (~1 MB at 1,000 gateways), group after group.
    this.db = openSqlite(this.file, { cacheKiB: 2048 });
    // A checkpoint every 10,000 WAL pages (~40 MB) instead of SQLite's 1,000: a group commit touches
    // a page per gateway, the same pages group after group, and a checkpoint writes each page once
    // however many commits changed it; at 1,000 one ran after nearly every commit. Durability is
    // unchanged: commits still sync the WAL (synchronous = FULL), checkpoints the database file.
    this.db.pragma('wal_autocheckpoint = 10000');
    migrate(this.db, TELEMETRY_SCHEMA);
    this.retentionMs = opts.dedupeRetentionMs ?? 30 * 86_400_000;
    this.readingsRetentionMs = opts.retentionMs ?? 0;
    this.now = opts.now ?? Date.now;
    for (const r of this.db.prepare('SELECT enterprise_id AS e, gateway_id AS g, kind, subject FROM sources').iterate() as Iterable<{ e: string; g: string; kind: number; subject: string }>) {
      this.knownOf(r.e, r.g).add(`${r.kind}${r.subject}`);
    }
    const mark = this.db.prepare(
      'INSERT OR IGNORE INTO batches (enterprise_id, gateway_id, seq, sent_at, received_at) VALUES (?, ?, ?, ?, ?)',
    );
    // Positional parameters, and only the columns a reading of its kind has (the rest keep their
    // defaults): binding an object per row was a good part of the write's cost.
    const insertWorkshop = this.db.prepare(
      `INSERT INTO readings (enterprise_id, gateway_id, ts, batch, n, kind, subject, seq, received_at,
         has_headcount, headcount, by_line, persons, has_material, material_kg)
       VALUES (?, ?, ?, ?, ?, ${WORKSHOP}, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertLine = this.db.prepare(
      `INSERT INTO readings (enterprise_id, gateway_id, ts, batch, n, kind, subject, seq, received_at, counter, product, unit)
       VALUES (?, ?, ?, ?, ?, ${LINE}, ?, ?, ?, ?, ?, ?)`,
    );
    const addSource = this.db.prepare('INSERT OR IGNORE INTO sources (enterprise_id, kind, subject, gateway_id) VALUES (?, ?, ?, ?)');
    // The newest batch stays even past the window: a new id is one more than the largest, and ids
    // must grow for ever (they order readings of one instant), also after a month without data.
    this.pruneStmt = this.db.prepare('DELETE FROM batches WHERE received_at < ? AND id < (SELECT max(id) FROM batches)');
    this.gatewaysOf = this.db.prepare('SELECT gateway_id FROM sources WHERE enterprise_id = ? AND kind = ? AND subject = ?').pluck();
    this.gatewaysOfEnterprise = this.db.prepare('SELECT DISTINCT gateway_id FROM sources WHERE enterprise_id = ?').pluck();
    let added: [Set<string>, string][] = [];
    const source = (e: string, g: string, known: Set<string>, kind: number, subject: string) => {
      const key = `${kind}${subject}`;
      if (known.has(key)) return;
      addSource.run(e, kind, subject, g);
      added.push([known, key]);
    };
    // One transaction (one sync) for a whole group; the mark makes a batch seen twice, even within
    // the group, a duplicate.
    const tx = this.db.transaction((batches: readonly BatchWrite[]) => {
      const results: WriteResult[] = new Array(batches.length);
      for (let i = 0; i < batches.length; i++) {
        const { meta, readings } = batches[i]!;
        const { enterpriseId: e, gatewayId: g, seq, receivedAt } = meta;
        const marked = mark.run(e, g, seq, meta.sentAt, receivedAt);
        if (marked.changes === 0) {
          results[i] = 'duplicate';
          continue;
        }
        const batch = marked.lastInsertRowid;
        const known = this.knownOf(e, g);
        for (let n = 0; n < readings.length; n++) {
          const r = readings[n]!;
          if (isWorkshopReading(r)) {
            source(e, g, known, WORKSHOP, r.workshopId);
            const h = r.headcount;
            insertWorkshop.run(
              e, g, r.ts, batch, n, r.workshopId, seq, receivedAt,
              h === undefined ? 0 : 1, h?.total ?? null,
              h?.byLine ? JSON.stringify(h.byLine) : null, h?.persons ? JSON.stringify(h.persons) : null,
              r.materialKg === undefined ? 0 : 1, r.materialKg ?? null,
            );
          } else {
            source(e, g, known, LINE, r.lineId);
            const p = r.production;
            insertLine.run(e, g, r.ts, batch, n, r.lineId, seq, receivedAt, p.counter, p.product ?? null, p.unit ?? null);
          }
        }
        results[i] = 'stored';
      }
      return results;
    });
    this.writeTx = (batches) => {
      added = [];
      try {
        const results = tx(batches);
        // Committed: the new pairs are in `sources` now.
        for (const [known, key] of added) known.add(key);
        return results;
      } finally {
        added = [];
      }
    };
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
    const limit = q.limit ?? 1000;
    const subject = this.subjectOf(q);
    const where = ['enterprise_id = @enterpriseId', 'gateway_id = @gatewayId'];
    if (subject) where.push('kind = @kind', 'subject = @subject');
    if (q.from !== undefined) where.push('ts >= @from');
    if (q.to !== undefined) where.push('ts < @to');
    // Each gateway's newest `limit`, walking its part of the table backwards (no sort), then the
    // newest `limit` of them all.
    const stmt = this.db.prepare(`SELECT * FROM readings WHERE ${where.join(' AND ')} ORDER BY ts DESC, batch DESC, n DESC LIMIT @limit`);
    let rows: Row[] = [];
    for (const gatewayId of this.gatewaysFor(q.enterpriseId, subject)) {
      rows = rows.concat(stmt.all({ ...q, ...subject, gatewayId, limit }) as Row[]);
    }
    rows.sort((a, b) => a.ts - b.ts || a.batch - b.batch || a.n - b.n);
    return rows.slice(Math.max(0, rows.length - limit)).map(fromRow);
  }

  async aggregate(q: AggregateQuery): Promise<AggregateBucket[]> {
    const col = COLUMN[q.field];
    const subject = this.subjectOf(q)!;
    // Integer division buckets like InfluxQL's GROUP BY time(); `last` is the newest reading per bucket.
    const rows = this.db
      .prepare(
        `WITH s AS (
           SELECT ts - (ts % CAST(@interval AS INTEGER)) AS start, ts, batch, n, ${col} AS v FROM readings
           WHERE enterprise_id = @enterpriseId
             AND gateway_id IN (SELECT gateway_id FROM sources WHERE enterprise_id = @enterpriseId AND kind = @kind AND subject = @subject)
             AND ts >= @from AND ts < @to AND kind = @kind AND subject = @subject AND ${col} IS NOT NULL),
         l AS (SELECT start, v, row_number() OVER (PARTITION BY start ORDER BY ts DESC, batch DESC, n DESC) AS rn FROM s)
         SELECT a.start, a.count, a.min, a.max, a.mean, l.v AS last
         FROM (SELECT start, count(*) AS count, min(v) AS min, max(v) AS max, avg(v) AS mean FROM s GROUP BY start) a
         JOIN l ON l.start = a.start AND l.rn = 1 ORDER BY a.start`,
      )
      .all({ interval: q.intervalMs, enterpriseId: q.enterpriseId, ...subject, from: q.from, to: q.to }) as AggregateBucket[];
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

  private knownOf(e: string, g: string): Set<string> {
    const key = `${e}\n${g}`;
    let set = this.known.get(key);
    if (!set) this.known.set(key, (set = new Set()));
    return set;
  }

  private subjectOf(q: { workshopId?: string; lineId?: string }): { kind: number; subject: string } | undefined {
    if (q.workshopId !== undefined) return { kind: WORKSHOP, subject: q.workshopId };
    if (q.lineId !== undefined) return { kind: LINE, subject: q.lineId };
    return undefined;
  }

  /** The gateways that have reported the subject (every gateway of the enterprise without one). */
  private gatewaysFor(enterpriseId: string, subject: { kind: number; subject: string } | undefined): string[] {
    return (subject ? this.gatewaysOf.all(enterpriseId, subject.kind, subject.subject) : this.gatewaysOfEnterprise.all(enterpriseId)) as string[];
  }

  private prune(): void {
    this.lastPrune = this.now();
    this.pruneStmt.run(this.lastPrune - this.retentionMs);
    if (this.readingsRetentionMs <= 0) return;
    // By reading time, one gateway's range at a time (each the start of its part of the table).
    const cutoff = this.lastPrune - this.readingsRetentionMs;
    const retain = this.db.prepare('DELETE FROM readings WHERE enterprise_id = ? AND gateway_id = ? AND ts < ?');
    const pairs = this.db.prepare('SELECT DISTINCT enterprise_id AS e, gateway_id AS g FROM sources').all() as { e: string; g: string }[];
    for (const { e, g } of pairs) retain.run(e, g, cutoff);
  }
}

function fromRow(row: Row): StoredReading {
  let reading: Reading;
  if (row.kind === WORKSHOP) {
    reading = { workshopId: row.subject, ts: row.ts };
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
      lineId: row.subject,
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
