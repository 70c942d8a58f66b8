import type Database from 'better-sqlite3';
import type { AlarmRecord } from '@hazwatch/protocols';
import type { Message } from './messages.ts';

// The notification outbox lives in alarms.sqlite beside the ledger, so a notification is written in the
// same transaction as the alarm event it announces: an event is never stored without its
// notifications, nor a notification sent for an event that was rolled back.
//
// notification: one (transition or reminder) × channel; `dedupe` makes "one per transition" a constraint.
// delivery:     one message to one channel carrying one or more notifications (grouping), with the
//               idempotency key every attempt repeats; pending → delivered | dead.
// attempt:      the receipt of one try: when, outcome, status, response or error.
export const OUTBOX_SCHEMA = `
  CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    dedupe           TEXT NOT NULL UNIQUE,
    alarm_id         TEXT NOT NULL,
    enterprise_id    TEXT NOT NULL,
    event_seq        INTEGER,
    reason           TEXT NOT NULL,
    channel          TEXT NOT NULL,
    fallback         TEXT,
    route            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,
    alarm            TEXT NOT NULL,
    primary_delivery INTEGER
  );
  CREATE INDEX notifications_ungrouped ON notifications (channel, due_at) WHERE primary_delivery IS NULL;
  CREATE INDEX notifications_alarm ON notifications (alarm_id);
  CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    channel     TEXT NOT NULL,
    fallback_of INTEGER,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER,
    last_error  TEXT,
    message     TEXT NOT NULL
  );
  CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
  CREATE TABLE delivery_items (
    delivery_id     INTEGER NOT NULL,
    notification_id INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, notification_id)
  );
  CREATE INDEX delivery_items_notification ON delivery_items (notification_id);
  CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sending', 'accepted', 'failed', 'interrupted')),
    status      INTEGER,
    response    TEXT,
    error       TEXT
  );
  CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, n);
  CREATE TABLE reminders (
    alarm_id TEXT PRIMARY KEY,
    last_at  INTEGER NOT NULL
  );`;

/** Why a notification is sent: a ledger transition, the next tier reached (`tier`), or a reminder. */
export type NotificationReason = 'raised' | 'escalated' | 'tier' | 'acknowledged' | 'cleared' | 'closed' | 'reminder';

export type NotificationDraft = {
  /** Unique per (transition or reminder, channel): a second insert is ignored. */
  dedupe: string;
  alarmId: string;
  enterpriseId: string;
  eventSeq: number | null;
  reason: NotificationReason;
  channel: string;
  fallback: string | null;
  /** Which route (or regulator) chose this channel, for the record. */
  route: string;
  /** Epoch ms. */
  createdAt: number;
  dueAt: number;
  /** The record as of the transition, for the message. */
  alarm: AlarmRecord;
};
export type Notification = NotificationDraft & { id: number; primaryDelivery: number | null };

export type DeliveryState = 'pending' | 'delivered' | 'dead';
export type Delivery = {
  id: number;
  key: string;
  channel: string;
  fallbackOf: number | null;
  state: DeliveryState;
  attempts: number;
  nextAt: number;
  createdAt: number;
  finishedAt: number | null;
  lastError: string | null;
  message: Message;
};
export type AttemptOutcome = 'sending' | 'accepted' | 'failed' | 'interrupted';
export type Attempt = {
  n: number;
  startedAt: number;
  finishedAt: number | null;
  outcome: AttemptOutcome;
  status: number | null;
  response: string | null;
  error: string | null;
};

type NotificationRow = {
  id: number;
  dedupe: string;
  alarm_id: string;
  enterprise_id: string;
  event_seq: number | null;
  reason: NotificationReason;
  channel: string;
  fallback: string | null;
  route: string;
  created_at: number;
  due_at: number;
  alarm: string;
  primary_delivery: number | null;
};
type DeliveryRow = {
  id: number;
  key: string;
  channel: string;
  fallback_of: number | null;
  state: DeliveryState;
  attempts: number;
  next_at: number;
  created_at: number;
  finished_at: number | null;
  last_error: string | null;
  message: string;
};
type AttemptRow = { n: number; started_at: number; finished_at: number | null; outcome: AttemptOutcome; status: number | null; response: string | null; error: string | null };

const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  dedupe: r.dedupe,
  alarmId: r.alarm_id,
  enterpriseId: r.enterprise_id,
  eventSeq: r.event_seq,
  reason: r.reason,
  channel: r.channel,
  fallback: r.fallback,
  route: r.route,
  createdAt: r.created_at,
  dueAt: r.due_at,
  alarm: JSON.parse(r.alarm) as AlarmRecord,
  primaryDelivery: r.primary_delivery,
});
const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  key: r.key,
  channel: r.channel,
  fallbackOf: r.fallback_of,
  state: r.state,
  attempts: r.attempts,
  nextAt: r.next_at,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  lastError: r.last_error,
  message: JSON.parse(r.message) as Message,
});
const toAttempt = (r: AttemptRow): Attempt => ({
  n: r.n,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  outcome: r.outcome,
  status: r.status,
  response: r.response,
  error: r.error,
});

function statements(db: Database.Database) {
  return {
    addNotification: db.prepare(
      `INSERT INTO notifications (dedupe, alarm_id, enterprise_id, event_seq, reason, channel, fallback, route, created_at, due_at, alarm)
       VALUES (@dedupe, @alarmId, @enterpriseId, @eventSeq, @reason, @channel, @fallback, @route, @createdAt, @dueAt, @alarm)
       ON CONFLICT (dedupe) DO NOTHING`,
    ),
    dueChannels: db.prepare('SELECT channel FROM notifications WHERE primary_delivery IS NULL GROUP BY channel HAVING MIN(due_at) <= ?'),
    ungrouped: db.prepare('SELECT * FROM notifications WHERE primary_delivery IS NULL AND channel = ? ORDER BY id LIMIT ?'),
    addDelivery: db.prepare(
      `INSERT INTO deliveries (key, channel, fallback_of, state, attempts, next_at, created_at, message)
       VALUES (@key, @channel, @fallbackOf, 'pending', 0, @nextAt, @createdAt, @message)`,
    ),
    addItem: db.prepare('INSERT INTO delivery_items (delivery_id, notification_id) VALUES (?, ?)'),
    setPrimary: db.prepare('UPDATE notifications SET primary_delivery = ? WHERE id = ? AND primary_delivery IS NULL'),
    due: db.prepare("SELECT * FROM deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?"),
    nextDelivery: db.prepare("SELECT MIN(next_at) AS t FROM deliveries WHERE state = 'pending'"),
    nextGroup: db.prepare('SELECT MIN(due_at) AS t FROM notifications WHERE primary_delivery IS NULL'),
    get: db.prepare('SELECT * FROM deliveries WHERE id = ?'),
    items: db.prepare('SELECT n.* FROM delivery_items i JOIN notifications n ON n.id = i.notification_id WHERE i.delivery_id = ? ORDER BY n.id'),
    startAttempt: db.prepare("INSERT INTO delivery_attempts (delivery_id, n, started_at, outcome) VALUES (?, ?, ?, 'sending')"),
    countAttempt: db.prepare('UPDATE deliveries SET attempts = ? WHERE id = ?'),
    finishAttempt: db.prepare(
      'UPDATE delivery_attempts SET finished_at = @finishedAt, outcome = @outcome, status = @status, response = @response, error = @error WHERE id = @id',
    ),
    interrupt: db.prepare("UPDATE delivery_attempts SET outcome = 'interrupted', finished_at = ?, error = 'the platform stopped during this attempt; its outcome is unknown' WHERE outcome = 'sending'"),
    delivered: db.prepare("UPDATE deliveries SET state = 'delivered', finished_at = ?, last_error = NULL WHERE id = ?"),
    dead: db.prepare("UPDATE deliveries SET state = 'dead', finished_at = ?, last_error = ? WHERE id = ?"),
    retry: db.prepare('UPDATE deliveries SET next_at = ?, last_error = ? WHERE id = ?'),
    forAlarm: db.prepare(
      `SELECT DISTINCT d.* FROM notifications n JOIN delivery_items i ON i.notification_id = n.id JOIN deliveries d ON d.id = i.delivery_id
       WHERE n.alarm_id = ? ORDER BY d.id`,
    ),
    reasonsFor: db.prepare(
      `SELECT n.reason, n.event_seq FROM delivery_items i JOIN notifications n ON n.id = i.notification_id WHERE i.delivery_id = ? AND n.alarm_id = ? ORDER BY n.id`,
    ),
    attempts: db.prepare('SELECT n, started_at, finished_at, outcome, status, response, error FROM delivery_attempts WHERE delivery_id = ? ORDER BY n, id'),
    pendingForAlarm: db.prepare('SELECT COUNT(*) AS c FROM notifications WHERE alarm_id = ? AND primary_delivery IS NULL'),
    reminder: db.prepare('SELECT last_at FROM reminders WHERE alarm_id = ?'),
    setReminder: db.prepare('INSERT INTO reminders (alarm_id, last_at) VALUES (?, ?) ON CONFLICT (alarm_id) DO UPDATE SET last_at = excluded.last_at'),
    counts: db.prepare('SELECT state, COUNT(*) AS c FROM deliveries GROUP BY state'),
    // A delivery carries the notifications of one channel, which may be of several enterprises: it counts
    // once for each enterprise asked for that it carries any notification of.
    countsFor: db.prepare(
      `SELECT d.state AS state, COUNT(DISTINCT d.id) AS c FROM notifications n
       JOIN delivery_items i ON i.notification_id = n.id JOIN deliveries d ON d.id = i.delivery_id
       WHERE n.enterprise_id IN (SELECT value FROM json_each(?)) GROUP BY d.state`,
    ),
  };
}

/**
 * The outbox's statements, on the ledger's connection: called inside a ledger transaction they are
 * part of it (better-sqlite3 runs one connection synchronously), called alone each is its own.
 */
export class Outbox {
  private readonly s: ReturnType<typeof statements>;

  constructor(db: Database.Database) {
    this.s = statements(db);
  }

  /** Adds a notification unless one for the same transition and channel exists; true when added. */
  addNotification(d: NotificationDraft): boolean {
    return this.s.addNotification.run({ ...d, alarm: JSON.stringify(d.alarm) }).changes > 0;
  }

  /** Channels whose oldest not yet grouped notification is due. */
  dueChannels(now: number): string[] {
    return (this.s.dueChannels.all(now) as { channel: string }[]).map((r) => r.channel);
  }

  ungrouped(channel: string, limit: number): Notification[] {
    return (this.s.ungrouped.all(channel, limit) as NotificationRow[]).map(toNotification);
  }

  /** A delivery of `notificationIds`; a primary one also marks them grouped (a fallback does not). */
  createDelivery(d: { key: string; channel: string; fallbackOf: number | null; nextAt: number; createdAt: number; message: Message }, notificationIds: readonly number[]): number {
    const id = Number(this.s.addDelivery.run({ ...d, message: JSON.stringify(d.message) }).lastInsertRowid);
    for (const n of notificationIds) {
      this.s.addItem.run(id, n);
      if (d.fallbackOf === null) this.s.setPrimary.run(id, n);
    }
    return id;
  }

  dueDeliveries(now: number, limit: number): Delivery[] {
    return (this.s.due.all(now, limit) as DeliveryRow[]).map(toDelivery);
  }

  /** When the notifier next has something to do (epoch ms), if anything is waiting. */
  nextWake(): number | undefined {
    const a = (this.s.nextDelivery.get() as { t: number | null }).t;
    const b = (this.s.nextGroup.get() as { t: number | null }).t;
    const ts = [a, b].filter((t): t is number => t !== null);
    return ts.length ? Math.min(...ts) : undefined;
  }

  get(id: number): Delivery | undefined {
    const r = this.s.get.get(id) as DeliveryRow | undefined;
    return r && toDelivery(r);
  }

  items(deliveryId: number): Notification[] {
    return (this.s.items.all(deliveryId) as NotificationRow[]).map(toNotification);
  }

  /** Records the start of attempt `n` (its receipt), durable before the request goes out. */
  startAttempt(deliveryId: number, n: number, at: number): number {
    this.s.countAttempt.run(n, deliveryId);
    return Number(this.s.startAttempt.run(deliveryId, n, at).lastInsertRowid);
  }

  finishAttempt(id: number, r: { outcome: 'accepted' | 'failed'; finishedAt: number; status: number | null; response: string | null; error: string | null }): void {
    this.s.finishAttempt.run({ id, ...r });
  }

  /** At start: attempts left `sending` by a stop or crash have an unknown outcome. */
  interruptDangling(at: number): number {
    return this.s.interrupt.run(at).changes;
  }

  markDelivered(id: number, at: number): void {
    this.s.delivered.run(at, id);
  }

  markDead(id: number, at: number, error: string): void {
    this.s.dead.run(at, error, id);
  }

  reschedule(id: number, nextAt: number, error: string): void {
    this.s.retry.run(nextAt, error, id);
  }

  /** Every delivery that carried a notification of this alarm, with what it said of the alarm and its receipts. */
  forAlarm(alarmId: string): (Delivery & { reasons: { reason: NotificationReason; eventSeq: number | null }[]; receipts: Attempt[] })[] {
    return (this.s.forAlarm.all(alarmId) as DeliveryRow[]).map((r) => ({
      ...toDelivery(r),
      reasons: (this.s.reasonsFor.all(r.id, alarmId) as { reason: NotificationReason; event_seq: number | null }[]).map((x) => ({ reason: x.reason, eventSeq: x.event_seq })),
      receipts: this.attempts(r.id),
    }));
  }

  attempts(deliveryId: number): Attempt[] {
    return (this.s.attempts.all(deliveryId) as AttemptRow[]).map(toAttempt);
  }

  /** Notifications of the alarm not yet put into a delivery. */
  pendingFor(alarmId: string): number {
    return (this.s.pendingForAlarm.get(alarmId) as { c: number }).c;
  }

  lastReminder(alarmId: string): number | undefined {
    return (this.s.reminder.get(alarmId) as { last_at: number } | undefined)?.last_at;
  }

  setReminder(alarmId: string, at: number): void {
    this.s.setReminder.run(alarmId, at);
  }

  /**
   * Deliveries by state: all of them, or those carrying notifications of the enterprises given (a
   * tenant's own totals: whether its alerts reached anyone).
   */
  counts(enterpriseIds?: readonly string[]): Record<DeliveryState, number> {
    const out: Record<DeliveryState, number> = { pending: 0, delivered: 0, dead: 0 };
    const rows = enterpriseIds === undefined ? this.s.counts.all() : enterpriseIds.length === 0 ? [] : this.s.countsFor.all(JSON.stringify(enterpriseIds));
    for (const r of rows as { state: DeliveryState; c: number }[]) out[r.state] = r.c;
    return out;
  }
}
