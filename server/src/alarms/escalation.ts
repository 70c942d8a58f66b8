import { iso, type AlarmRecord, type SiteConfig } from '@hazwatch/protocols';
import type { Logger } from 'pino';
import type { Ledger } from './ledger.ts';
import { alertingOf, isShelved, planReminder } from './routing.ts';
import { PassLoop } from './pass-loop.ts';

export type EscalationDeps = {
  ledger: Ledger;
  site: () => SiteConfig;
  log: Logger;
  now: () => number;
  /** Reminders write only the outbox (no ledger event): the notifier is told directly. */
  wakeNotifier: () => void;
  /** Longest sleep with nothing due (ms). */
  maxIdleMs?: number;
};

const MINUTE = 60_000;

/**
 * Escalation (on platform time, from when the platform detected the alarm): not acknowledged within
 * T1, the alarm goes to the `next` tier; within T2, to the `principal` tier and, for the four overs at
 * level alarm, to the regulator of the enterprise's region. Each step is an `escalated` event with
 * `detail.tier` (and the record's `escalationTier`), written with its notifications. While an active
 * alarm stays unacknowledged, reminders go out every `reminderMinutes` to the tiers it has reached.
 * Acknowledging or closing stops both; shelving suspends both until it expires (recorded as a
 * `shelved` event with `detail.action: "expired"`), and what fell due meanwhile follows at once.
 */
export class Escalation {
  private readonly loop: PassLoop;
  errors = 0;

  constructor(private readonly deps: EscalationDeps) {
    this.loop = new PassLoop({ now: deps.now, maxIdleMs: deps.maxIdleMs ?? 5_000, pass: () => this.pass() });
  }

  start(): void {
    this.loop.start();
  }

  /** Alarms changed (raised, acknowledged, shelved): look again soon. */
  wake(): void {
    this.loop.wake(20);
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** One look at every alarm awaiting acknowledgement; returns the delay until the next is due. */
  private async pass(): Promise<number> {
    let next = Infinity;
    try {
      const now = this.deps.now();
      for (const a of await this.deps.ledger.store.awaitingAcknowledgement()) {
        try {
          next = Math.min(next, await this.step(a, now));
        } catch (err) {
          this.errors++;
          this.deps.log.error({ err, alarm: a.id }, 'escalation step failed');
        }
      }
    } catch (err) {
      this.errors++;
      this.deps.log.error({ err }, 'escalation pass failed');
    }
    // +1 ms: a timer may fire a hair early, and a deadline counts as reached at its instant.
    return Number.isFinite(next) ? next - this.deps.now() + 1 : Infinity;
  }

  /** Does what is due for one alarm; returns when it next needs a look. */
  private async step(alarm: AlarmRecord, now: number): Promise<number> {
    let a = alarm;
    if (a.shelvedUntil != null) {
      if (isShelved(a, now)) return Date.parse(a.shelvedUntil);
      a = (await this.expireShelving(a.id, now)) ?? a;
    }
    if (a.acknowledgedAt != null || a.closedAt != null) return Infinity;
    const ent = this.deps.site().enterprises.find((e) => e.id === a.enterpriseId);
    if (!ent) return Infinity;
    const cfg = alertingOf(ent);
    const base = Date.parse(a.detectedAt);
    let next = Infinity;
    let tier = a.escalationTier ?? 0;
    for (const [t, minutes] of [[1, cfg.escalation.t1Minutes], [2, cfg.escalation.t2Minutes]] as const) {
      if (tier >= t) continue;
      const due = base + minutes * MINUTE;
      if (now < due) {
        next = Math.min(next, due);
        break;
      }
      const done = await this.escalate(a.id, t, due, minutes, now);
      if (!done) return Infinity;
      a = done;
      tier = t;
    }
    if (a.clearedAt === null && cfg.reminderMinutes > 0) {
      const last = this.deps.ledger.store.outbox.lastReminder(a.id) ?? base;
      const due = last + cfg.reminderMinutes * MINUTE;
      if (now >= due) {
        await this.remind(a.id, now);
        next = Math.min(next, now + cfg.reminderMinutes * MINUTE);
      } else next = Math.min(next, due);
    }
    return next;
  }

  private async escalate(id: string, tier: 1 | 2, due: number, minutes: number, now: number): Promise<AlarmRecord | undefined> {
    const { result } = await this.deps.ledger.write((tx) => {
      const cur = tx.get(id);
      // Checked again inside the transaction: an acknowledgement may have come in meanwhile.
      if (!cur || cur.acknowledgedAt != null || cur.closedAt != null || isShelved(cur, now)) return undefined;
      if ((cur.escalationTier ?? 0) >= tier) return cur;
      const alarm: AlarmRecord = { ...cur, escalationTier: tier };
      tx.append({ kind: 'escalated', at: iso(due), alarm, by: null, detail: { tier, to: tier === 1 ? 'next' : 'principal', unacknowledgedMinutes: minutes } });
      // The escalation message stands for a reminder: the next one counts from here.
      tx.outbox.setReminder(id, now);
      return alarm;
    });
    return result;
  }

  private async remind(id: string, now: number): Promise<void> {
    const site = this.deps.site();
    const { result: planned } = await this.deps.ledger.write((tx) => {
      const cur = tx.get(id);
      if (!cur || cur.acknowledgedAt != null || cur.closedAt != null || cur.clearedAt !== null) return 0;
      let n = 0;
      for (const d of planReminder(site, cur, now)) if (tx.outbox.addNotification(d)) n++;
      tx.outbox.setReminder(id, now);
      return n;
    });
    if (planned > 0) this.deps.wakeNotifier();
  }

  private async expireShelving(id: string, now: number): Promise<AlarmRecord | undefined> {
    const { result } = await this.deps.ledger.write((tx) => {
      const cur = tx.get(id);
      if (!cur || cur.shelvedUntil == null || isShelved(cur, now)) return cur;
      const alarm: AlarmRecord = { ...cur, shelvedAt: null, shelvedBy: null, shelvedUntil: null, shelveReason: null };
      tx.append({ kind: 'shelved', at: cur.shelvedUntil, alarm, by: null, detail: { action: 'expired', reason: cur.shelveReason ?? null, until: cur.shelvedUntil } });
      return alarm;
    });
    return result;
  }
}
