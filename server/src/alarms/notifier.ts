import { randomUUID } from 'node:crypto';
import { iso, type AlarmRecord, type DeliveryPolicy, type SiteConfig } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import { PassLoop } from './pass-loop.ts';
import type { LedgerTx } from '../storage/alarm-store.ts';
import { backoffMs } from './backoff.ts';
import { sendVia, type SendResult } from './channels/index.ts';
import type { Ledger } from './ledger.ts';
import { renderMessage } from './messages.ts';
import type { Delivery, Notification } from './outbox.ts';

export const DEFAULT_DELIVERY: DeliveryPolicy = { maxAttempts: 8, retrySeconds: 5, maxRetrySeconds: 600, timeoutSeconds: 10, groupSeconds: 5 };

export type NotifierDeps = {
  ledger: Ledger;
  site: () => SiteConfig;
  revision: () => number;
  log: Logger;
  now: () => number;
  /** [0, 1), for retry jitter. */
  random: () => number;
  secrets: (name: string) => string | undefined;
  newAlarmId: () => string;
  /** Longest sleep with nothing due (ms); new notifications wake the notifier sooner. */
  maxIdleMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** Most notifications grouped into one message. */
  maxGroup?: number;
};

/**
 * Delivers the outbox. Notifications of one channel that fall due together become one delivery
 * (one message, one idempotency key); each attempt leaves a receipt; a failed one is retried with
 * exponential backoff and jitter until `maxAttempts`, then the delivery is dead: its notifications go
 * to their route's fallback channel, and a `notification-failed` alarm is raised for the channel
 * (cleared by the channel's next accepted delivery). An accepted delivery appends a `notified` event
 * to each alarm it told of, in the transaction that marks it delivered, so after a restart nothing
 * delivered is sent again; an attempt cut short by a stop is repeated with the same key.
 */
export class Notifier {
  private readonly loop: PassLoop;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly maxIdleMs: number;
  private readonly concurrency: number;
  private readonly maxGroup: number;
  errors = 0;

  constructor(private readonly deps: NotifierDeps) {
    this.maxIdleMs = deps.maxIdleMs ?? 5_000;
    this.loop = new PassLoop({ now: deps.now, maxIdleMs: this.maxIdleMs, pass: () => this.pass() });
    this.concurrency = deps.concurrency ?? 4;
    this.maxGroup = deps.maxGroup ?? 20;
  }

  private get policy(): DeliveryPolicy {
    return this.deps.site().alerting?.delivery ?? DEFAULT_DELIVERY;
  }

  async start(): Promise<void> {
    const interrupted = await this.deps.ledger.store.write((tx) => tx.outbox.interruptDangling(this.deps.now()));
    if (interrupted > 0) this.deps.log.warn({ interrupted }, 'delivery attempts cut short by the last stop will be repeated with the same idempotency key');
    this.loop.start();
  }

  /** Something was written to the outbox (or may be due): look now. */
  wake(): void {
    this.loop.wake(0);
  }

  /** Stops planning new attempts and waits for those in flight (each bounded by its timeout) to be recorded. */
  async stop(): Promise<void> {
    await this.loop.stop();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Groups what started together, starts the attempts that are due; returns the delay until the next. */
  private async pass(): Promise<number> {
    try {
      const now = this.deps.now();
      await this.group(now);
      const free = this.concurrency - this.inFlight.size;
      if (free > 0) {
        const due = this.deps.ledger.store.outbox.dueDeliveries(now, free + this.inFlight.size).filter((d) => !this.inFlight.has(d.id));
        for (const d of due.slice(0, free)) {
          const p = this.attempt(d)
            .catch((err: unknown) => {
              this.errors++;
              this.deps.log.error({ err, delivery: d.key }, 'delivery attempt could not be recorded');
            })
            .finally(() => {
              this.inFlight.delete(d.id);
              this.wake();
            });
          this.inFlight.set(d.id, p);
        }
      }
    } catch (err) {
      this.errors++;
      this.deps.log.error({ err }, 'notifier pass failed');
    }
    const next = this.deps.ledger.store.outbox.nextWake();
    // A full set of attempts in flight: their completion wakes us.
    return next === undefined || this.inFlight.size >= this.concurrency ? Infinity : next - this.deps.now();
  }

  /** Puts due notifications into deliveries: one per channel, with the message frozen. */
  private async group(now: number): Promise<void> {
    const site = this.deps.site();
    await this.deps.ledger.store.write((tx) => {
      for (const channel of tx.outbox.dueChannels(now)) {
        const items = tx.outbox.ungrouped(channel, this.maxGroup);
        if (items.length === 0) continue;
        const message = renderMessage(items.map((n) => ({ reason: n.reason, eventSeq: n.eventSeq, at: iso(n.createdAt), alarm: n.alarm })), site);
        tx.outbox.createDelivery({ key: newKey(), channel, fallbackOf: null, nextAt: now, createdAt: now, message }, items.map((n) => n.id));
      }
    });
  }

  private async attempt(d: Delivery): Promise<void> {
    const { ledger, now } = this.deps;
    const policy = this.policy;
    const channel = this.deps.site().alerting?.channels.find((c) => c.id === d.channel);
    const n = d.attempts + 1;
    // The receipt exists before the request leaves: a crash mid-attempt still shows that it was tried.
    const attemptId = await ledger.store.write((tx) => tx.outbox.startAttempt(d.id, n, now()));
    const result: SendResult = channel
      ? await sendVia(channel, d.message, { key: d.key, attempt: n, timeoutMs: policy.timeoutSeconds * 1000, secret: this.deps.secrets, now })
      : { ok: false, status: null, response: null, error: `channel "${d.channel}" is not configured (any more)`, permanent: true };
    const at = now();
    const { events } = await ledger.write((tx) => {
      tx.outbox.finishAttempt(attemptId, { outcome: result.ok ? 'accepted' : 'failed', finishedAt: at, status: result.status, response: result.response, error: result.error });
      if (result.ok) return this.accepted(tx, d, n, at, channel?.kind ?? null);
      const error = result.error ?? 'failed';
      if (result.permanent || n >= policy.maxAttempts) return this.dead(tx, d, n, at, error, policy);
      tx.outbox.reschedule(d.id, at + backoffMs(n, policy.retrySeconds * 1000, policy.maxRetrySeconds * 1000, this.deps.random), error);
    });
    const log = { delivery: d.key, channel: d.channel, attempt: n, error: result.error ?? undefined, status: result.status ?? undefined };
    if (result.ok) this.deps.log.info(log, 'notification delivered');
    else if (events.some((e) => e.alarm.type === 'notification-failed' && e.kind === 'raised') || result.permanent || n >= policy.maxAttempts) {
      this.deps.log.error(log, 'notification delivery is dead');
    } else this.deps.log.warn(log, 'notification delivery failed; it will be retried');
  }

  private accepted(tx: LedgerTx, d: Delivery, n: number, at: number, kind: string | null): void {
    tx.outbox.markDelivered(d.id, at);
    const items = tx.outbox.items(d.id);
    const original = d.fallbackOf !== null ? tx.outbox.get(d.fallbackOf) : undefined;
    for (const [alarmId, mine] of byAlarm(items)) {
      const current = tx.get(alarmId);
      if (!current) continue;
      tx.append({
        kind: 'notified',
        at: iso(at),
        alarm: current,
        by: null,
        detail: {
          channel: d.channel,
          channelKind: kind,
          delivery: d.key,
          attempt: n,
          reasons: mine.map((x) => x.reason),
          ...(original ? { fallbackFor: original.key, failedChannel: original.channel } : {}),
        },
      });
    }
    // The channel works again: its failure alarms clear.
    for (const e of this.deps.site().enterprises) {
      const failure = tx.activeChannelFailure(e.id, d.channel);
      if (!failure) continue;
      tx.append({
        kind: 'cleared',
        at: iso(at),
        alarm: { ...failure, clearedAt: iso(at), clearReason: 'condition-ended' },
        by: null,
        detail: { channel: d.channel, delivery: d.key },
      });
    }
  }

  private dead(tx: LedgerTx, d: Delivery, n: number, at: number, error: string, policy: DeliveryPolicy): void {
    tx.outbox.markDead(d.id, at, error);
    const items = tx.outbox.items(d.id);
    // The fallback of a route applies once: a dead fallback delivery raises its alarm and stops.
    if (d.fallbackOf === null) {
      const byFallback = new Map<string, Notification[]>();
      for (const x of items) if (x.fallback !== null) byFallback.set(x.fallback, [...(byFallback.get(x.fallback) ?? []), x]);
      for (const [channel, list] of byFallback) {
        tx.outbox.createDelivery({ key: newKey(), channel, fallbackOf: d.id, nextAt: at, createdAt: at, message: d.message }, list.map((x) => x.id));
      }
    }
    for (const enterpriseId of new Set(items.map((x) => x.enterpriseId))) {
      if (tx.activeChannelFailure(enterpriseId, d.channel)) continue;
      const record: AlarmRecord = {
        id: this.deps.newAlarmId(),
        type: 'notification-failed',
        reason: null,
        level: 'alarm',
        enterpriseId,
        subject: { channel: d.channel },
        value: n,
        peak: n,
        limit: policy.maxAttempts,
        since: iso(d.createdAt),
        raisedAt: iso(at),
        escalatedAt: null,
        clearedAt: null,
        clearReason: null,
        detectedAt: iso(at),
        late: false,
        configRevision: this.deps.revision(),
      };
      tx.append({
        kind: 'raised',
        at: iso(at),
        alarm: record,
        by: null,
        detail: { channel: d.channel, delivery: d.key, attempts: n, error, alarms: [...new Set(items.map((x) => x.alarmId))] },
      });
    }
  }
}

function newKey(): string {
  return `hzd-${randomUUID()}`;
}

function byAlarm(items: Notification[]): Map<string, Notification[]> {
  const out = new Map<string, Notification[]>();
  for (const x of items) out.set(x.alarmId, [...(out.get(x.alarmId) ?? []), x]);
  return out;
}
