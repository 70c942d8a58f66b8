import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { isWorkshopReading, type Reading } from '@hazwatch/protocols';
import { migrate, openSqlite } from './sqlite.ts';
import type { BatchMeta, ReadingQuery, StoredReading, TelemetryStore } from './telemetry-store.ts';

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
];

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
  now?: () => number;
};

/** `telemetry.sqlite`: the zero-setup telemetry store and the dedupe window. */
export class SqliteTelemetryStore implements TelemetryStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly retentionMs: number;
  private readonly now: () => number;
  private readonly writeTx: (meta: BatchMeta, readings: readonly Reading[]) => boolean;
  private readonly pruneStmt: Database.Statement;
  private lastPrune = 0;

  constructor(opts: SqliteTelemetryOptions) {
    this.file = join(opts.dataDir, 'telemetry.sqlite');
    this.db = openSqlite(this.file);
    migrate(this.db, SCHEMA);
    this.retentionMs = opts.dedupeRetentionMs ?? 7 * 86_400_000;
    this.now = opts.now ?? Date.now;
    const mark = this.db.prepare(
      'INSERT OR IGNORE INTO batches (enterprise_id, gateway_id, seq, sent_at, received_at) VALUES (?, ?, ?, ?, ?)',
    );
    const insert = this.db.prepare(
      `INSERT INTO readings (enterprise_id, gateway_id, seq, received_at, workshop_id, line_id, ts,
         has_headcount, headcount, by_line, persons, has_material, material_kg, counter, product, unit)
       VALUES (@enterprise_id, @gateway_id, @seq, @received_at, @workshop_id, @line_id, @ts,
         @has_headcount, @headcount, @by_line, @persons, @has_material, @material_kg, @counter, @product, @unit)`,
    );
    this.pruneStmt = this.db.prepare('DELETE FROM batches WHERE received_at < ?');
    this.writeTx = this.db.transaction((meta: BatchMeta, readings: readonly Reading[]) => {
      const fresh = mark.run(meta.enterpriseId, meta.gatewayId, meta.seq, meta.sentAt, meta.receivedAt).changes > 0;
      if (!fresh) return false;
      for (const r of readings) insert.run(toRow(meta, r));
      return true;
    });
    this.prune();
  }

  async write(meta: BatchMeta, readings: readonly Reading[]): Promise<'stored' | 'duplicate'> {
    const stored = this.writeTx(meta, readings);
    // Pruning the dedupe window hourly keeps the table bounded without a timer to stop.
    if (this.now() - this.lastPrune > 3_600_000) this.prune();
    return stored ? 'stored' : 'duplicate';
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

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private prune(): void {
    this.lastPrune = this.now();
    this.pruneStmt.run(this.lastPrune - this.retentionMs);
  }
}

function toRow(meta: BatchMeta, r: Reading): Row {
  const base = {
    enterprise_id: meta.enterpriseId,
    gateway_id: meta.gatewayId,
    seq: meta.seq,
    received_at: meta.receivedAt,
    ts: r.ts,
    has_headcount: 0,
    headcount: null,
    by_line: null,
    persons: null,
    has_material: 0,
    material_kg: null,
    counter: null,
    product: null,
    unit: null,
  };
  if (isWorkshopReading(r)) {
    const h = r.headcount;
    return {
      ...base,
      workshop_id: r.workshopId,
      line_id: null,
      has_headcount: h === undefined ? 0 : 1,
      headcount: h?.total ?? null,
      by_line: h?.byLine ? JSON.stringify(h.byLine) : null,
      persons: h?.persons ? JSON.stringify(h.persons) : null,
      has_material: r.materialKg === undefined ? 0 : 1,
      material_kg: r.materialKg ?? null,
    };
  }
  return {
    ...base,
    workshop_id: null,
    line_id: r.lineId,
    counter: r.production.counter,
    product: r.production.product ?? null,
    unit: r.production.unit ?? null,
  };
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
