import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { migrate, openSqlite } from '../storage/sqlite.ts';

const SCHEMA = [
  `CREATE TABLE dead_letters (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     received_at INTEGER NOT NULL,
     topic       TEXT NOT NULL,
     reason      TEXT NOT NULL,
     detail      TEXT NOT NULL,
     bytes       INTEGER NOT NULL,
     truncated   INTEGER NOT NULL,
     payload     BLOB NOT NULL
   );
   CREATE INDEX dead_letters_reason ON dead_letters (reason, id);`,
];

export type DeadLetter = {
  id: number;
  receivedAt: number;
  topic: string;
  reason: string;
  detail: string;
  /** Size of the message as received. */
  bytes: number;
  /** The payload kept is only its first `maxPayloadBytes`. */
  truncated: boolean;
  payload: Buffer;
};

export type DeadLetterQuery = { reason?: string; topic?: string; before?: number; limit?: number };

/**
 * Rejected messages, kept for an operator to inspect (`deadletters.sqlite`). Bounded two ways: at most
 * `maxEntries` (the oldest go first) and at most `maxPayloadBytes` of each payload, so a flood of bad
 * input costs bounded disk. Not evidence of accepted data, so written without a sync per insert.
 */
export class DeadLetterStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly trim: Database.Statement;
  private readonly maxEntries: number;
  private readonly maxPayloadBytes: number;
  private sinceTrim = 0;

  constructor(opts: { dataDir: string; maxEntries: number; maxPayloadBytes?: number }) {
    this.file = join(opts.dataDir, 'deadletters.sqlite');
    this.db = openSqlite(this.file);
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db, SCHEMA);
    this.maxEntries = opts.maxEntries;
    this.maxPayloadBytes = opts.maxPayloadBytes ?? 64 * 1024;
    this.insert = this.db.prepare(
      'INSERT INTO dead_letters (received_at, topic, reason, detail, bytes, truncated, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.trim = this.db.prepare('DELETE FROM dead_letters WHERE id <= (SELECT max(id) FROM dead_letters) - ?');
    this.trim.run(this.maxEntries);
  }

  add(d: { receivedAt: number; topic: string; reason: string; detail: string; payload: Uint8Array }): void {
    const truncated = d.payload.byteLength > this.maxPayloadBytes;
    const kept = Buffer.from(d.payload.subarray(0, this.maxPayloadBytes));
    this.insert.run(d.receivedAt, d.topic.slice(0, 1024), d.reason, d.detail.slice(0, 4096), d.payload.byteLength, truncated ? 1 : 0, kept);
    // Trimming in steps keeps the bound within 1 % (or 100 entries) without a DELETE per insert.
    if (++this.sinceTrim >= Math.max(1, Math.min(100, Math.floor(this.maxEntries / 100)))) {
      this.sinceTrim = 0;
      this.trim.run(this.maxEntries);
    }
  }

  /** Newest first. */
  list(q: DeadLetterQuery = {}): DeadLetter[] {
    const where: string[] = [];
    if (q.reason !== undefined) where.push('reason = @reason');
    if (q.topic !== undefined) where.push('topic = @topic');
    if (q.before !== undefined) where.push('id < @before');
    const rows = this.db
      .prepare(`SELECT * FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`)
      .all({ reason: q.reason, topic: q.topic, before: q.before, limit: q.limit ?? 100 }) as Row[];
    return rows.map(fromRow);
  }

  get(id: number): DeadLetter | undefined {
    const row = this.db.prepare('SELECT * FROM dead_letters WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

type Row = { id: number; received_at: number; topic: string; reason: string; detail: string; bytes: number; truncated: number; payload: Buffer };

function fromRow(r: Row): DeadLetter {
  return { id: r.id, receivedAt: r.received_at, topic: r.topic, reason: r.reason, detail: r.detail, bytes: r.bytes, truncated: r.truncated === 1, payload: r.payload };
}
