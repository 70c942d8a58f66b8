import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { AlarmEventKind, AlarmRecord } from '@hazwatch/protocols';
import { migrate, openSqlite } from './sqlite.ts';
import type { AlarmListQuery, AlarmStore, SavedEngineState, StoredAlarmEvent } from './alarm-store.ts';

const SCHEMA = [
  `CREATE TABLE alarms (
     id            TEXT PRIMARY KEY,
     enterprise_id TEXT NOT NULL,
     raised_at     TEXT NOT NULL,
     cleared_at    TEXT,
     record        TEXT NOT NULL
   );
   CREATE INDEX alarms_raised ON alarms (raised_at DESC);
   CREATE INDEX alarms_active ON alarms (enterprise_id, raised_at DESC) WHERE cleared_at IS NULL;
   CREATE TABLE alarm_events (
     seq      INTEGER PRIMARY KEY AUTOINCREMENT,
     alarm_id TEXT NOT NULL,
     kind     TEXT NOT NULL,
     at       TEXT NOT NULL,
     record   TEXT NOT NULL
   );
   CREATE INDEX alarm_events_alarm ON alarm_events (alarm_id, seq);`,
  // The rule engine's snapshot lives beside the alarms it explains: written in the same transaction.
  `CREATE TABLE engine_state (
     id       INTEGER PRIMARY KEY CHECK (id = 1),
     revision INTEGER NOT NULL,
     saved_at TEXT NOT NULL,
     snapshot TEXT NOT NULL
   );`,
];

/** `alarms.sqlite`: alarm records and their append-only events. */
export class SqliteAlarmStore implements AlarmStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly appendTx: (events: readonly { kind: AlarmEventKind; at: string; alarm: AlarmRecord }[], state?: SavedEngineState) => void;
  private readonly saveState: Database.Statement;

  constructor(opts: { dataDir: string }) {
    this.file = join(opts.dataDir, 'alarms.sqlite');
    this.db = openSqlite(this.file);
    migrate(this.db, SCHEMA);
    const event = this.db.prepare('INSERT INTO alarm_events (alarm_id, kind, at, record) VALUES (?, ?, ?, ?)');
    const upsert = this.db.prepare(
      `INSERT INTO alarms (id, enterprise_id, raised_at, cleared_at, record) VALUES (@id, @enterpriseId, @raisedAt, @clearedAt, @record)
       ON CONFLICT (id) DO UPDATE SET cleared_at = excluded.cleared_at, record = excluded.record`,
    );
    this.saveState = this.db.prepare(
      `INSERT INTO engine_state (id, revision, saved_at, snapshot) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, saved_at = excluded.saved_at, snapshot = excluded.snapshot`,
    );
    this.appendTx = this.db.transaction((events: readonly { kind: AlarmEventKind; at: string; alarm: AlarmRecord }[], state?: SavedEngineState) => {
      for (const e of events) {
        const record = JSON.stringify(e.alarm);
        event.run(e.alarm.id, e.kind, e.at, record);
        upsert.run({ id: e.alarm.id, enterpriseId: e.alarm.enterpriseId, raisedAt: e.alarm.raisedAt, clearedAt: e.alarm.clearedAt, record });
      }
      if (state) this.saveState.run(state.revision, state.savedAt, JSON.stringify(state.snapshot));
    });
  }

  async append(events: readonly { kind: AlarmEventKind; at: string; alarm: AlarmRecord }[], state?: SavedEngineState): Promise<void> {
    if (events.length > 0 || state) this.appendTx(events, state);
  }

  async saveEngineState(state: SavedEngineState): Promise<void> {
    this.saveState.run(state.revision, state.savedAt, JSON.stringify(state.snapshot));
  }

  async loadEngineState(): Promise<SavedEngineState | undefined> {
    const row = this.db.prepare('SELECT revision, saved_at, snapshot FROM engine_state WHERE id = 1').get() as
      | { revision: number; saved_at: string; snapshot: string }
      | undefined;
    return row && { revision: row.revision, savedAt: row.saved_at, snapshot: JSON.parse(row.snapshot) as SavedEngineState['snapshot'] };
  }

  async list(q: AlarmListQuery): Promise<AlarmRecord[]> {
    const where: string[] = [];
    if (q.state === 'active') where.push('cleared_at IS NULL');
    if (q.enterpriseId !== undefined) where.push('enterprise_id = @enterpriseId');
    const sql = `SELECT record FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at DESC, rowid DESC LIMIT @limit`;
    const rows = this.db.prepare(sql).all({ enterpriseId: q.enterpriseId ?? null, limit: q.limit ?? 100 }) as { record: string }[];
    return rows.map((r) => JSON.parse(r.record) as AlarmRecord);
  }

  async get(id: string): Promise<AlarmRecord | undefined> {
    const row = this.db.prepare('SELECT record FROM alarms WHERE id = ?').get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as AlarmRecord) : undefined;
  }

  async events(alarmId: string): Promise<StoredAlarmEvent[]> {
    const rows = this.db.prepare('SELECT seq, kind, at, record FROM alarm_events WHERE alarm_id = ? ORDER BY seq').all(alarmId) as {
      seq: number;
      kind: AlarmEventKind;
      at: string;
      record: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, kind: r.kind, at: r.at, alarm: JSON.parse(r.record) as AlarmRecord }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
