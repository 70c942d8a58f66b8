import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { iso, type AlarmRecord } from '@hazwatch/protocols';
import { GENESIS, LEDGER_VERSION, eventHash, type ChainedEvent } from '../alarms/chain.ts';
import { OUTBOX_SCHEMA, Outbox } from '../alarms/outbox.ts';
import { migrate, openSqlite } from './sqlite.ts';
import { SqliteEngineState } from './sqlite-engine-state.ts';
import type { AlarmListQuery, AlarmStore, AppendHook, CommitHook, EngineStateDelta, EngineStateSlices, EventDraft, LedgerEvent, LedgerTx, SavedEngineState } from './alarm-store.ts';

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
  // The ledger: each event chained to the one before (hashes backfilled for events of earlier versions,
  // before the append-only triggers exist), and the query columns of the record index.
  `ALTER TABLE alarm_events ADD COLUMN recorded_at TEXT;
   ALTER TABLE alarm_events ADD COLUMN actor TEXT;
   ALTER TABLE alarm_events ADD COLUMN detail TEXT;
   ALTER TABLE alarm_events ADD COLUMN prev_hash TEXT;
   ALTER TABLE alarm_events ADD COLUMN hash TEXT;
   ALTER TABLE alarms ADD COLUMN type TEXT;
   ALTER TABLE alarms ADD COLUMN level TEXT;
   ALTER TABLE alarms ADD COLUMN workshop_id TEXT;
   ALTER TABLE alarms ADD COLUMN line_id TEXT;
   ALTER TABLE alarms ADD COLUMN channel TEXT;
   ALTER TABLE alarms ADD COLUMN detected_at TEXT;
   ALTER TABLE alarms ADD COLUMN acknowledged_at TEXT;
   ALTER TABLE alarms ADD COLUMN closed_at TEXT;
   ALTER TABLE alarms ADD COLUMN shelved_until TEXT;
   ALTER TABLE alarms ADD COLUMN escalation_tier INTEGER NOT NULL DEFAULT 0;
   UPDATE alarms SET type = json_extract(record, '$.type'), level = json_extract(record, '$.level'),
     workshop_id = json_extract(record, '$.subject.workshopId'), line_id = json_extract(record, '$.subject.lineId'),
     detected_at = json_extract(record, '$.detectedAt'), acknowledged_at = json_extract(record, '$.acknowledgedAt'),
     closed_at = json_extract(record, '$.closedAt');
   -- History from before escalation existed is not escalated now (no pages to the regulator for
   -- alarms that ended long ago); alarms still active at the upgrade are.
   UPDATE alarms SET escalation_tier = 2 WHERE cleared_at IS NOT NULL;
   CREATE INDEX alarms_page ON alarms (raised_at DESC, id DESC);
   CREATE INDEX alarms_awaiting ON alarms (detected_at) WHERE acknowledged_at IS NULL AND closed_at IS NULL;
   CREATE INDEX alarms_channel ON alarms (channel, enterprise_id) WHERE channel IS NOT NULL AND cleared_at IS NULL;`,
  `CREATE TRIGGER alarm_events_no_update BEFORE UPDATE ON alarm_events
     BEGIN SELECT RAISE(ABORT, 'the alarm ledger is append-only: events are never updated'); END;
   CREATE TRIGGER alarm_events_no_delete BEFORE DELETE ON alarm_events
     BEGIN SELECT RAISE(ABORT, 'the alarm ledger is append-only: events are never deleted'); END;
   CREATE TRIGGER alarms_no_delete BEFORE DELETE ON alarms
     BEGIN SELECT RAISE(ABORT, 'alarm records are never deleted'); END;`,
  OUTBOX_SCHEMA,
  // Tracker states changed by alarm transitions since the last full engine snapshot (written by
  // earlier versions; now every change goes to engine_deltas below).
  `CREATE TABLE engine_trackers (
     key   TEXT PRIMARY KEY,
     state TEXT NOT NULL
   );`,
  // Every change to the engine state since its last full snapshot, laid over it in `seq` order (the
  // tracker table above holds those of earlier versions, laid over first).
  `CREATE TABLE engine_deltas (
     seq   INTEGER PRIMARY KEY AUTOINCREMENT,
     delta TEXT NOT NULL
   );`,
  // Slices of a snapshot or delta written ahead of it (sqlite-engine-state.ts): `slices` names the stage
  // whose slices are laid over the row, in id order.
  `ALTER TABLE engine_state ADD COLUMN slices INTEGER;
   ALTER TABLE engine_deltas ADD COLUMN slices INTEGER;
   CREATE TABLE engine_slices (
     id    INTEGER PRIMARY KEY,
     stage INTEGER NOT NULL,
     slice TEXT NOT NULL
   );
   CREATE INDEX engine_slices_stage ON engine_slices (stage, id);`,
  // Notification totals per enterprise (`Outbox.counts`): the notifications of the enterprises asked for.
  `CREATE INDEX notifications_enterprise ON notifications (enterprise_id);`,
];
/** Steps before the append-only triggers: events written by earlier versions get their hashes here. */
const BEFORE_TRIGGERS = 3;

/** What the engine does not know and a new engine record must not lose: the handling of the alarm. */
const HANDLING_KEYS = [
  'acknowledgedAt', 'acknowledgedBy', 'comments', 'closedAt', 'closedBy', 'rectification', 'assignedTo', 'assignedBy', 'assignedAt',
  'shelvedAt', 'shelvedBy', 'shelvedUntil', 'shelveReason', 'escalationTier',
] as const satisfies readonly (keyof AlarmRecord)[];

type EventRow = {
  seq: number;
  alarm_id: string;
  kind: LedgerEvent['kind'];
  at: string;
  recorded_at: string;
  actor: string | null;
  detail: string | null;
  record: string;
  prev_hash: string;
  hash: string;
};

export function rowToEvent(r: EventRow): LedgerEvent {
  return {
    v: LEDGER_VERSION,
    seq: r.seq,
    alarmId: r.alarm_id,
    kind: r.kind,
    at: r.at,
    recordedAt: r.recorded_at,
    by: r.actor,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    alarm: JSON.parse(r.record) as AlarmRecord,
    prev: r.prev_hash,
    hash: r.hash,
  };
}

/** `alarms.sqlite`: the hash-chained alarm ledger, the record index, the engine state and the notification outbox. */
export class SqliteAlarmStore implements AlarmStore {
  readonly file: string;
  readonly outbox: Outbox;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private hooks: { onAppend?: AppendHook; onCommit?: CommitHook } = {};
  private readonly st: ReturnType<typeof statements>;
  private readonly tx: LedgerTx;
  private readonly engineState: SqliteEngineState;

  /** `engineSliceBufferChars`: see SqliteEngineState. */
  constructor(opts: { dataDir: string; now?: () => number; engineSliceBufferChars?: number }) {
    this.file = join(opts.dataDir, 'alarms.sqlite');
    this.now = opts.now ?? Date.now;
    // The ledger's appends and the engine's periodic saves revisit the table ends and the state rows.
    this.db = openSqlite(this.file, { cacheKiB: 512 });
    migrate(this.db, SCHEMA.slice(0, BEFORE_TRIGGERS));
    this.backfillHashes();
    migrate(this.db, SCHEMA);
    this.outbox = new Outbox(this.db);
    this.st = statements(this.db);
    this.engineState = new SqliteEngineState(this.db, opts.engineSliceBufferChars);
    this.tx = {
      get: (id) => this.getSync(id),
      append: (draft) => this.appendSync(draft),
      activeChannelFailure: (enterpriseId, channel) => {
        const row = this.st.channelFailure.get(channel, enterpriseId) as { record: string } | undefined;
        return row ? (JSON.parse(row.record) as AlarmRecord) : undefined;
      },
      outbox: this.outbox,
    };
  }

  setHooks(hooks: { onAppend?: AppendHook; onCommit?: CommitHook }): void {
    this.hooks = hooks;
  }

  async append(events: readonly EventDraft[], state?: SavedEngineState | EngineStateDelta): Promise<LedgerEvent[]> {
    if (events.length === 0 && !state) return [];
    let saved: (() => void) | undefined;
    let committed = false;
    try {
      return this.transact(
        () => {
          const out = events.map((e) => {
            const current = this.getSync(e.alarm.id);
            return this.appendSync(current ? { ...e, alarm: keepHandling(e.alarm, current) } : e);
          });
          if (state) saved = this.engineState.saveSync(state);
          return out;
        },
        () => {
          committed = true;
          saved?.();
        },
      ).events;
    } catch (err) {
      if (state && !committed) this.engineState.failed(state);
      throw err;
    }
  }

  async write<T>(fn: (tx: LedgerTx) => T): Promise<T> {
    return this.transact(() => fn(this.tx)).result;
  }

  /** A full snapshot replaces the deltas laid over the last one; a delta is added after them. */
  async saveEngineState(state: SavedEngineState | EngineStateDelta): Promise<void> {
    let saved: () => void;
    try {
      saved = this.db.transaction(() => this.engineState.saveSync(state))();
    } catch (err) {
      this.engineState.failed(state);
      throw err;
    }
    saved();
  }

  stageEngineState(): EngineStateSlices {
    return this.engineState.stage();
  }

  async loadEngineState(): Promise<SavedEngineState | undefined> {
    return this.engineState.load();
  }

  async list(q: AlarmListQuery): Promise<AlarmRecord[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit ?? 100 };
    switch (q.state) {
      case 'active':
        where.push('cleared_at IS NULL');
        break;
      case 'cleared':
        where.push('cleared_at IS NOT NULL AND closed_at IS NULL');
        break;
      case 'unclosed':
        where.push('closed_at IS NULL');
        break;
      case 'closed':
        where.push('closed_at IS NOT NULL');
        break;
      case 'unacknowledged':
        where.push('acknowledged_at IS NULL AND closed_at IS NULL');
        break;
      case 'shelved':
        where.push('shelved_until IS NOT NULL AND shelved_until > @now');
        params.now = q.now ?? iso(this.now());
        break;
      case 'all':
        break;
    }
    const enterprises = [...(q.enterpriseIds ?? []), ...(q.enterpriseId !== undefined ? [q.enterpriseId] : [])];
    if (q.enterpriseIds !== undefined || q.enterpriseId !== undefined) inList(where, params, 'enterprise_id', 'ent', enterprises);
    if (q.types !== undefined) inList(where, params, 'type', 'type', q.types);
    if (q.levels !== undefined) inList(where, params, 'level', 'level', q.levels);
    if (q.workshopId !== undefined) {
      where.push('workshop_id = @workshopId');
      params.workshopId = q.workshopId;
    }
    if (q.lineId !== undefined) {
      where.push('line_id = @lineId');
      params.lineId = q.lineId;
    }
    if (q.from !== undefined) {
      where.push('raised_at >= @from');
      params.from = q.from;
    }
    if (q.to !== undefined) {
      where.push('raised_at < @to');
      params.to = q.to;
    }
    if (q.after) {
      where.push('(raised_at < @afterRaised OR (raised_at = @afterRaised AND id < @afterId))');
      params.afterRaised = q.after.raisedAt;
      params.afterId = q.after.id;
    }
    const sql = `SELECT record FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at DESC, id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as { record: string }[]).map((r) => JSON.parse(r.record) as AlarmRecord);
  }

  async get(id: string): Promise<AlarmRecord | undefined> {
    return this.getSync(id);
  }

  async events(alarmId: string): Promise<LedgerEvent[]> {
    return (this.st.events.all(alarmId) as EventRow[]).map(rowToEvent);
  }

  async statsRecords(q: { from?: string; to?: string; enterpriseIds?: readonly string[] }): Promise<AlarmRecord[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    // Gateway outages that began before `from` still count toward its unverifiable minutes.
    if (q.from !== undefined) {
      where.push("(raised_at >= @from OR (type = 'gateway-offline' AND (cleared_at IS NULL OR cleared_at > @from)))");
      params.from = q.from;
    }
    if (q.to !== undefined) {
      where.push('raised_at < @to');
      params.to = q.to;
    }
    if (q.enterpriseIds !== undefined) inList(where, params, 'enterprise_id', 'ent', q.enterpriseIds);
    const sql = `SELECT record FROM alarms ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at`;
    return (this.db.prepare(sql).all(params) as { record: string }[]).map((r) => JSON.parse(r.record) as AlarmRecord);
  }

  async awaitingAcknowledgement(): Promise<AlarmRecord[]> {
    return (this.st.awaiting.all() as { record: string }[]).map((r) => JSON.parse(r.record) as AlarmRecord);
  }

  /** The last event's position and hash (reports cite it; `hazwatch ledger verify --head` checks it). */
  async ledgerHead(): Promise<{ seq: number; hash: string } | undefined> {
    const row = this.st.head.get() as { seq: number; hash: string } | undefined;
    return row && { seq: row.seq, hash: row.hash };
  }

  /** Every ledger event in order, for export (a consistent snapshot: one read statement). */
  *iterateLedger(): Generator<LedgerEvent> {
    for (const r of this.db.prepare('SELECT * FROM alarm_events ORDER BY seq').iterate() as Iterable<EventRow>) yield rowToEvent(r);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private getSync(id: string): AlarmRecord | undefined {
    const row = this.st.get.get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as AlarmRecord) : undefined;
  }

  /**
   * Runs `fn` as one transaction, collecting what it appends; `committed` runs once it has committed,
   * then the commit hook hears of the events (only once they are durable).
   */
  private transact<T>(fn: () => T, committed?: () => void): { result: T; events: LedgerEvent[] } {
    const events: LedgerEvent[] = [];
    this.collecting = events;
    let result: T;
    try {
      result = this.db.transaction(fn)();
    } finally {
      this.collecting = undefined;
    }
    committed?.();
    if (events.length > 0) this.hooks.onCommit?.(events);
    return { result, events };
  }

  private collecting: LedgerEvent[] | undefined;

  private appendSync(draft: EventDraft): LedgerEvent {
    if (!this.db.inTransaction) throw new Error('ledger events are appended inside a transaction (write or append)');
    const head = this.st.head.get() as { seq: number; hash: string | null } | undefined;
    const chained: ChainedEvent = {
      v: LEDGER_VERSION,
      seq: (head?.seq ?? 0) + 1,
      alarmId: draft.alarm.id,
      kind: draft.kind,
      at: draft.at,
      recordedAt: iso(this.now()),
      by: draft.by ?? null,
      detail: draft.detail ?? null,
      alarm: draft.alarm,
      prev: head?.hash ?? GENESIS,
    };
    const event: LedgerEvent = { ...chained, hash: eventHash(chained) };
    const record = JSON.stringify(draft.alarm);
    this.st.insert.run({ ...chained, record, detail: chained.detail === null ? null : JSON.stringify(chained.detail), hash: event.hash });
    const a = draft.alarm;
    this.st.upsert.run({
      id: a.id, enterpriseId: a.enterpriseId, raisedAt: a.raisedAt, clearedAt: a.clearedAt, record, type: a.type, level: a.level,
      workshopId: a.subject.workshopId ?? null, lineId: a.subject.lineId ?? null, channel: a.subject.channel ?? null, detectedAt: a.detectedAt,
      acknowledgedAt: a.acknowledgedAt ?? null, closedAt: a.closedAt ?? null, shelvedUntil: a.shelvedUntil ?? null, escalationTier: a.escalationTier ?? 0,
    });
    this.collecting?.push(event);
    if (this.hooks.onAppend) {
      const hook = this.hooks.onAppend;
      // A savepoint: a failing hook (planning notifications) rolls back only its own writes, never the event.
      try {
        this.db.transaction(() => hook(this.tx, event))();
      } catch (err) {
        this.hookErrors++;
        this.lastHookError = err as Error;
      }
    }
    return event;
  }

  /** Failures of the append hook (the event was kept; its notifications were not planned). */
  hookErrors = 0;
  lastHookError: Error | undefined;

  /**
   * Events written before the ledger was chained get their hashes once, in seq order, before the
   * append-only triggers are created. Their `recordedAt` is their event time (the best known).
   */
  private backfillHashes(): void {
    const rows = this.db.prepare('SELECT seq, alarm_id, kind, at, record FROM alarm_events WHERE hash IS NULL ORDER BY seq').all() as EventRow[];
    if (rows.length === 0) return;
    const update = this.db.prepare('UPDATE alarm_events SET recorded_at = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    this.db.transaction(() => {
      const before = this.db.prepare('SELECT hash FROM alarm_events WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1').get() as { hash: string } | undefined;
      let prev = before?.hash ?? GENESIS;
      for (const r of rows) {
        const e: ChainedEvent = {
          v: LEDGER_VERSION, seq: r.seq, alarmId: r.alarm_id, kind: r.kind, at: r.at, recordedAt: r.at, by: null, detail: null,
          alarm: JSON.parse(r.record) as AlarmRecord, prev,
        };
        const hash = eventHash(e);
        update.run(r.at, prev, hash, r.seq);
        prev = hash;
      }
    })();
  }
}

function statements(db: Database.Database) {
  return {
    head: db.prepare('SELECT seq, hash FROM alarm_events ORDER BY seq DESC LIMIT 1'),
    insert: db.prepare(
      `INSERT INTO alarm_events (seq, alarm_id, kind, at, record, recorded_at, actor, detail, prev_hash, hash)
       VALUES (@seq, @alarmId, @kind, @at, @record, @recordedAt, @by, @detail, @prev, @hash)`,
    ),
    upsert: db.prepare(
      `INSERT INTO alarms (id, enterprise_id, raised_at, cleared_at, record, type, level, workshop_id, line_id, channel, detected_at,
                           acknowledged_at, closed_at, shelved_until, escalation_tier)
       VALUES (@id, @enterpriseId, @raisedAt, @clearedAt, @record, @type, @level, @workshopId, @lineId, @channel, @detectedAt,
               @acknowledgedAt, @closedAt, @shelvedUntil, @escalationTier)
       ON CONFLICT (id) DO UPDATE SET cleared_at = excluded.cleared_at, record = excluded.record, level = excluded.level,
         acknowledged_at = excluded.acknowledged_at, closed_at = excluded.closed_at, shelved_until = excluded.shelved_until,
         escalation_tier = excluded.escalation_tier`,
    ),
    get: db.prepare('SELECT record FROM alarms WHERE id = ?'),
    events: db.prepare('SELECT * FROM alarm_events WHERE alarm_id = ? ORDER BY seq'),
    channelFailure: db.prepare(
      "SELECT record FROM alarms WHERE channel = ? AND enterprise_id = ? AND cleared_at IS NULL AND type = 'notification-failed' LIMIT 1",
    ),
    awaiting: db.prepare(
      `SELECT record FROM alarms WHERE (acknowledged_at IS NULL AND closed_at IS NULL AND (escalation_tier < 2 OR cleared_at IS NULL))
         OR (shelved_until IS NOT NULL AND closed_at IS NULL)`,
    ),
  };
}

/** The engine's new record of an alarm, with the handling the ledger already holds for it. */
function keepHandling(engine: AlarmRecord, current: AlarmRecord): AlarmRecord {
  const out: Record<string, unknown> = { ...engine };
  for (const k of HANDLING_KEYS) if (current[k] !== undefined) out[k] = current[k];
  return out as AlarmRecord;
}

function inList(where: string[], params: Record<string, unknown>, column: string, prefix: string, values: readonly string[]): void {
  if (values.length === 0) {
    where.push('0');
    return;
  }
  const names = values.map((v, i) => {
    params[`${prefix}${i}`] = v;
    return `@${prefix}${i}`;
  });
  where.push(`${column} IN (${names.join(', ')})`);
}
