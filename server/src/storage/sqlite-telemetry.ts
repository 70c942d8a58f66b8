import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { isWorkshopReading, type Reading } from '@hazwatch/protocols';
import { migrate, openSqlite } from './sqlite.ts';
import { LINE, TELEMETRY_SCHEMA, WORKSHOP } from './sqlite-telemetry-schema.ts';
import { TelemetrySources, type Subject } from './sqlite-telemetry-sources.ts';
import type { AggregateBucket, AggregateField, AggregateQuery, BatchMeta, BatchWrite, ReadingQuery, StoreHealth, StoredReading, TelemetryStore, WriteResult } from './telemetry-store.ts';

type Row = {
  gw: number;
  ts: number;
  batch: number;
  n: number;
  subject: number;
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
  log?: Logger;
};

// Open ends of a time range, as SQL integers.
const EARLIEST = Number.MIN_SAFE_INTEGER;
const LATEST = Number.MAX_SAFE_INTEGER;

/** Newest first: `ts`, then arrival (`batch`), then place in the batch. */
const newestFirst = (a: Row, b: Row) => b.ts - a.ts || b.batch - a.batch || b.n - a.n;

/** `telemetry.sqlite` (WAL): the zero-setup telemetry store, with retention, and the dedupe window. */
export class SqliteTelemetryStore implements TelemetryStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly writeTx: (batches: readonly BatchWrite[]) => WriteResult[];
  private readonly sources: TelemetrySources;
  private readonly st: ReturnType<typeof statements>;
  private readonly readingsRetentionMs: number;
  private lastPrune = 0;
  private lastError: string | null = null;

  constructor(opts: SqliteTelemetryOptions) {
    this.file = join(opts.dataDir, 'telemetry.sqlite');
    this.log = opts.log;
    // Group commits revisit each gateway's table and index ends, group after group (a larger cache
    // measured no faster).
    this.db = openSqlite(this.file, { cacheKiB: 2048 });
    // A checkpoint every 10,000 WAL pages (~40 MB) instead of SQLite's 1,000: a group commit touches
    // a few pages per gateway, the same pages group after group, and a checkpoint writes each page once
    // however many commits changed it; at 1,000 one ran after nearly every commit. Durability is
    // unchanged: commits still sync the WAL (synchronous = FULL), checkpoints the database file.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.migrate();
    this.retentionMs = opts.dedupeRetentionMs ?? 30 * 86_400_000;
    this.readingsRetentionMs = opts.retentionMs ?? 0;
    this.now = opts.now ?? Date.now;
    this.sources = new TelemetrySources(this.db);
    const st = (this.st = statements(this.db));
    const sources = this.sources;
    // One transaction (one sync) for a whole group; the mark makes a batch seen twice, even within
    // the group, a duplicate.
    const tx = this.db.transaction((batches: readonly BatchWrite[]) => {
      const results: WriteResult[] = new Array(batches.length);
      for (let i = 0; i < batches.length; i++) {
        const { meta, readings } = batches[i]!;
        const { enterpriseId: e, gatewayId: g, seq, receivedAt } = meta;
        const gateway = sources.gateway(e, g);
        const gw = gateway.id;
        const marked = st.mark.run(gw, seq, meta.sentAt, receivedAt);
        if (marked.changes === 0) {
          results[i] = 'duplicate';
          continue;
        }
        const batch = marked.lastInsertRowid;
        for (let n = 0; n < readings.length; n++) {
          const r = readings[n]!;
          if (isWorkshopReading(r)) {
            const h = r.headcount;
            st.insertWorkshop.run(
              gw, r.ts, batch, n, sources.subject(gateway, WORKSHOP, r.workshopId, r.ts), seq, receivedAt,
              h === undefined ? 0 : 1, h?.total ?? null,
              h?.byLine ? JSON.stringify(h.byLine) : null, h?.persons ? JSON.stringify(h.persons) : null,
              r.materialKg === undefined ? 0 : 1, r.materialKg ?? null,
            );
          } else {
            const p = r.production;
            st.insertLine.run(gw, r.ts, batch, n, sources.subject(gateway, LINE, r.lineId, r.ts), seq, receivedAt, p.counter, p.product ?? null, p.unit ?? null);
          }
        }
        results[i] = 'stored';
      }
      return results;
    });
    this.writeTx = (batches) => {
      let results: WriteResult[];
      try {
        results = tx(batches);
      } catch (err) {
        sources.rolledBack();
        throw err;
      }
      sources.committed();
      return results;
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
    // Pruning the dedupe window hourly keeps the table bounded without a timer to stop. The group
    // is committed by now: a failed pruning must not make it look unstored (its redelivery would be
    // a duplicate, and the engine would never see it).
    if (this.now() - this.lastPrune > 3_600_000) {
      try {
        this.prune();
      } catch (err) {
        this.log?.error({ err }, 'pruning telemetry (dedupe window, retention) failed; tried again in an hour');
      }
    }
    return results;
  }

  async query(q: ReadingQuery): Promise<StoredReading[]> {
    const limit = q.limit ?? 1000;
    const from = q.from ?? EARLIEST;
    const to = q.to ?? LATEST;
    const named = subjectOf(q);
    // Names nothing stored yet (or a gateway of another enterprise): no readings.
    const gateway = q.gatewayId !== undefined ? this.sources.find(q.enterpriseId, q.gatewayId) : undefined;
    if (q.gatewayId !== undefined && gateway === undefined) return [];
    let rows: Row[];
    if (!named) {
      // A gateway's, or the enterprise's: one statement each, walking the clustered key backwards or
      // keeping only the newest `limit` in SQLite's sorter.
      rows = (gateway !== undefined
        ? this.st.gatewayRange.all(gateway.id, from, to, limit)
        : this.st.enterpriseRange.all({ enterpriseId: q.enterpriseId, from, to, limit })) as Row[];
    } else {
      const subject = this.sources.findSubject(q.enterpriseId, named.kind, named.name);
      if (subject === undefined) return [];
      // The newest `limit` of each gateway that reported the subject, within its span, walking that
      // gateway's part of the table backwards (no sort); then the newest `limit` of them all.
      rows = [];
      for (const r of this.sources.ranges(subject, from, to)) {
        if (gateway !== undefined && r.gw !== gateway.id) continue;
        for (const row of this.st.subjectRange.iterate(r.gw, subject.id, r.from, r.to, limit) as Iterable<Row>) rows.push(row);
        if (rows.length > limit) rows = rows.sort(newestFirst).slice(0, limit);
      }
      rows.sort(newestFirst);
    }
    const out: StoredReading[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[rows.length - 1 - i]!;
      out[i] = fromRow(row, this.sources.gatewayById(row.gw), this.sources.subjectById(row.subject));
    }
    return out;
  }

  async aggregate(q: AggregateQuery): Promise<AggregateBucket[]> {
    const named = subjectOf(q)!;
    const subject = this.sources.findSubject(q.enterpriseId, named.kind, named.name);
    if (subject === undefined) return [];
    const stmt = this.st.aggregate[q.field];
    // Per gateway that reported the subject (within its span), then merged: `mean` from the sums,
    // `last` the newest reading of the interval across them.
    const buckets = new Map<number, AggregateBucket & { sum: number; lts: number; lbatch: number; ln: number }>();
    for (const r of this.sources.ranges(subject, q.from, q.to)) {
      const part = stmt.all({ interval: q.intervalMs, gw: r.gw, subject: subject.id, from: r.from, to: r.to }) as {
        start: number; count: number; min: number; max: number; sum: number; last: number; lts: number; lbatch: number; ln: number;
      }[];
      for (const p of part) {
        const b = buckets.get(p.start);
        if (!b) {
          buckets.set(p.start, { ...p, mean: 0 });
          continue;
        }
        b.count += p.count;
        b.sum += p.sum;
        b.min = Math.min(b.min, p.min);
        b.max = Math.max(b.max, p.max);
        if ((p.lts - b.lts || p.lbatch - b.lbatch || p.ln - b.ln) > 0) {
          b.last = p.last;
          b.lts = p.lts;
          b.lbatch = p.lbatch;
          b.ln = p.ln;
        }
      }
    }
    return [...buckets.values()]
      .sort((a, b) => a.start - b.start)
      .map((b) => ({ start: b.start, count: b.count, min: b.min, max: b.max, mean: b.sum / b.count, last: b.last }));
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

  /** Schema steps, with word in the log when older readings are converted (it can take minutes). */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    const latest = TELEMETRY_SCHEMA.length;
    const converting = version > 0 && version < latest;
    const t0 = performance.now();
    if (converting) {
      // Before schema 3 the row ids count the readings (a cheap estimate); from 3 on, counting them
      // is a scan, short beside the copy.
      const about = (this.db.prepare(version < 3 ? 'SELECT max(id) FROM readings' : 'SELECT count(*) FROM readings').pluck().get() as number | null) ?? 0;
      this.log?.warn(
        { file: this.file, readings: about, from: version, to: latest },
        `converting telemetry to schema ${latest} (readings by gateway and subject number), every reading kept; the server is ready when it is done. It needs free disk about the size of the readings table`,
      );
    }
    migrate(this.db, TELEMETRY_SCHEMA);
    if (converting) {
      // The conversion's WAL is as large as the new table: give the space back now.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.log?.warn({ file: this.file, ms: Math.round(performance.now() - t0) }, `telemetry converted to schema ${latest}`);
    }
  }

  private prune(): void {
    this.lastPrune = this.now();
    this.st.prune.run(this.lastPrune - this.retentionMs);
    if (this.readingsRetentionMs <= 0) return;
    // By reading time, one gateway's range at a time (each the start of its part of the table), all
    // in one transaction (one sync).
    const cutoff = this.lastPrune - this.readingsRetentionMs;
    this.db.transaction(() => {
      for (const gw of this.sources.gatewayIds()) this.st.retain.run(gw, cutoff);
    })();
  }
}

function subjectOf(q: { workshopId?: string; lineId?: string }): { kind: number; name: string } | undefined {
  if (q.workshopId !== undefined && q.lineId !== undefined) throw new Error('a telemetry query names a workshop or a line, not both');
  if (q.workshopId !== undefined) return { kind: WORKSHOP, name: q.workshopId };
  if (q.lineId !== undefined) return { kind: LINE, name: q.lineId };
  return undefined;
}

const NEWEST_FIRST = 'ORDER BY ts DESC, batch DESC, n DESC';

function statements(db: Database.Database) {
  const aggregate = (col: string) =>
    // Integer division buckets like InfluxQL's GROUP BY time(); `last` is the newest reading per bucket:
    // the first of its bucket newest first, which every row of the bucket carries (so the bare
    // columns of the GROUP BY are that row's). One pass: joining the per-bucket sums to a per-row
    // ranking took time quadratic in the buckets (~135 ms for 50 one-minute buckets over 3 million rows, ~6 s for 3,000).
    db.prepare(
      `SELECT start, count(*) AS count, min(v) AS min, max(v) AS max, sum(v) AS sum, last, lts, lbatch, ln FROM (
         SELECT start, v, first_value(v) OVER w AS last, first_value(ts) OVER w AS lts, first_value(batch) OVER w AS lbatch, first_value(n) OVER w AS ln
         FROM (SELECT ts - (ts % CAST(@interval AS INTEGER)) AS start, ts, batch, n, ${col} AS v FROM readings
               WHERE gw = @gw AND ts >= @from AND ts < @to AND subject = @subject AND ${col} IS NOT NULL)
         WINDOW w AS (PARTITION BY start ${NEWEST_FIRST}))
       GROUP BY start ORDER BY start`,
    );
  return {
    mark: db.prepare('INSERT OR IGNORE INTO batches (gw, seq, sent_at, received_at) VALUES (?, ?, ?, ?)'),
    // Positional parameters, and only the columns a reading of its kind has (the rest keep their
    // defaults): binding an object per row was a good part of the write's cost.
    insertWorkshop: db.prepare(
      `INSERT INTO readings (gw, ts, batch, n, subject, seq, received_at, has_headcount, headcount, by_line, persons, has_material, material_kg)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertLine: db.prepare(
      `INSERT INTO readings (gw, ts, batch, n, subject, seq, received_at, counter, product, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    subjectRange: db.prepare(`SELECT * FROM readings WHERE gw = ? AND subject = ? AND ts >= ? AND ts < ? ${NEWEST_FIRST} LIMIT ?`),
    gatewayRange: db.prepare(`SELECT * FROM readings WHERE gw = ? AND ts >= ? AND ts < ? ${NEWEST_FIRST} LIMIT ?`),
    enterpriseRange: db.prepare(
      `SELECT * FROM readings WHERE gw IN (SELECT id FROM gateways WHERE enterprise_id = @enterpriseId)
         AND ts >= @from AND ts < @to ${NEWEST_FIRST} LIMIT @limit`,
    ),
    aggregate: { headcount: aggregate('headcount'), materialKg: aggregate('material_kg'), counter: aggregate('counter') } satisfies Record<AggregateField, Database.Statement>,
    // The newest batch stays even past the window: a new id is one more than the largest, and ids
    // must grow for ever (they order readings of one instant), also after a month without data.
    prune: db.prepare('DELETE FROM batches WHERE received_at < ? AND id < (SELECT max(id) FROM batches)'),
    retain: db.prepare('DELETE FROM readings WHERE gw = ? AND ts < ?'),
  };
}

function fromRow(row: Row, gateway: { enterpriseId: string; gatewayId: string }, subject: Subject): StoredReading {
  let reading: Reading;
  if (subject.kind === WORKSHOP) {
    reading = { workshopId: subject.name, ts: row.ts };
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
      lineId: subject.name,
      ts: row.ts,
      production: {
        counter: row.counter ?? 0,
        ...(row.product !== null ? { product: row.product } : {}),
        ...(row.unit !== null ? { unit: row.unit } : {}),
      },
    };
  }
  return { enterpriseId: gateway.enterpriseId, gatewayId: gateway.gatewayId, seq: row.seq, receivedAt: row.received_at, reading };
}
